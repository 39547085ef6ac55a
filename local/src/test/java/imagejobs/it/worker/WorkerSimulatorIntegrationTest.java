package imagejobs.it.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.adapters.http.SafeUrlFetcher;
import imagejobs.local.gemini.GeminiSimulator;
import imagejobs.local.gemini.GeminiSimulatorConfig;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.catalog.ModelSpec;
import imagejobs.shared.gemini.GeminiClient;
import imagejobs.shared.image.ImageHeaders;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;
import imagejobs.shared.queue.JobQueue;
import imagejobs.shared.storage.StoredObject;
import imagejobs.shared.log.Metrics;
import imagejobs.shared.worker.Backoff;
import imagejobs.shared.worker.JobProcessor;
import imagejobs.shared.worker.WorkerPolicy;
import imagejobs.shared.worker.WorkerPorts;
import imagejobs.adapters.gemini.HttpGeminiClient;
import imagejobs.testing.InMemoryJobStore;
import imagejobs.testing.InMemoryObjectStore;
import imagejobs.testing.MutableClock;

/**
 * The worker's real Gemini path (GeminiClient, streaming reader, verdicts, outcome writer, JobProcessor retries)
 * against the real Gemini simulator, with in-memory job and object stores standing in for DynamoDB and S3. The
 * same scenarios on the embedded stack (ElasticMQ redeliveries, DynamoDB items) wait for the local stack.
 */
class WorkerSimulatorIntegrationTest {
    private static final String KEY = "sim-key-123";
    private static final int MAX_ATTEMPTS = 3;
    private static final Instant T0 = Instant.parse("2026-01-10T12:00:00Z");
    private static final ModelCatalog CATALOG = ModelCatalog.load();
    private static GeminiSimulator sim;

    private final InMemoryJobStore jobs = new InMemoryJobStore();
    private final InMemoryObjectStore store = new InMemoryObjectStore();
    private final MutableClock clock = new MutableClock(T0);
    private final AtomicInteger ids = new AtomicInteger();
    private JobProcessor processor;

    @BeforeAll
    static void startSimulator() {
        sim = GeminiSimulator.start(GeminiSimulatorConfig.defaults().withPort(0).withApiKey(KEY));
    }

    @AfterAll
    static void stopSimulator() {
        sim.close();
    }

    @BeforeEach
    void setUp() {
        sim.clearRequests();
        sim.resetFailureCounts();
        JobQueue queue = new JobQueue() {
            @Override
            public void send(String requestId) {
            }

            @Override
            public void retryAfter(String receiptHandle, Duration delay) {
            }
        };
        GeminiClient gemini = new HttpGeminiClient(HttpGeminiClient.defaultHttpClient(), sim.baseUrl(), "x-goog-api-key",
                () -> KEY);
        processor = new JobProcessor(new WorkerPorts(jobs, store, queue, gemini, SafeUrlFetcher.standard(false), CATALOG,
                Metrics.NONE, clock),
                new WorkerPolicy(MAX_ATTEMPTS, Duration.ofSeconds(360), new Backoff(Duration.ofMillis(50), Backoff.DEFAULT_CAP)));
    }

    private String submit(String model, ObjectNode request) {
        String id = String.format("01WORKERIT%016d", ids.incrementAndGet());
        jobs.put(Job.queued(id, "tenant-a", model, Job.SOURCE_API, null, Json.write(request), null, "h", clock.instant(),
                clock.instant().plus(Duration.ofDays(30))));
        return id;
    }

    private static ObjectNode prompt(String text, String ratio, String size) {
        ObjectNode request = Json.object();
        request.putArray("contents").addObject().put("role", "user").putArray("parts").addObject().put("text", text);
        ObjectNode imageConfig = request.putObject("generationConfig").putObject("imageConfig");
        if (ratio != null) {
            imageConfig.put("aspectRatio", ratio);
        }
        if (size != null) {
            imageConfig.put("imageSize", size);
        }
        return request;
    }

    /** Delivers the job's message until the processor acknowledges it, moving the clock over each backoff. */
    private Job run(String id) {
        for (int delivery = 0; delivery < 10; delivery++) {
            JobProcessor.Result result = processor.process(id, "rh-" + delivery, Duration.ofSeconds(300));
            if (result instanceof JobProcessor.Result.Done) {
                return jobs.job(id);
            }
            clock.advance(((JobProcessor.Result.RetryLater) result).delay());
        }
        throw new AssertionError("job " + id + " never finished");
    }

    private static long upstreamCalls() {
        return sim.requests().stream().filter(r -> r.path("path").asText().endsWith(":generateContent")).count();
    }

