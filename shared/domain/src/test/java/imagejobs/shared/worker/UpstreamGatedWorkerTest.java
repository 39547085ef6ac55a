package imagejobs.shared.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.gemini.GeminiClient;
import imagejobs.shared.gemini.GeminiException;
import imagejobs.shared.gemini.GeminiResponse;
import imagejobs.shared.image.TestImages;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;
import imagejobs.shared.limits.PacedUpstreamGate;
import imagejobs.shared.limits.UpstreamLimits;
import imagejobs.shared.log.Metrics;
import imagejobs.shared.queue.JobMessage;
import imagejobs.shared.status.JobView;
import imagejobs.testing.InMemoryGateStore;
import imagejobs.testing.InMemoryJobQueue;
import imagejobs.testing.InMemoryJobStore;
import imagejobs.testing.InMemoryObjectStore;
import imagejobs.testing.MutableClock;

/**
 * The worker with the upstream gate (in-memory stores, a fake clock, a mocked Gemini): messages are received, processed
 * and deleted as Lambda would, until every job is finished. A 429 spends no attempt, a told rate spreads the calls,
 * a job that waits past MAX_QUEUE_SECONDS fails with QUEUE_TIMEOUT, and stale copies of re-sent messages are dropped.
 */
class UpstreamGatedWorkerTest {
    private static final Instant T0 = Instant.parse("2026-01-10T12:00:00Z");
    private static final String MODEL = "gemini-3-pro-image-preview";
    private static final String REQUEST = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a red fox\"}]}]}";

    private final MutableClock clock = new MutableClock(T0);
    private final InMemoryJobStore jobs = new InMemoryJobStore();
    private final InMemoryJobQueue queue = new InMemoryJobQueue(clock);
    private final InMemoryGateStore gateStore = new InMemoryGateStore();
    private final GeminiClient gemini = mock(GeminiClient.class);
    private final List<Instant> callTimes = new CopyOnWriteArrayList<>();
    private final List<String> metrics = new CopyOnWriteArrayList<>();
    private final Metrics recording = new Metrics() {
        @Override
        public void emit(List<List<String>> sets, java.util.Map<String, String> dimensions, Value... values) {
            for (Value v : values) {
                metrics.add(v.name() + dimensions.getOrDefault("outcome", ""));
            }
        }

        @Override
        public void count(String name, Object... properties) {
        }
    };

