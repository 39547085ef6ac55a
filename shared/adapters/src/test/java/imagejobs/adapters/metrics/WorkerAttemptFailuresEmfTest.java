package imagejobs.adapters.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;


import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.gemini.GeminiClient;
import imagejobs.shared.gemini.GeminiException;
import imagejobs.shared.gemini.GeminiResponse;
import imagejobs.shared.image.TestImages;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;
import imagejobs.shared.log.Metrics;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.queue.JobQueue;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.worker.Backoff;
import imagejobs.shared.worker.JobProcessor;
import imagejobs.shared.worker.WorkerPolicy;
import imagejobs.shared.worker.WorkerPorts;
import imagejobs.testing.InMemoryJobStore;
import imagejobs.testing.InMemoryObjectStore;
import imagejobs.testing.MutableClock;

/**
 * The worker's AttemptFailures metric (what the template's WorkerErrorsAlarm watches, since failed messages never
 * reach Lambda's Errors): one EMF data point per failure that sends the message back, by cause; none for jobs that
 * succeed or are refused.
 */
class WorkerAttemptFailuresEmfTest {
    private static final Instant T0 = Instant.parse("2026-01-10T12:00:00Z");
    private static final String ID = "01JOBAAAAAAAAAAAAAAAAAAAAA";
    private static final String REQUEST = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a red fox\"}]}]}";

    private final MutableClock clock = new MutableClock(T0);
    private final GeminiClient gemini = mock(GeminiClient.class);
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private boolean tableDown;
    private boolean queueDown;
    private final InMemoryJobStore jobs = new InMemoryJobStore() {
        @Override
        public Optional<Job> get(String requestId) {
            if (tableDown) {
                throw new IllegalStateException("Unable to execute HTTP request: Connection refused");
            }
            return super.get(requestId);
        }
    };
    private final JobQueue queue = new JobQueue() {
        @Override
        public void send(String requestId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void retryAfter(String receiptHandle, Duration delay) {
            if (queueDown) {
                throw new IllegalStateException("SQS is down");
            }
        }
    };

    @BeforeEach
    void setUp() {
        StructuredLog.redirect(new PrintStream(log, true, StandardCharsets.UTF_8));
        jobs.put(Job.queued(ID, "tenant-a", "gemini-2.5-flash-image", Job.SOURCE_API, null, REQUEST, null, "h", T0,
                T0.plus(Duration.ofDays(30))));
    }

    @AfterEach
    void tearDown() {
        StructuredLog.redirect(System.out);
        StructuredLog.clearContext();
    }

    private JobProcessor processor(ObjectStore store) {
        return new JobProcessor(new WorkerPorts(jobs, store, queue, gemini, url -> null, ModelCatalog.load(),
                new EmfMetrics("imagejobs-WorkerFunction-AbC123"), clock),
                new WorkerPolicy(3, Duration.ofSeconds(360), new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5), b -> 0)));
    }

    private JobProcessor.Result process(JobProcessor processor) {
        return processor.process(ID, "rh", Duration.ofSeconds(300));
    }

    private void geminiAnswers(String finishReason) throws GeminiException {
        doAnswer(inv -> {
            Path file = Files.write(((Path) inv.getArgument(3)).resolve("image-0.bin"), TestImages.png(64, 64));
            return new GeminiResponse(List.of(new GeminiResponse.Part(null, file, "image/png", Files.size(file), null,
                    false)), finishReason, null, null, null, (ObjectNode) Json.parse("{\"totalTokenCount\":1}"), "v1",
                    "r1", 1);
        }).when(gemini).generate(anyString(), any(), any(), any());
    }

    private void geminiFails(GeminiException.Kind kind) throws GeminiException {
        doAnswer(inv -> {
            throw new GeminiException(kind, 503, "HTTP 503: the model is overloaded", null);
        }).when(gemini).generate(anyString(), any(), any(), any());
    }

    /** The AttemptFailures data points written so far: their cause each. */
    private List<String> failures() {
        return log.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("{"))
                .map(Json::parse).filter(l -> l.has(JobProcessor.ATTEMPT_FAILURES)).map(l -> {
                    JsonNode directive = l.at("/_aws/CloudWatchMetrics/0");
                    assertEquals("imagejobs", directive.path("Namespace").asText());
                    assertEquals("[[\"function\"],[\"function\",\"cause\"]]", directive.path("Dimensions").toString(),
                            "the alarm's dimensions: function and cause");
                    assertEquals(JobProcessor.ATTEMPT_FAILURES, directive.at("/Metrics/0/Name").asText());
                    assertEquals("Count", directive.at("/Metrics/0/Unit").asText());
                    assertEquals(1, l.path(JobProcessor.ATTEMPT_FAILURES).asInt());
                    assertEquals("imagejobs-WorkerFunction-AbC123", l.path("function").asText());
                    return l.path("cause").asText();
                }).toList();
    }

    @Test
    void aCrashedAttemptCountsOneCrash() throws Exception {
        geminiAnswers("STOP");
        InMemoryObjectStore s3Down = new InMemoryObjectStore() {
            @Override
            public void put(String key, Path file, String contentType, Map<String, String> metadata) {
                throw new IllegalStateException("S3 is down");
            }
        };
        assertInstanceOf(JobProcessor.Result.RetryLater.class, process(processor(s3Down)));
        assertEquals(JobStatus.QUEUED, jobs.job(ID).status());
        assertEquals(List.of("crash"), failures());
    }

    @Test
    void theJobsTableDownBeforeTheClaimCountsOneCrash() {
        tableDown = true;
        assertInstanceOf(JobProcessor.Result.RetryLater.class, process(processor(new InMemoryObjectStore())));
        assertEquals(List.of("crash"), failures());
    }

    @Test
    void aFailureThatEscapesTheProcessorIsCountedAndStillThrown() {
        // Held by a live lease elsewhere: the message is to be hidden until the lease ends, and SQS refuses.
        jobs.claim(ID, T0, T0.plusSeconds(360));
        queueDown = true;
        assertThrows(IllegalStateException.class, () -> process(processor(new InMemoryObjectStore())));
        assertEquals(List.of("crash"), failures());
    }

    @Test
    void aRetryableGeminiFailureCountsAsUpstreamNotAsACrash() throws Exception {
        geminiFails(GeminiException.Kind.UNAVAILABLE);
        assertInstanceOf(JobProcessor.Result.RetryLater.class, process(processor(new InMemoryObjectStore())));
        assertEquals(List.of("upstream"), failures());
    }

    @Test
    void successesAndRefusalsCountNothing() throws Exception {
        geminiAnswers("STOP");
        process(processor(new InMemoryObjectStore()));
        assertEquals(JobStatus.SUCCESS, jobs.job(ID).status());

        jobs.put(Job.queued("01JOBBBBBBBBBBBBBBBBBBBBBB", "tenant-a", "gemini-2.5-flash-image", Job.SOURCE_API, null,
                REQUEST, null, "h", T0, T0.plus(Duration.ofDays(30))));
        geminiAnswers("IMAGE_SAFETY");
        processor(new InMemoryObjectStore()).process("01JOBBBBBBBBBBBBBBBBBBBBBB", "rh2", Duration.ofSeconds(300));
        assertEquals(JobStatus.FAILED, jobs.job("01JOBBBBBBBBBBBBBBBBBBBBBB").status());
        assertEquals(List.of(), failures());
    }
}
