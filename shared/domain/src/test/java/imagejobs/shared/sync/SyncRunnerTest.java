package imagejobs.shared.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.auth.Authenticator;
import imagejobs.shared.auth.Credentials;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.errors.Rejection;
import imagejobs.shared.gemini.GeminiClient;
import imagejobs.shared.gemini.GeminiException;
import imagejobs.shared.gemini.GeminiResponse;
import imagejobs.shared.image.TestImages;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;
import imagejobs.shared.log.Metrics;
import imagejobs.shared.queue.JobMessage;
import imagejobs.shared.status.JobView;
import imagejobs.shared.submit.InputSpiller;
import imagejobs.shared.submit.SubmitService;
import imagejobs.shared.submit.SubmitService.SubmitCommand;
import imagejobs.shared.validation.ImageReferences;
import imagejobs.shared.validation.RequestValidator;
import imagejobs.shared.worker.Backoff;
import imagejobs.shared.worker.JobProcessor;
import imagejobs.shared.worker.WorkerPolicy;
import imagejobs.shared.worker.WorkerPorts;
import imagejobs.testing.InMemoryJobQueue;
import imagejobs.testing.InMemoryJobStore;
import imagejobs.testing.InMemoryKeyStore;
import imagejobs.testing.InMemoryObjectStore;
import imagejobs.testing.MutableClock;

/**
 * The synchronous runner on in-memory stores, a fake clock and a scripted Gemini: the job is a normal job (stored,
 * with a delayed insurance message), runs in the caller's invocation, and the answer is the finished job or, at the
 * bound, the job still running; an identical retry attaches to that job instead of creating another.
 */
class SyncRunnerTest {
    private static final String BUCKET = "imagejobs-images-test";
    private static final String KEY = "ij_test_key_sync";
    private static final String MODEL = "gemini-2.5-flash-image";
    private static final String PATH = "/v1beta/models/" + MODEL + ":generateContent";
    private static final String BODY = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a lighthouse\"}]}]}";
    private static final Duration BOUND = Duration.ofSeconds(25);
    private static final Duration BUDGET = Duration.ofSeconds(600);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-02T10:15:30Z"));
    private final InMemoryKeyStore keys = new InMemoryKeyStore();
    private final InMemoryJobStore jobs = new InMemoryJobStore();
    private final InMemoryJobQueue queue = new InMemoryJobQueue(clock);
    private final InMemoryObjectStore objects = new InMemoryObjectStore(BUCKET);
    private final GeminiClient gemini = mock(GeminiClient.class);
    private final SyncRunner runner;

