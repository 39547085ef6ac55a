package imagejobs.shared.worker;

import imagejobs.testing.MutableClock;
import imagejobs.testing.InMemoryObjectStore;
import imagejobs.testing.InMemoryJobStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.gemini.GeminiException;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;
import imagejobs.shared.log.Metrics;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.queue.JobQueue;

/** Each decision carried out: the job's row, the message's visibility, the log line and the metrics. */
class WorkerEffectsTest {
    private static final Instant T0 = Instant.parse("2026-01-10T12:00:00Z");
    private static final String ID = "01JOBAAAAAAAAAAAAAAAAAAAAA";

    private final InMemoryJobStore jobs = new InMemoryJobStore();
    private final MutableClock clock = new MutableClock(T0);
    private final List<String> visibility = new CopyOnWriteArrayList<>();
    private final List<String> metrics = new CopyOnWriteArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private boolean queueDown;

    private final JobQueue queue = new JobQueue() {
        @Override
        public void send(String requestId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void retryAfter(String receiptHandle, Duration delay) {
            if (queueDown) {
                throw new IllegalStateException("SQS unreachable");
            }
            visibility.add(receiptHandle + "=" + delay.toMillis());
        }
    };
    private final Metrics recording = new Metrics() {
        @Override
        public void emit(List<List<String>> dimensionSets, Map<String, String> dimensions, Value... values) {
            for (Value v : values) {
                metrics.add(v.name() + "=" + (long) v.value() + (dimensions.containsKey("cause")
                        ? " cause=" + dimensions.get("cause") : "") + (dimensions.containsKey("status")
                        ? " status=" + dimensions.get("status") + " error_code=" + dimensions.get("error_code") : ""));
            }
        }

        @Override
        public void count(String name, Object... properties) {
        }
    };
    private final JobListener listener = new JobListener() {
        @Override
        public void started(Job job) {
            events.add("started " + job.attempts());
        }

        @Override
        public void finished(Job job, JobStatus status, ObjectNode outcome, JobError error) {
            events.add("finished " + status.wire() + " " + (error == null ? outcome.path("images").size()
                    : error.code()));
        }
    };
    private WorkerEffects effects;
    private Job claimed;

    @BeforeEach
    void setUp() {
        StructuredLog.redirect(new PrintStream(log, true, StandardCharsets.UTF_8));
        effects = new WorkerEffects(new WorkerPorts(jobs, new InMemoryObjectStore(), queue, null, url -> null, null,
                recording, clock).withListener(listener));
        jobs.put(Job.queued(ID, "tenant-a", "gemini-2.5-flash-image", Job.SOURCE_API, null, "{}", null, "h", T0,
                T0.plus(Duration.ofDays(30))));
        claimed = jobs.claim(ID, T0, T0.plusSeconds(360)).orElseThrow();
        clock.advance(Duration.ofSeconds(30));
    }

    @AfterEach
    void tearDown() {
        StructuredLog.redirect(System.out);
        StructuredLog.clearContext();
    }

    private List<JsonNode> lines() {
        return log.toString(StandardCharsets.UTF_8).lines().map(Json::parse).toList();
    }

    private JsonNode onlyLine() {
        List<JsonNode> lines = lines();
        assertEquals(1, lines.size(), lines.toString());
        assertEquals("JobProcessor", lines.get(0).path("logger").asText(), "the worker's logger name is kept");
        return lines.get(0);
    }

    @Test
    void completeRecordsSuccessLogsTheTerminalLineAndTellsTheListener() {
        ObjectNode outcome = (ObjectNode) Json.parse("{\"images\":[{}]}");
        JobProcessor.Result result = effects.apply(new Decision.Complete(outcome, 1, 20_000, T0.plusSeconds(25)),
                claimed, "rh");
        assertEquals(new JobProcessor.Result.Done(), result);
        assertEquals(JobStatus.SUCCESS, jobs.job(ID).status());
        assertEquals(T0.plusSeconds(25), jobs.job(ID).completedAt());
        JsonNode line = onlyLine();
        assertEquals("job finished", line.path("message").asText());
        assertEquals("success", line.path("status").asText());
        assertEquals(1, line.path("images").asInt());
        assertEquals(20_000, line.path("gemini_latency_ms").asLong());
        assertEquals(30_000, line.path("queued_to_done_ms").asLong());
        assertEquals(List.of("JobsFinished=1 status=success error_code=NONE", "Attempts=1 status=success error_code=NONE",
                "QueuedToDone=30000 status=success error_code=NONE"), metrics);
        assertEquals(List.of("finished success 1"), events);
        assertTrue(visibility.isEmpty(), "the message is deleted by the batch response");
    }

    @Test
    void aFailCountedAsUpstreamEmitsTheMetricThenFails() {
        JobError error = new JobError("RATE_LIMITED", "gave up after 3 attempts: HTTP 429", true);
        assertEquals(new JobProcessor.Result.Done(), effects.apply(new Decision.Fail(error, "upstream"), claimed, "rh"));
        assertEquals(error, jobs.job(ID).error());
        assertEquals("AttemptFailures=1 cause=upstream", metrics.get(0));
        assertEquals("JobsFinished=1 status=failed error_code=RATE_LIMITED", metrics.get(1));
        assertEquals("RATE_LIMITED", onlyLine().path("error_code").asText());
        assertEquals(List.of("finished failed RATE_LIMITED"), events);
    }

    @Test
    void anUncountedFailEmitsNoAttemptFailure() {
        effects.apply(new Decision.Fail(new JobError("SAFETY_BLOCKED", "blocked", false), null), claimed, "rh");
        assertTrue(metrics.stream().noneMatch(m -> m.startsWith("AttemptFailures")), metrics.toString());
        assertEquals(JobStatus.FAILED, jobs.job(ID).status());
    }

    @Test
    void requeueWritesRetryAtAndDelaysTheMessage() {
        JobProcessor.Result result = effects.apply(new Decision.Requeue("UPSTREAM_UNAVAILABLE: HTTP 503",
                Duration.ofSeconds(4), "upstream"), claimed, "rh");
        assertEquals(new JobProcessor.Result.RetryLater(Duration.ofSeconds(4)), result);
        assertEquals(JobStatus.QUEUED, jobs.job(ID).status());
        assertEquals(T0.plusSeconds(34), jobs.job(ID).retryAt());
        assertEquals(List.of("rh=4000"), visibility);
        assertEquals(List.of("AttemptFailures=1 cause=upstream"), metrics);
        assertEquals("job requeued", onlyLine().path("message").asText());
        assertTrue(events.isEmpty(), "not terminal");
    }

    @Test
    void aLostLeaseLeavesTheJobToItsHolderAndTellsNobody() {
        clock.advance(Duration.ofSeconds(400));
        jobs.claim(ID, clock.instant(), clock.instant().plusSeconds(360)).orElseThrow(); // taken over
        assertEquals(new JobProcessor.Result.Done(), effects.apply(new Decision.Complete(Json.object(), 0, 0,
                clock.instant()), claimed, "rh"));
        assertEquals(new JobProcessor.Result.Done(), effects.apply(new Decision.Fail(new JobError("X", "x", false),
                null), claimed, "rh"));
        assertEquals(new JobProcessor.Result.Done(), effects.apply(new Decision.Requeue("x", Duration.ofSeconds(2),
                "crash"), claimed, "rh"));
        assertEquals(JobStatus.PROCESSING, jobs.job(ID).status());
        assertEquals(2, jobs.job(ID).attempts());
        assertTrue(lines().stream().allMatch(l -> l.path("message").asText().startsWith("lost the lease")),
                lines().toString());
        assertTrue(events.isEmpty());
        assertTrue(visibility.isEmpty());
    }

    @Test
    void releasesDelayTheMessageWithoutTouchingTheJob() {
        assertEquals(new JobProcessor.Result.RetryLater(Duration.ofSeconds(301)), effects.apply(
                new Decision.WaitForLease(Duration.ofSeconds(301), T0.plusSeconds(360)), claimed, "rh-1"));
        assertEquals(new JobProcessor.Result.RetryLater(Duration.ofSeconds(4)),
                effects.apply(new Decision.WaitForRetryAt(Duration.ofSeconds(4)), claimed, "rh-2"));
        assertEquals(new JobProcessor.Result.RetryLater(Duration.ofSeconds(1)), effects.apply(
                new Decision.ReturnUnclaimed(Duration.ofSeconds(1), Duration.ofSeconds(25)), claimed, "rh-3"));
        assertEquals(new JobProcessor.Result.RetryLater(Duration.ofSeconds(1)),
                effects.apply(new Decision.LostClaimRace(Duration.ofSeconds(1)), claimed, "rh-4"));
        assertEquals(new JobProcessor.Result.RetryLater(Duration.ofSeconds(3)),
                effects.apply(new Decision.GateClosed(Duration.ofSeconds(3)), claimed, "rh-5"));
        assertEquals(List.of("rh-1=301000", "rh-2=4000", "rh-3=1000", "rh-4=1000", "rh-5=3000"), visibility);
        assertEquals(claimed, jobs.job(ID));
        assertTrue(metrics.isEmpty());
        assertEquals(new JobProcessor.Result.RetryLater(Duration.ofSeconds(4)),
                effects.apply(new Decision.WaitForRetryAt(Duration.ofSeconds(4)), claimed, null), "no message: no call");
        assertEquals(5, visibility.size());
    }

    @Test
    void aQueueFailureOnAReleaseIsThrownForTheBatchToRetry() {
        queueDown = true;
        assertThrows(IllegalStateException.class,
                () -> effects.apply(new Decision.WaitForRetryAt(Duration.ofSeconds(4)), claimed, "rh"));
    }

    @Test
    void finishedAndUnknownJobsAcknowledgeTheMessage() {
        assertEquals(new JobProcessor.Result.Done(),
                effects.apply(new Decision.AlreadyFinished(JobStatus.SUCCESS), claimed, "rh"));
        assertEquals(new JobProcessor.Result.Done(), effects.apply(new Decision.Drop(), null, "rh"));
        assertTrue(visibility.isEmpty());
        assertEquals(List.of("job already finished; message acknowledged", "message for an unknown job; dropped"),
                lines().stream().map(l -> l.path("message").asText()).toList());
    }

    @Test
    void aStoreOutageCountsACrashAndSurvivesTheQueueBeingDownToo() {
        Decision outage = new Decision.StoreUnavailable(Duration.ofSeconds(8), "SdkClientException");
        assertEquals(new JobProcessor.Result.RetryLater(Duration.ofSeconds(8)), effects.apply(outage, null, "rh-1"));
        assertEquals(List.of("rh-1=8000"), visibility);
        queueDown = true;
        assertEquals(new JobProcessor.Result.RetryLater(Duration.ofSeconds(8)), effects.apply(outage, null, "rh-2"));
        assertEquals(List.of("AttemptFailures=1 cause=crash", "AttemptFailures=1 cause=crash"), metrics);
        List<JsonNode> lines = lines();
        assertEquals("SdkClientException", lines.get(0).path("error_type").asText());
        assertTrue(lines.get(lines.size() - 1).path("message").asText().startsWith("could not delay the message"));
    }

    @Test
    void holdingForTheLeaseNeverThrows() {
        effects.holdForLease("rh", Duration.ofSeconds(365));
        effects.holdForLease(null, Duration.ofSeconds(365));
        queueDown = true;
        effects.holdForLease("rh", Duration.ofSeconds(365));
        assertEquals(List.of("rh=365000"), visibility);
        assertEquals("could not set the message's visibility to the lease", onlyLine().path("message").asText());
    }

    @Test
    void theFirstStartReportsTheQueueWaitAndEveryStartTellsTheListener() {
        effects.started(claimed);
        assertEquals(List.of("QueueWait=30000"), metrics);
        clock.advance(Duration.ofSeconds(400));
        effects.started(jobs.claim(ID, clock.instant(), clock.instant().plusSeconds(360)).orElseThrow());
        assertEquals(1, metrics.size(), "only the first pickup is queue wait");
        assertEquals(List.of("started 1", "started 2"), events);
    }

    @Test
    void theAnswerAndTheUpstreamFailureAreLoggedWithoutTheKey() {
        effects.answered(claimed, new JobAttempt.GeminiCall(1234, "STOP", 2));
        effects.upstreamFailed(new GeminiException(GeminiException.Kind.RATE_LIMITED, 429, "HTTP 429: quota",
                Duration.ofSeconds(7)));
        List<JsonNode> lines = lines();
        assertEquals("gemini answered", lines.get(0).path("message").asText());
        assertEquals(1234, lines.get(0).path("latency_ms").asLong());
        assertEquals(List.of("GeminiLatency=1234"), metrics);
        assertEquals("RATE_LIMITED", lines.get(1).path("kind").asText());
        assertEquals(7000, lines.get(1).path("retry_delay_ms").asLong());
        assertNull(lines.get(1).get("api_key"));
        assertFalse(log.toString(StandardCharsets.UTF_8).contains("GeminiException"));
    }

    @Test
    void aClaimIsNotAnExit() {
        assertInstanceOf(IllegalArgumentException.class,
                assertThrows(RuntimeException.class, () -> effects.apply(new Decision.Claim(), claimed, "rh")));
    }
}
