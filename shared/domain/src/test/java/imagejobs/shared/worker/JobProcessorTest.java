package imagejobs.shared.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.gemini.GeminiClient;
import imagejobs.shared.gemini.GeminiException;
import imagejobs.shared.gemini.GeminiResponse;
import imagejobs.shared.image.TestImages;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;
import imagejobs.shared.log.Metrics;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.queue.JobQueue;
import imagejobs.testing.InMemoryJobStore;
import imagejobs.testing.InMemoryObjectStore;
import imagejobs.testing.MutableClock;

/** Claim, skip, lease, retry and crash rules of the worker, with in-memory stores and a mocked Gemini. */
class JobProcessorTest {
    private static final Instant T0 = Instant.parse("2026-01-10T12:00:00Z");
    private static final Duration LEASE = Duration.ofSeconds(360);
    private static final int MAX_ATTEMPTS = 3;
    private static final String ID = "01JOBAAAAAAAAAAAAAAAAAAAAA";
    private static final String REQUEST = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a red fox\"}]}],"
            + "\"generationConfig\":{\"imageConfig\":{\"aspectRatio\":\"16:9\"}}}";

    private final InMemoryJobStore jobs = new InMemoryJobStore();
    private final InMemoryObjectStore store = new InMemoryObjectStore();
    private final MutableClock clock = new MutableClock(T0);
    private final List<String> visibility = new CopyOnWriteArrayList<>();
    private final JobQueue queue = new JobQueue() {
        @Override
        public void send(String requestId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void retryAfter(String receiptHandle, Duration delay) {
            visibility.add(receiptHandle + "=" + delay.toMillis());
        }
    };
    private final GeminiClient gemini = mock(GeminiClient.class);
    private final AtomicInteger calls = new AtomicInteger();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private JobProcessor processor;

    @BeforeEach
    void setUp() {
        StructuredLog.redirect(new PrintStream(log, true, StandardCharsets.UTF_8));
        processor = processor(jobs);
        jobs.put(Job.queued(ID, "tenant-a", "gemini-3-pro-image-preview", Job.SOURCE_API, null, REQUEST, null, "h",
                T0, T0.plus(Duration.ofDays(30))));
    }

    @AfterEach
    void tearDown() {
        StructuredLog.redirect(System.out);
        StructuredLog.clearContext();
    }

    private JobProcessor processor(InMemoryJobStore store) {
        return new JobProcessor(new WorkerPorts(store, this.store, queue, gemini, url -> {
            throw new ReferenceException("reference " + url + " answered HTTP 404");
        }, ModelCatalog.load(), Metrics.NONE, clock),
                new WorkerPolicy(MAX_ATTEMPTS, LEASE, new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5), b -> 0)));
    }

    /** Gemini answers with one 1376×768 JPEG and a signature; the clock moves 20 s. */
    private void geminiAnswers(String finishReason) throws GeminiException {
        doAnswer(inv -> {
            calls.incrementAndGet();
            Path dir = inv.getArgument(3);
            Path file = Files.write(dir.resolve("image-0.bin"), TestImages.jpeg(1376, 768));
            clock.advance(Duration.ofSeconds(20));
            return new GeminiResponse(List.of(new GeminiResponse.Part("Here", null, null, 0, null, false),
                    new GeminiResponse.Part(null, file, "image/jpeg", Files.size(file), "sig-A", false)),
                    finishReason, null, null, null, (ObjectNode) Json.parse("{\"totalTokenCount\":1127}"), "v1", "r1", 1);
        }).when(gemini).generate(anyString(), any(), any(), any());
    }

    private void geminiFails(GeminiException.Kind kind, Duration retryDelay) throws GeminiException {
        doAnswer(inv -> {
            calls.incrementAndGet();
            throw new GeminiException(kind, 0, "HTTP x: upstream said " + kind, retryDelay);
        }).when(gemini).generate(anyString(), any(), any(), any());
    }

    private Job job() {
        return jobs.job(ID);
    }

    private JobProcessor.Result process(String receipt) {
        return processor.process(ID, receipt, Duration.ofSeconds(300));
    }

    private List<String> terminalLines() {
        return log.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("\"message\":\"job finished\""))
                .toList();
    }

    @Test
    void queuedJobEndsInSuccessWithOneCall() throws Exception {
        geminiAnswers("STOP");
        JobProcessor.Result result = process("rh-1");
        assertInstanceOf(JobProcessor.Result.Done.class, result);
        Job job = job();
        assertEquals(JobStatus.SUCCESS, job.status());
        assertEquals(1, job.attempts());
        assertEquals(1, calls.get());
        assertEquals(T0, job.startedAt());
        assertEquals(T0.plusSeconds(20), job.completedAt());
        ObjectNode outcome = job.outcome();
        assertEquals("outputs/tenant-a/" + ID + "/0.jpg", outcome.get("images").get(0).get("key").asText());
        assertEquals(1376, outcome.get("images").get(0).get("width").asInt());
        assertEquals(1, outcome.get("attempts").asInt());
        assertEquals(20_000, outcome.get("timings").get("gemini_latency_ms").asLong());
        assertEquals("sig-A", outcome.get("next_turn_contents").get(1).get("parts").get(1).get("thoughtSignature")
                .asText());
        assertEquals(List.of("rh-1=" + LEASE.plusSeconds(5).toMillis()), visibility,
                "at the claim the message is hidden until just after the lease");
        List<String> lines = terminalLines();
        assertEquals(1, lines.size());
        assertTrue(lines.get(0).contains("\"status\":\"success\"") && lines.get(0).contains("\"attempts\":1"));
        assertTrue(lines.get(0).contains("\"job_id\":\"" + ID + "\""));
    }

    @ParameterizedTest
    @CsvSource({"SUCCESS", "FAILED", "CANCELLED"})
    void finishedJobsAreAcknowledgedWithoutACall(JobStatus status) throws Exception {
        jobs.put(job().withStatus(status));
        assertInstanceOf(JobProcessor.Result.Done.class, process("rh"));
        verify(gemini, never()).generate(anyString(), any(), any(), any());
        assertEquals(status, job().status());
        assertTrue(visibility.isEmpty());
    }

    @Test
    void aDuplicateUnderALiveLeaseIsKeptNotDeleted() throws Exception {
        jobs.claim(ID, T0, T0.plus(LEASE));
        clock.advance(Duration.ofSeconds(60));
        JobProcessor.Result result = process("rh-dup");
        JobProcessor.Result.RetryLater later = assertInstanceOf(JobProcessor.Result.RetryLater.class, result);
        assertEquals(Duration.ofSeconds(301), later.delay(), "hidden until the lease ends, plus a second");
        assertEquals(List.of("rh-dup=301000"), visibility);
        verify(gemini, never()).generate(anyString(), any(), any(), any());
        assertEquals(1, job().attempts(), "no attempt spent");
        assertEquals(JobStatus.PROCESSING, job().status());
    }

    @Test
    void anExpiredLeaseIsTakenOver() throws Exception {
        geminiAnswers("STOP");
        jobs.claim(ID, T0, T0.plus(LEASE)); // a worker that then died
        clock.advance(LEASE.plusSeconds(1));
        assertInstanceOf(JobProcessor.Result.Done.class, process("rh-2"));
        assertEquals(JobStatus.SUCCESS, job().status());
        assertEquals(2, job().attempts());
        assertEquals(2, job().outcome().get("attempts").asInt());
        assertEquals(T0, job().startedAt(), "started_at is the first claim");
        assertEquals(1, calls.get());
    }

    @Test
    void twoCopiesAtOnceMakeOneCall() throws Exception {
        CountDownLatch inGemini = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        doAnswer(inv -> {
            calls.incrementAndGet();
            inGemini.countDown();
            assertTrue(release.await(10, TimeUnit.SECONDS));
            Path file = Files.write(((Path) inv.getArgument(3)).resolve("i.bin"), TestImages.png(8, 8));
            return new GeminiResponse(List.of(new GeminiResponse.Part(null, file, "image/png", 1, null, false)), "STOP",
                    null, null, null, null, null, null, 1);
        }).when(gemini).generate(anyString(), any(), any(), any());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<JobProcessor.Result> first = pool.submit(() -> process("rh-a"));
            assertTrue(inGemini.await(10, TimeUnit.SECONDS));
            Future<JobProcessor.Result> second = pool.submit(() -> process("rh-b"));
            assertInstanceOf(JobProcessor.Result.RetryLater.class, second.get(10, TimeUnit.SECONDS));
            release.countDown();
            assertInstanceOf(JobProcessor.Result.Done.class, first.get(10, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, calls.get());
        assertEquals(JobStatus.SUCCESS, job().status());
        // The kept copy comes back after the lease and is then acknowledged.
        clock.advance(LEASE.plusSeconds(2));
        assertInstanceOf(JobProcessor.Result.Done.class, process("rh-b"));
        assertEquals(1, calls.get());
        assertEquals(1, store.puts.stream().filter(k -> k.endsWith("/0.png")).count());
    }

    @Test
    void retryableFailureRequeuesWithBackoffThenSucceeds() throws Exception {
        geminiFails(GeminiException.Kind.RATE_LIMITED, Duration.ofSeconds(7));
        JobProcessor.Result result = process("rh-1");
        assertEquals(new JobProcessor.Result.RetryLater(Duration.ofSeconds(7)), result, "Gemini's wait beats 2 s");
        Job job = job();
        assertEquals(JobStatus.QUEUED, job.status());
        assertEquals(T0.plusSeconds(7), job.retryAt());
        assertTrue(job.lastError().startsWith("RATE_LIMITED: "), job.lastError());
        assertNull(job.leaseUntil());
        assertEquals("rh-1=7000", visibility.get(visibility.size() - 1));
        assertTrue(terminalLines().isEmpty());

        clock.advance(Duration.ofSeconds(3));
        assertEquals(new JobProcessor.Result.RetryLater(Duration.ofSeconds(4)), process("rh-early"),
                "an early copy waits for retry_at");
        assertEquals(1, calls.get());

        clock.advance(Duration.ofSeconds(4));
        geminiAnswers("STOP");
        assertInstanceOf(JobProcessor.Result.Done.class, process("rh-2"));
        assertEquals(JobStatus.SUCCESS, job().status());
        assertEquals(2, job().attempts());
        assertEquals(2, calls.get());
    }

    @ParameterizedTest
    @CsvSource({"RATE_LIMITED, RATE_LIMITED", "UNAVAILABLE, UPSTREAM_UNAVAILABLE", "TIMEOUT, TIMEOUT",
            "CONNECTION, UPSTREAM_UNAVAILABLE", "MALFORMED_RESPONSE, UPSTREAM_UNAVAILABLE"})
    void retriesExhaustedFailWithTheErrorsCode(GeminiException.Kind kind, String code) throws Exception {
        geminiFails(kind, null);
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            JobProcessor.Result result = process("rh-" + attempt);
            if (attempt < MAX_ATTEMPTS) {
                JobProcessor.Result.RetryLater later = assertInstanceOf(JobProcessor.Result.RetryLater.class, result);
                assertEquals(Duration.ofSeconds(2L << (attempt - 1)), later.delay());
                clock.advance(later.delay());
            } else {
                assertInstanceOf(JobProcessor.Result.Done.class, result);
            }
        }
        Job job = job();
        assertEquals(JobStatus.FAILED, job.status());
        assertEquals(code, job.error().code());
        assertTrue(job.error().retryable());
        assertTrue(job.error().message().contains("gave up after 3 attempts"), job.error().message());
        assertEquals(MAX_ATTEMPTS, job.attempts());
        assertEquals(MAX_ATTEMPTS, calls.get());
        assertEquals(1, terminalLines().size());
    }

    @ParameterizedTest
    @CsvSource({"INVALID_REQUEST, INVALID_REQUEST", "AUTH, UPSTREAM_AUTH", "MODEL_NOT_FOUND, MODEL_UNAVAILABLE",
            "UPSTREAM_ERROR, UPSTREAM_ERROR"})
    void nonRetryableFailuresFailAtOnce(GeminiException.Kind kind, String code) throws Exception {
        geminiFails(kind, null);
        assertInstanceOf(JobProcessor.Result.Done.class, process("rh"));
        assertEquals(JobStatus.FAILED, job().status());
        assertEquals(code, job().error().code());
        assertFalse(job().error().retryable());
        assertTrue(job().error().message().contains("upstream said " + kind), "Gemini's own message");
        assertEquals(1, calls.get());
    }

    @ParameterizedTest
    @CsvSource({"IMAGE_SAFETY, SAFETY_BLOCKED", "RECITATION, RECITATION", "NO_IMAGE, NO_IMAGE",
            "OTHER, UPSTREAM_ERROR"})
    void refusalsFailAtOnce(String finish, String code) throws Exception {
        geminiAnswers(finish);
        assertInstanceOf(JobProcessor.Result.Done.class, process("rh"));
        assertEquals(code, job().error().code());
        assertTrue(store.objects.isEmpty(), "nothing stored for a refusal");
        assertEquals(1, calls.get());
    }

    @Test
    void claimsBeyondTheCapFailTheJobWithWorkerFailed() throws Exception {
        geminiAnswers("STOP");
        // Three workers claimed and died (a crash on every attempt).
        for (int i = 0; i < MAX_ATTEMPTS; i++) {
            jobs.claim(ID, clock.instant(), clock.instant().plus(LEASE));
            clock.advance(LEASE.plusSeconds(1));
        }
        assertInstanceOf(JobProcessor.Result.Done.class, process("rh"));
        assertEquals(JobStatus.FAILED, job().status());
        assertEquals("WORKER_FAILED", job().error().code());
        assertEquals(0, calls.get());
    }

    @Test
    void aCrashAfterGeminiAnsweredCostsNoSecondCall() throws Exception {
        geminiAnswers("STOP");
        AtomicInteger completes = new AtomicInteger();
        InMemoryJobStore flaky = new InMemoryJobStore() {
            @Override
            public synchronized boolean complete(String requestId, int attempt, ObjectNode outcome, int imageCount,
                                                 Instant now) {
                if (completes.getAndIncrement() == 0) {
                    throw new IllegalStateException("injected crash before the status write");
                }
                return super.complete(requestId, attempt, outcome, imageCount, now);
            }
        };
        flaky.put(job());
        JobProcessor crashing = processor(flaky);
        JobProcessor.Result first = crashing.process(ID, "rh-1", Duration.ofSeconds(300));
        JobProcessor.Result.RetryLater later = assertInstanceOf(JobProcessor.Result.RetryLater.class, first);
        assertEquals(JobStatus.QUEUED, flaky.job(ID).status());
        // What the client reads between attempts says what failed, never the exception behind it.
        assertEquals("an internal error in the worker (logged with the job's id)", flaky.job(ID).lastError());
        List<String> keysAfterFirst = List.copyOf(store.objects.keySet());

        clock.advance(later.delay());
        assertInstanceOf(JobProcessor.Result.Done.class, crashing.process(ID, "rh-2", Duration.ofSeconds(300)));
        Job done = flaky.job(ID);
        assertEquals(JobStatus.SUCCESS, done.status());
        assertEquals(2, done.attempts());
        assertEquals(1, calls.get(), "the staged outcome finished the job");
        assertEquals("outputs/tenant-a/" + ID + "/0.jpg", done.outcome().get("images").get(0).get("key").asText());
        assertEquals(keysAfterFirst.size(), store.objects.size(), "same keys, nothing new");
        assertEquals(1, store.puts.stream().filter(k -> k.endsWith("0.jpg")).count());
    }

    @Test
    void aWorkerThatDiedAfterStagingIsFinishedByTheTakeover() throws Exception {
        geminiAnswers("STOP");
        // The first worker stages the outcome, then "dies": complete() never happens and the lease runs out.
        Job claimed = jobs.claim(ID, T0, T0.plus(LEASE)).orElseThrow();
        new OutcomeWriter(store).write(claimed, (ObjectNode) Json.parse(REQUEST), geminiResponseFromMock(),
                new OutcomeWriter.Timings(1, T0, T0.plusSeconds(20), 20_000));
        clock.advance(LEASE.plusSeconds(1));
        assertInstanceOf(JobProcessor.Result.Done.class, process("rh-2"));
        assertEquals(JobStatus.SUCCESS, job().status());
        assertEquals(2, job().attempts());
        assertEquals(1, calls.get(), "only the dead worker's call");
    }

    private GeminiResponse geminiResponseFromMock() throws Exception {
        Path dir = Files.createTempDirectory("staging");
        return gemini.generate("m", new byte[0], Duration.ofSeconds(1), dir);
    }

    @Test
    void unexpectedErrorsRetryWithinTheCapThenFailAsWorkerFailed() throws Exception {
        geminiAnswers("STOP");
        InMemoryObjectStore broken = new InMemoryObjectStore() {
            @Override
            public void put(String key, Path file, String contentType, Map<String, String> metadata) {
                throw new IllegalStateException("S3 is down");
            }
        };
        JobProcessor processor = new JobProcessor(new WorkerPorts(jobs, broken, queue, gemini, url -> null,
                ModelCatalog.load(), Metrics.NONE, clock),
                new WorkerPolicy(MAX_ATTEMPTS, LEASE, new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5), b -> 0)));
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            JobProcessor.Result result = processor.process(ID, "rh", Duration.ofSeconds(300));
            if (result instanceof JobProcessor.Result.RetryLater later) {
                assertEquals(JobStatus.QUEUED, job().status());
                clock.advance(later.delay());
            }
        }
        assertEquals(JobStatus.FAILED, job().status());
        assertEquals("WORKER_FAILED", job().error().code());
        assertEquals("gave up after " + MAX_ATTEMPTS + " attempts; last error: an internal error in the worker (logged"
                + " with the job's id)", job().error().message());
    }

    @Test
    void anUnusableReferenceFailsWithInvalidReference() throws Exception {
        geminiAnswers("STOP");
        jobs.put(new Job(ID, "tenant-a", "gemini-3-pro-image-preview", JobStatus.QUEUED, Job.SOURCE_API, null, T0, T0,
                null, null, 0, null, null, "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"x\"},{\"fileData\":"
                + "{\"fileUri\":\"s3://images-bucket/outputs/tenant-b/X/0.png\"}}]}]}", null, "h", null, null, null,
                T0.plus(Duration.ofDays(1))));
        process("rh");
        assertEquals("INVALID_REFERENCE", job().error().code());
        assertTrue(job().error().message().contains("s3://images-bucket/outputs/tenant-b/X/0.png"));
        assertEquals(0, calls.get());
    }

    @Test
    void tooLittleTimeLeftReturnsTheMessageUnclaimed() throws Exception {
        geminiAnswers("STOP");
        JobProcessor.Result result = processor.process(ID, "rh", Duration.ofSeconds(25));
        assertInstanceOf(JobProcessor.Result.RetryLater.class, result);
        assertEquals(JobStatus.QUEUED, job().status());
        assertEquals(0, job().attempts());
        assertEquals(0, calls.get());
    }

    @Test
    void unknownJobsAreDropped() {
        assertInstanceOf(JobProcessor.Result.Done.class, processor.process("NOPE", "rh", null));
    }

    @Test
    void callTimeoutIsTheModelsCutToTheBudget() {
        var model = ModelCatalog.load().find("gemini-3-pro-image-preview").orElseThrow();
        assertEquals(Duration.ofSeconds(270), JobProcessor.callTimeout(model, Duration.ofSeconds(300)));
        assertEquals(Duration.ofSeconds(270), JobProcessor.callTimeout(model, null));
        assertEquals(Duration.ofSeconds(100), JobProcessor.callTimeout(model, Duration.ofSeconds(120)));
        assertEquals(JobProcessor.MIN_CALL, JobProcessor.callTimeout(model, Duration.ofSeconds(21)));
    }

    @Test
    void theLogCarriesNoKeyNoBase64() throws Exception {
        geminiAnswers("STOP");
        process("rh");
        String all = log.toString(StandardCharsets.UTF_8);
        assertNotNull(all);
        assertFalse(all.contains("/9j/"), "no JPEG base64 in the log");
        assertFalse(all.contains("X-Amz-Signature"));
    }

    @Test
    void aClosedGateReturnsTheMessageBeforeTheClaim() throws Exception {
        geminiAnswers("STOP");
        List<String> asked = new CopyOnWriteArrayList<>();
        JobProcessor gated = new JobProcessor(new WorkerPorts(jobs, store, queue, gemini, url -> null,
                ModelCatalog.load(), Metrics.NONE, clock).withGate(job -> {
                    asked.add(job.requestId() + "@" + job.attempts());
                    return Optional.of(Duration.ofSeconds(3));
                }), new WorkerPolicy(MAX_ATTEMPTS, LEASE, new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5),
                        b -> 0)));
        assertEquals(new JobProcessor.Result.RetryLater(Duration.ofSeconds(3)), gated.process(ID, "rh", null));
        assertEquals(List.of(ID + "@0"), asked, "asked once, before any claim");
        assertEquals(List.of("rh=3000"), visibility);
        assertEquals(JobStatus.QUEUED, job().status());
        assertEquals(0, job().attempts(), "no attempt spent");
        assertEquals(0, calls.get());

        jobs.put(job().withStatus(JobStatus.SUCCESS));
        assertInstanceOf(JobProcessor.Result.Done.class, gated.process(ID, "rh-2", null));
        assertEquals(1, asked.size(), "a finished job is acknowledged without asking");
    }

    @Test
    void theListenerHearsEachStartAndTheTerminalStateOnce() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        JobListener listener = new JobListener() {
            @Override
            public void started(Job job) {
                events.add("started " + job.attempts() + " " + job.status().wire());
            }

            @Override
            public void finished(Job job, JobStatus status, ObjectNode outcome, JobError error) {
                events.add("finished " + status.wire() + " " + (outcome == null ? error.code()
                        : outcome.path("images").get(0).path("key").asText()));
            }
        };
        JobProcessor listened = new JobProcessor(new WorkerPorts(jobs, store, queue, gemini, url -> null,
                ModelCatalog.load(), Metrics.NONE, clock).withListener(listener), new WorkerPolicy(MAX_ATTEMPTS, LEASE,
                new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5), b -> 0)));
        geminiFails(GeminiException.Kind.UNAVAILABLE, null);
        JobProcessor.Result first = listened.process(ID, "rh-1", Duration.ofSeconds(300));
        clock.advance(assertInstanceOf(JobProcessor.Result.RetryLater.class, first).delay());
        geminiAnswers("STOP");
        assertInstanceOf(JobProcessor.Result.Done.class, listened.process(ID, "rh-2", Duration.ofSeconds(300)));
        assertInstanceOf(JobProcessor.Result.Done.class, listened.process(ID, "rh-3", Duration.ofSeconds(300)));
        assertEquals(List.of("started 1 processing", "started 2 processing",
                "finished success outputs/tenant-a/" + ID + "/0.jpg"), events);
    }

    @Test
    void failingTwiceForTheSameAttemptIsFencedOff() {
        Job claimed = jobs.claim(ID, T0, T0.plus(LEASE)).orElseThrow();
        clock.advance(LEASE.plusSeconds(1));
        jobs.claim(ID, clock.instant(), clock.instant().plus(LEASE)).orElseThrow();
        assertFalse(jobs.fail(ID, claimed.attempts(), new JobError("X", "stale", false), clock.instant()),
                "the old attempt's write is refused");
        
    }
}