    SyncRunnerTest() {
        keys.add(KEY, "tenant-a", true, null);
        Settings settings = new Settings(new Environment(Map.of(Settings.DEFAULT_RATE_PER_MINUTE, "1000")));
        SubmitService submit = new SubmitService(new Authenticator(keys),
                new RequestValidator(ModelCatalog.load(), new ImageReferences(BUCKET)), new InputSpiller(objects),
                jobs, queue, new JobView(BUCKET, null, null), settings, clock);
        WorkerPorts ports = new WorkerPorts(jobs, objects, queue, gemini, url -> null, ModelCatalog.load(),
                Metrics.NONE, clock);
        JobProcessor processor = new JobProcessor(ports, new WorkerPolicy(3, Duration.ofSeconds(720),
                new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5), b -> 0), Duration.ofHours(6)));
        // The attempt runs on the caller's thread and the sleeper moves the fake clock: every wait is instant.
        runner = new SyncRunner(submit, processor, jobs, Runnable::run, clock, clock::advance);
    }

    private SubmitCommand command(String idempotencyKey) {
        return new SubmitCommand(new Credentials(null, null, KEY), BODY.getBytes(StandardCharsets.UTF_8),
                idempotencyKey, MODEL);
    }

    /** Gemini fails {@code failures} times (retryable, each taking {@code each} of fake time), then draws an image. */
    private AtomicInteger gemini(int failures, Duration each) throws GeminiException {
        AtomicInteger calls = new AtomicInteger();
        doAnswer(inv -> {
            clock.advance(each);
            if (calls.incrementAndGet() <= failures) {
                throw new GeminiException(GeminiException.Kind.UNAVAILABLE, 503, "HTTP 503 UNAVAILABLE", null);
            }
            Path file = Files.write(((Path) inv.getArgument(3)).resolve("image-0.bin"), TestImages.jpeg(64, 64));
            return new GeminiResponse(List.of(new GeminiResponse.Part(null, file, "image/jpeg", Files.size(file),
                    null, false)), "STOP", null, null, null, (ObjectNode) Json.parse("{}"), "v1", "r1", 1);
        }).when(gemini).generate(anyString(), any(), any(), any());
        return calls;
    }

    @Test
    void aJobRunsInlineAndFinishesWithItsImagesWhileItsMessageStaysHiddenPastTheBound() throws Exception {
        AtomicInteger calls = gemini(0, Duration.ofSeconds(4));

        SyncRunner.Outcome outcome = runner.run(command(null), PATH, BOUND, BUDGET);

        Finished finished = finished(outcome);
        assertEquals(JobStatus.SUCCESS, finished.job.status());
        assertEquals(1, calls.get());
        assertEquals(1, jobs.jobs.size(), "one normal job");
        assertEquals(1, finished.job.outcome().path("images").size());
        assertTrue(objects.get(finished.job.outcome().path("images").get(0).path("key").asText()).isPresent(),
                "the image is in the bucket");
        assertTrue(queue.receive(10).isEmpty(), "the insurance message is invisible within the bound");
        clock.advance(BOUND.plus(SyncRunner.MESSAGE_SLACK));
        List<InMemoryJobQueue.Received> later = queue.receive(10);
        assertEquals(1, later.size(), "the insurance message shows up after bound + slack");
        assertEquals(finished.job.requestId(), JobMessage.requestId(later.get(0).body()).orElseThrow());
    }

    @Test
    void aRetryableFailureIsRetriedInlineAfterItsBackoffWithinTheBound() throws Exception {
        AtomicInteger calls = gemini(1, Duration.ofSeconds(3));

        Finished finished = finished(runner.run(command(null), PATH, BOUND, BUDGET));

        assertEquals(JobStatus.SUCCESS, finished.job.status());
        assertEquals(2, calls.get());
        assertEquals(2, finished.job.attempts());
    }

    @Test
    void theBoundReachedAnswersPendingAndAnIdenticalRetryAttachesToTheSameJob() throws Exception {
        // Each call takes 20 s and fails: the second attempt cannot start before the 25 s bound.
        AtomicInteger calls = gemini(10, Duration.ofSeconds(20));

        SyncRunner.Outcome first = runner.run(command(null), PATH, BOUND, BUDGET);

        assertInstanceOf(SyncRunner.Outcome.Pending.class, first);
        assertEquals(JobStatus.QUEUED, first.job().status(), "requeued with a backoff; the worker carries it on");
        SyncRunner.Outcome retry = runner.run(command(null), PATH, BOUND, BUDGET);
        assertEquals(first.job().requestId(), retry.job().requestId(), "the SDK's retry attaches");
        assertTrue(retry.replayed());
        assertEquals(1, jobs.jobs.values().stream().filter(j -> j.tenant().equals("tenant-a")).count());
        assertTrue(calls.get() >= 2, "the attached call ran the next attempt itself");
    }

    @Test
    void theSameRequestSentAgainAfterAFinishedAnswerIsANewJob() throws Exception {
        gemini(0, Duration.ofSeconds(1));

        Finished one = finished(runner.run(command(null), PATH, BOUND, BUDGET));
        Finished two = finished(runner.run(command(null), PATH, BOUND, BUDGET));

        assertNotEquals(one.job.requestId(), two.job.requestId());
        assertFalse(two.replayed);
    }

    @Test
    void anExplicitIdempotencyKeyReplaysTheFinishedJob() throws Exception {
        AtomicInteger calls = gemini(0, Duration.ofSeconds(1));

        Finished one = finished(runner.run(command("my-key-1"), PATH, BOUND, BUDGET));
        Finished two = finished(runner.run(command("my-key-1"), PATH, BOUND, BUDGET));

        assertEquals(one.job.requestId(), two.job.requestId());
        assertTrue(two.replayed);
        assertEquals(1, calls.get());
    }

    @Test
    void badInputIsRefusedBeforeAnythingIsStoredOrSent() {
        SubmitCommand bad = new SubmitCommand(new Credentials(null, null, KEY),
                "{\"contents\":[]}".getBytes(StandardCharsets.UTF_8), null, MODEL);

        Rejection e = assertThrows(Rejection.class, () -> runner.run(bad, PATH, BOUND, BUDGET));

        assertEquals(Rejection.Kind.INVALID, e.kind());
        assertTrue(jobs.jobs.isEmpty());
        assertTrue(queue.sent.isEmpty());
    }

    @Test
    void aRetryAfterTheSdksBackoffsStillAttachesButNotOnceTheKeyHasExpired() throws Exception {
        gemini(10, Duration.ofSeconds(20));
        SyncRunner.Outcome first = runner.run(command(null), PATH, BOUND, BUDGET);
        // The SDK's fifth attempt comes after four bounds and 1 + 2 + 4 + 8 s of backoff (jitter aside).
        clock.set(clock.instant().plus(BOUND.multipliedBy(4)).plusSeconds(15 + 30));
        assertEquals(first.job().requestId(), runner.run(command(null), PATH, BOUND, BUDGET).job().requestId());

        clock.advance(SyncRunner.keyWindow(BOUND));
        assertNotEquals(first.job().requestId(), runner.run(command(null), PATH, BOUND, BUDGET).job().requestId());
    }

    @Test
    void theInsuranceDelayStaysWithinSqsLimit() {
        assertEquals(85, SyncRunner.messageDelaySeconds(Duration.ofSeconds(25)));
        assertEquals(660, SyncRunner.messageDelaySeconds(Duration.ofSeconds(600)));
        assertEquals(900, SyncRunner.messageDelaySeconds(Duration.ofSeconds(880)));
    }

    private record Finished(Job job, boolean replayed) {
    }

    private static Finished finished(SyncRunner.Outcome outcome) {
        SyncRunner.Outcome.Finished f = assertInstanceOf(SyncRunner.Outcome.Finished.class, outcome,
                () -> "job " + outcome.job().status() + " " + outcome.job().error() + " " + outcome.job().lastError());
        return new Finished(f.job(), f.replayed());
    }
}