    @ParameterizedTest
    @CsvSource({
            "gemini-2.5-flash-image, 1:1, , image/png",
            "gemini-2.5-flash-image, 21:9, 1K, image/png",
            "gemini-2.5-flash-image-preview-hd, 16:9, , image/png",
            "gemini-3-pro-image-preview, 3:4, 1K, image/jpeg",
            "gemini-3-pro-image-preview, 21:9, 2K, image/jpeg",
            "gemini-3-pro-image-preview, 16:9, 4K, image/jpeg",
            "gemini-3.1-flash-image-preview, 1:4, 512, image/jpeg",
            "gemini-3.1-flash-image-preview, 8:1, 2K, image/jpeg"})
    void successForEachModelRatioAndSize(String model, String ratio, String size, String mime) throws Exception {
        ModelSpec spec = CATALOG.find(model).orElseThrow();
        Job job = run(submit(model, prompt("a lighthouse at dusk", ratio, size)));
        assertEquals(JobStatus.SUCCESS, job.status(), () -> String.valueOf(job.error()));
        int[] expected = spec.resolution(ratio, size).orElseThrow();
        JsonNode image = job.outcome().get("images").get(0);
        String key = image.get("key").asText();
        assertEquals("outputs/tenant-a/" + job.requestId() + "/0." + (mime.equals("image/png") ? "png" : "jpg"), key);
        StoredObject object = store.objects.get(key);
        assertEquals(mime, object.contentType());
        ImageHeaders.Info info = ImageHeaders.read(object.bytes()).orElseThrow();
        assertEquals(mime, info.mimeType());
        assertEquals(expected[0], info.width());
        assertEquals(expected[1], info.height());
        assertEquals(expected[0], image.get("width").asInt());
        assertEquals(object.size(), image.get("bytes").asLong());
        if (expected[0] * (long) expected[1] <= 2048L * 2048) {
            BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(object.bytes()));
            assertEquals(expected[1], decoded.getHeight(), "the bytes are a real image of that size");
        }
        assertEquals("STOP", job.outcome().get("finish_reason").asText());
        assertTrue(job.outcome().get("usage").has("total_token_count"));
        assertNotNull(job.outcome().get("model_version"));
        assertEquals(1, job.outcome().get("attempts").asInt());
        assertEquals(1, upstreamCalls());
        assertEquals(KEY, sim.requests().get(0).path("headers").path("x-goog-api-key").asText());
    }

    @ParameterizedTest
    @CsvSource({
            "[sim:status=400], INVALID_REQUEST, 1",
            "[sim:status=401], UPSTREAM_AUTH, 1",
            "[sim:status=403], UPSTREAM_AUTH, 1",
            "[sim:status=404], MODEL_UNAVAILABLE, 1",
            "[sim:status=409], UPSTREAM_ERROR, 1",
            "[sim:status=429], RATE_LIMITED, 3",
            "[sim:status=500], UPSTREAM_UNAVAILABLE, 3",
            "[sim:status=502], UPSTREAM_UNAVAILABLE, 3",
            "[sim:status=503], UPSTREAM_UNAVAILABLE, 3",
            "[sim:status=504], TIMEOUT, 3",
            "[sim:malformed], UPSTREAM_UNAVAILABLE, 3",
            "[sim:finish=SAFETY], SAFETY_BLOCKED, 1",
            "[sim:finish=IMAGE_SAFETY], SAFETY_BLOCKED, 1",
            "[sim:finish=PROHIBITED_CONTENT], SAFETY_BLOCKED, 1",
            "[sim:finish=IMAGE_PROHIBITED_CONTENT], SAFETY_BLOCKED, 1",
            "[sim:finish=RECITATION], RECITATION, 1",
            "[sim:finish=NO_IMAGE], NO_IMAGE, 1",
            "[sim:finish=IMAGE_OTHER], NO_IMAGE, 1",
            "[sim:finish=OTHER], UPSTREAM_ERROR, 1",
            "[sim:block=SAFETY], SAFETY_BLOCKED, 1",
            "[sim:block=PROHIBITED_CONTENT], SAFETY_BLOCKED, 1",
            "[sim:no-image], NO_IMAGE, 1"})
    void everySimulatorFault(String directive, String code, int calls) {
        Job job = run(submit("gemini-2.5-flash-image", prompt("a cat " + directive, "1:1", null)));
        assertEquals(JobStatus.FAILED, job.status());
        assertEquals(code, job.error().code(), job.error().message());
        assertEquals(calls, job.attempts());
        assertEquals(calls, upstreamCalls());
        assertTrue(store.objects.isEmpty(), "nothing stored for a failure");
    }

    @Test
    void failTimesThenSuccess() {
        Job job = run(submit("gemini-2.5-flash-image", prompt("a dog [sim:fail-times=2]", "1:1", null)));
        assertEquals(JobStatus.SUCCESS, job.status());
        assertEquals(3, job.attempts());
        assertEquals(3, job.outcome().get("attempts").asInt());
        assertEquals(3, upstreamCalls());
    }

    @Test
    void retryAfterIsHonoured() {
        String id = submit("gemini-2.5-flash-image", prompt("x [sim:status=429] [sim:retry-after=30]", "1:1", null));
        JobProcessor.Result result = processor.process(id, "rh", Duration.ofSeconds(300));
        JobProcessor.Result.RetryLater later = assertInstanceOf(JobProcessor.Result.RetryLater.class, result);
        assertTrue(later.delay().compareTo(Duration.ofSeconds(30)) >= 0, later.delay().toString());
        assertEquals(JobStatus.QUEUED, jobs.job(id).status());
        assertTrue(jobs.job(id).lastError().startsWith("RATE_LIMITED"));
    }

    @Test
    void severalImagesInOneAnswer() {
        Job job = run(submit("gemini-3-pro-image-preview", prompt("a comic strip [sim:images=3]", "1:1", null)));
        assertEquals(3, job.outcome().get("images").size());
        for (int n = 0; n < 3; n++) {
            assertTrue(store.objects.containsKey("outputs/tenant-a/" + job.requestId() + "/" + n + ".jpg"));
        }
    }

    @Test
    void theSameMessageTwiceAtOnceMakesOneUpstreamCall() throws Exception {
        String id = submit("gemini-2.5-flash-image", prompt("a slow owl [sim:delay=700]", "1:1", null));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<JobProcessor.Result> a = pool.submit(() -> processor.process(id, "rh-a", Duration.ofSeconds(300)));
            Future<JobProcessor.Result> b = pool.submit(() -> processor.process(id, "rh-b", Duration.ofSeconds(300)));
            List<JobProcessor.Result> results = List.of(a.get(30, TimeUnit.SECONDS), b.get(30, TimeUnit.SECONDS));
            assertEquals(1, results.stream().filter(r -> r instanceof JobProcessor.Result.Done).count());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(JobStatus.SUCCESS, jobs.job(id).status());
        assertEquals(1, upstreamCalls());
        assertEquals(1, store.puts.stream().filter(k -> k.endsWith("/0.png")).count(), "one set of objects");
    }

    @Test
    void threeTurnEditOnGemini3ProCarriesImagesAndSignaturesExactly() {
        ObjectNode request = prompt("a red bicycle", "1:1", "1K");
        String previousKey = null;
        String previousSignature = null;
        for (int turn = 1; turn <= 3; turn++) {
            sim.clearRequests();
            Job job = run(submit("gemini-3-pro-image-preview", request));
            assertEquals(JobStatus.SUCCESS, job.status(), () -> "turn failed: " + job.error());
            JsonNode body = sim.requests().get(0).path("body");
            if (previousKey != null) {
                // The upstream body carries the previous image inline, with its signature byte for byte.
                JsonNode modelTurn = body.path("contents").get(body.path("contents").size() - 2);
                assertEquals("model", modelTurn.path("role").asText());
                JsonNode imagePart = null;
                for (JsonNode part : modelTurn.path("parts")) {
                    if (part.has("inlineData")) {
                        imagePart = part;
                    }
                }
                assertNotNull(imagePart, "the earlier image went upstream inline");
                assertArrayEquals(store.objects.get(previousKey).bytes(),
                        Base64.getDecoder().decode(imagePart.path("inlineData").path("data").asText()));
                assertEquals(previousSignature, imagePart.path("thoughtSignature").asText());
            }
            String stored = Json.write(job.outcome()) + job.request();
            assertFalse(stored.contains("\"data\""), "no base64 in the job item");
            ArrayNode next = (ArrayNode) job.outcome().get("next_turn_contents").deepCopy();
            JsonNode model = next.get(next.size() - 2);
            for (JsonNode part : model.path("parts")) {
                if (part.has("fileData")) {
                    String uri = part.path("fileData").path("fileUri").asText();
                    previousKey = uri.substring(("s3://" + store.bucket() + "/").length());
                    previousSignature = part.path("thoughtSignature").asText();
                }
            }
            assertFalse(previousSignature.isEmpty(), "Gemini 3 images carry a thoughtSignature");
            ObjectNode template = (ObjectNode) next.get(next.size() - 1);
            ((ObjectNode) template.path("parts").get(0)).put("text", turn == 1 ? "make it blue" : "add a basket");
            request = Json.object();
            request.set("contents", next);
            request.set("generationConfig", Json.parse("{\"imageConfig\":{\"aspectRatio\":\"1:1\",\"imageSize\":\"1K\"}}"));
        }
    }
}