    private JobProcessor processor(String limits, Duration maxQueue) {
        PacedUpstreamGate gate = new PacedUpstreamGate(gateStore,
                limits == null ? UpstreamLimits.none() : UpstreamLimits.parse(limits, List.of(MODEL)));
        WorkerPorts ports = new WorkerPorts(jobs, new InMemoryObjectStore(), queue, gemini, url -> null,
                ModelCatalog.load(), recording, clock).withUpstream(gate);
        return new JobProcessor(ports, new WorkerPolicy(3, Duration.ofSeconds(360),
                new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5), b -> 0), maxQueue));
    }

    private String submit(String id, String tenant) {
        jobs.put(Job.queued(id, tenant, MODEL, Job.SOURCE_API, null, REQUEST, null, "h", clock.instant(),
                clock.instant().plus(Duration.ofDays(30))));
        queue.send(id);
        return id;
    }

    /** Gemini answers 429 {@code throttles} times (with this retry delay), then with an image. */
    private AtomicInteger gemini(int throttles, Duration retryDelay) throws GeminiException {
        AtomicInteger calls = new AtomicInteger();
        doAnswer(inv -> {
            callTimes.add(clock.instant());
            if (calls.incrementAndGet() <= throttles) {
                throw new GeminiException(GeminiException.Kind.RATE_LIMITED, 429,
                        "HTTP 429 RESOURCE_EXHAUSTED: quota exceeded", retryDelay);
            }
            Path file = Files.write(((Path) inv.getArgument(3)).resolve("image-0.bin"), TestImages.jpeg(64, 64));
            return new GeminiResponse(List.of(new GeminiResponse.Part(null, file, "image/jpeg", Files.size(file),
                    null, false)), "STOP", null, null, null, (ObjectNode) Json.parse("{}"), "v1", "r1", 1);
        }).when(gemini).generate(anyString(), any(), any(), any());
        return calls;
    }

    /** Lambda's loop: receive, process, delete what is done; a second of fake time passes per round. */
    private void drain(JobProcessor processor, List<String> ids, int maxRounds) {
        drain(processor, queue, ids, maxRounds);
    }

    private void drain(JobProcessor processor, InMemoryJobQueue queue, List<String> ids, int maxRounds) {
        for (int round = 0; round < maxRounds; round++) {
            if (ids.stream().allMatch(id -> jobs.job(id).status().terminal()) && queue.receive(10).isEmpty()) {
                return;
            }
            for (InMemoryJobQueue.Received message : queue.receive(10)) {
                JobProcessor.Result result = processor.process(JobMessage.requestId(message.body()).orElseThrow(),
                        JobMessage.waitToken(message.body()).orElse(null), message.receiptHandle(),
                        Duration.ofSeconds(300));
                if (result instanceof JobProcessor.Result.Done) {
                    queue.delete(message.receiptHandle());
                }
            }
            clock.advance(Duration.ofSeconds(1));
        }
        throw new AssertionError("jobs not finished after " + maxRounds + " rounds: "
                + ids.stream().map(id -> jobs.job(id).status()).toList());
    }

    @Test
    void aJobThrottledMoreOftenThanMaxAttemptsStillSucceedsWithoutSpendingAttempts() throws Exception {
        AtomicInteger calls = gemini(5, Duration.ofSeconds(7));
        JobProcessor processor = processor(null, Duration.ofHours(6));
        String id = submit("01JOBTHROTTLEDAAAAAAAAAAAA", "tenant-a");

        drain(processor, List.of(id), 2_000);

        Job job = jobs.job(id);
        assertEquals(JobStatus.SUCCESS, job.status(), String.valueOf(job.error()));
        assertEquals(6, calls.get());
        assertEquals(5, job.throttled());
        assertEquals(1, job.countedAttempts());
        assertEquals(1, new JobView(null, null, null).summary(job).get("attempts").asInt());
        for (int i = 1; i < callTimes.size(); i++) {
            assertTrue(!callTimes.get(i).isBefore(callTimes.get(i - 1).plusSeconds(7)),
                    "a call before the cool-down ended: " + callTimes);
        }
        assertTrue(metrics.contains("UpstreamCoolDowns"), metrics.toString());
        // Each 429 named a per-minute delay: the gate learned a rate from it, reported once per value.
        assertTrue(metrics.contains("LearnedRpm"), metrics.toString());
        assertTrue(metrics.stream().filter("LearnedRpm"::equals).count() < 5, "sent when it changes: " + metrics);
    }

    @Test
    void whileItWaitsTheJobStaysQueuedAndItsStatusSaysWhy() throws Exception {
        gemini(1, Duration.ofSeconds(30));
        JobProcessor processor = processor(null, Duration.ofHours(6));
        String id = submit("01JOBWAITINGAAAAAAAAAAAAAA", "tenant-a");
        InMemoryJobQueue.Received first = queue.receive(10).get(0);

        assertInstanceOf(JobProcessor.Result.Done.class, processor.process(id, null, first.receiptHandle(),
                Duration.ofSeconds(300)));
        queue.delete(first.receiptHandle());

        Job job = jobs.job(id);
        assertEquals(JobStatus.QUEUED, job.status());
        assertNotNull(job.waitToken());
        ObjectNode view = new JobView(null, null, null).summary(job);
        assertEquals("UPSTREAM_QUOTA", view.path("waiting").path("reason").asText());
        assertEquals("COOL_DOWN", view.path("waiting").path("detail").asText());
        assertEquals(MODEL, view.path("waiting").path("model").asText());
        assertEquals(0, view.path("attempts").asInt());
        assertTrue(queue.receive(10).isEmpty(), "the re-sent message is delayed for the cool-down");
        Instant nextCheck = Instant.parse(view.path("waiting").path("next_check_at").asText());
        assertTrue(!nextCheck.isBefore(T0.plusSeconds(30)), "not before Gemini's retry delay: " + nextCheck);
        clock.set(nextCheck);
        List<InMemoryJobQueue.Received> back = queue.receive(10);
        assertEquals(1, back.size());
        assertEquals(job.waitToken(), JobMessage.waitToken(back.get(0).body()).orElseThrow());
    }

    @Test
    void aReSentMessageGoesOutOnlyOnceTheJobCarriesItsToken() throws Exception {
        // A re-send due at once can reach another worker within milliseconds: by then the job must already carry
        // the message's token, or that worker takes the message for a stale copy and the job waits for ever.
        List<String> sentBeforeRecorded = new CopyOnWriteArrayList<>();
        InMemoryJobQueue checking = new InMemoryJobQueue(clock) {
            @Override
            public synchronized void sendDelayed(String requestId, String waitToken, int delaySeconds, String group) {
                if (!waitToken.equals(jobs.job(requestId).waitToken())) {
                    sentBeforeRecorded.add(requestId);
                }
                super.sendDelayed(requestId, waitToken, delaySeconds, group);
            }
        };
        gemini(0, null);
        PacedUpstreamGate gate = new PacedUpstreamGate(gateStore, UpstreamLimits.parse("*:6", List.of(MODEL)));
        JobProcessor processor = new JobProcessor(new WorkerPorts(jobs, new InMemoryObjectStore(), checking, gemini,
                url -> null, ModelCatalog.load(), recording, clock).withUpstream(gate), new WorkerPolicy(3,
                Duration.ofSeconds(360), new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5), b -> 0),
                Duration.ofHours(6)));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String id = "01JOBRESENT" + i + "AAAAAAAAAAAAAA";
            jobs.put(Job.queued(id, "tenant-a", MODEL, Job.SOURCE_API, null, REQUEST, null, "h", clock.instant(),
                    clock.instant().plus(Duration.ofDays(30))));
            checking.send(id);
            ids.add(id);
        }
        drain(processor, checking, ids, 600);
        assertTrue(ids.stream().allMatch(id -> jobs.job(id).status() == JobStatus.SUCCESS),
                ids.stream().map(id -> jobs.job(id).status()).toList().toString());
        assertTrue(sentBeforeRecorded.isEmpty(), "re-sent before the job had the token: " + sentBeforeRecorded);
    }

    @Test
    void whenTheReSendFailsTheReceivedMessageStaysTheJobsCurrentOne() throws Exception {
        InMemoryJobQueue failingResends = new InMemoryJobQueue(clock) {
            @Override
            public synchronized void sendDelayed(String requestId, String waitToken, int delaySeconds, String group) {
                throw new IllegalStateException("SQS unavailable");
            }

            @Override
            public void retryAfter(String receiptHandle, Duration delay) {
            }
        };
        PacedUpstreamGate gate = new PacedUpstreamGate(gateStore, UpstreamLimits.parse("*:1", List.of(MODEL)));
        JobProcessor processor = new JobProcessor(new WorkerPorts(jobs, new InMemoryObjectStore(), failingResends,
                gemini, url -> null, ModelCatalog.load(), recording, clock).withUpstream(gate), new WorkerPolicy(3,
                Duration.ofSeconds(360), new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5), b -> 0),
                Duration.ofHours(6)));
        gemini(0, null);
        String first = submit("01JOBFIRSTAAAAAAAAAAAAAAAA", "tenant-a");
        assertEquals(JobProcessor.Result.Done.class, processor.process(first, null, "rh-1",
                Duration.ofSeconds(300)).getClass());
        String second = submit("01JOBSECONDAAAAAAAAAAAAAAA", "tenant-a");
        // One call a minute: the second job must wait, and its re-send fails.
        JobProcessor.Result result = processor.process(second, null, "rh-2", Duration.ofSeconds(300));
        assertTrue(!(result instanceof JobProcessor.Result.Done), "the received message is kept: " + result);
        Job job = jobs.job(second);
        assertEquals(JobStatus.QUEUED, job.status());
        assertEquals(null, job.waitToken(), "the received message (no token) is the current one again");
    }

    @Test
    void aJobWhoseWaitWasRecordedButNeverReSentIsCarriedOnByTheMessageThatComesBack() throws Exception {
        // A worker recorded the wait (new token t2) and died before sending t2's message: the message it had
        // received (token t1) comes back after the visibility timeout. Before the job's turn is long past it is a
        // stale copy; once it is, it carries the job on.
        gemini(0, null);
        JobProcessor processor = processor(null, Duration.ofHours(6));
        String id = "01JOBORPHANAAAAAAAAAAAAAAA";
        jobs.put(Job.queued(id, "tenant-a", MODEL, Job.SOURCE_API, null, REQUEST, null, "h", clock.instant(),
                clock.instant().plus(Duration.ofDays(30))));
        Job.Waiting waiting = new Job.Waiting(1L, null, "RATE", MODEL, clock.instant(), clock.instant().plusSeconds(5));
        assertTrue(jobs.markWaiting(id, null, "t1", waiting, clock.instant()));
        assertTrue(jobs.markWaiting(id, "t1", "t2", waiting, clock.instant()));

        clock.advance(Duration.ofMinutes(5));
        assertEquals(JobProcessor.Result.Done.class, processor.process(id, "t1", "rh-1", Duration.ofSeconds(300))
                .getClass());
        assertEquals(JobStatus.QUEUED, jobs.job(id).status(), "within the grace a copy with another token is stale");

        clock.advance(Duration.ofMinutes(30));
        queue.send(id); // the delivery below; its receipt handle must exist for the lease's visibility change
        InMemoryJobQueue.Received back = queue.receive(1).get(0);
        processor.process(id, "t1", back.receiptHandle(), Duration.ofSeconds(300));
        assertEquals(JobStatus.SUCCESS, jobs.job(id).status(), String.valueOf(jobs.job(id).error()));
    }

    @Test
    void aStaleCopyOfAReSentMessageIsAcknowledgedWithoutACall() throws Exception {
        AtomicInteger calls = gemini(1, Duration.ofSeconds(30));
        JobProcessor processor = processor(null, Duration.ofHours(6));
        String id = submit("01JOBSTALEAAAAAAAAAAAAAAAA", "tenant-a");
        InMemoryJobQueue.Received first = queue.receive(10).get(0);
        processor.process(id, null, first.receiptHandle(), Duration.ofSeconds(300));
        clock.advance(Duration.ofMinutes(5));

        // The intake's copy, delivered again after the job moved on to a re-sent message.
        queue.send(id);
        InMemoryJobQueue.Received stale = queue.receive(10).stream()
                .filter(m -> JobMessage.waitToken(m.body()).isEmpty()).findFirst().orElseThrow();
        assertInstanceOf(JobProcessor.Result.Done.class, processor.process(id, null, stale.receiptHandle(),
                Duration.ofSeconds(300)));
        assertEquals(1, calls.get());
        assertEquals(JobStatus.QUEUED, jobs.job(id).status());
    }

    @Test
    void aToldRateSpreadsTheCallsAndEveryJobSucceeds() throws Exception {
        gemini(0, null);
        JobProcessor processor = processor("*:6", Duration.ofHours(6));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(submit("01JOBRATE" + i + "AAAAAAAAAAAAAAAA", "tenant-a"));
        }

        drain(processor, ids, 2_000);

        for (String id : ids) {
            assertEquals(JobStatus.SUCCESS, jobs.job(id).status());
            assertEquals(1, jobs.job(id).attempts());
        }
        assertEquals(6, callTimes.size());
        for (int i = 1; i < callTimes.size(); i++) {
            // 6 rpm: one call every 10 s (plus the gate's guard), never closer.
            assertTrue(!callTimes.get(i).isBefore(callTimes.get(i - 1).plusSeconds(10)), callTimes.toString());
        }
        assertTrue(metrics.contains("UpstreamSlotsdenied") || metrics.contains("UpstreamSlotsreserved"),
                metrics.toString());
    }

    @Test
    void aJobThatWaitsPastMaxQueueFailsWithQueueTimeoutAndNoAttempt() throws Exception {
        AtomicInteger calls = gemini(1_000, Duration.ofSeconds(20));
        JobProcessor processor = processor(null, Duration.ofSeconds(90));
        String id = submit("01JOBTIMEOUTAAAAAAAAAAAAAA", "tenant-a");

        drain(processor, List.of(id), 2_000);

        Job job = jobs.job(id);
        assertEquals(JobStatus.FAILED, job.status());
        assertEquals("QUEUE_TIMEOUT", job.error().code());
        assertTrue(job.error().retryable());
        assertTrue(job.error().message().startsWith("waited 1 min in the queue for " + MODEL), job.error().message());
        assertTrue(job.error().message().contains("a job waits at most 1 min"), job.error().message());
        assertEquals(0, job.countedAttempts());
        assertTrue(calls.get() <= 5, "calls " + calls.get());
        assertNull(new JobView(null, null, null).summary(job).get("waiting"));
        assertTrue(Duration.between(T0, job.completedAt()).toSeconds() >= 90);
    }
}
