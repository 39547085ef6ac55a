package imagejobs.shared.worker;

import imagejobs.testing.MutableClock;
import imagejobs.testing.InMemoryObjectStore;
import imagejobs.testing.InMemoryJobStore;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

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
import imagejobs.shared.queue.JobQueue;

/** One attempt on its own: what Gemini is sent, what is stored, what result comes back, and the work dir's end. */
class JobAttemptTest {
    private static final Instant T0 = Instant.parse("2026-01-10T12:00:00Z");
    private static final String ID = "01JOBAAAAAAAAAAAAAAAAAAAAA";
    private static final byte[] REFERENCE = TestImages.png(4, 4);

    private final InMemoryObjectStore store = new InMemoryObjectStore();
    private final MutableClock clock = new MutableClock(T0);
    private final GeminiClient gemini = mock(GeminiClient.class);
    private final AtomicReference<Path> workDir = new AtomicReference<>();
    private final AtomicReference<JsonNode> sent = new AtomicReference<>();
    private final List<JobAttempt.GeminiCall> answers = new ArrayList<>();

    private JobAttempt attempt(InMemoryObjectStore objects) {
        return new JobAttempt(new WorkerPorts(new InMemoryJobStore(), objects, mock(JobQueue.class), gemini,
                url -> {
                    throw new ReferenceException("reference " + url + " answered HTTP 404");
                }, ModelCatalog.load(), Metrics.NONE, clock));
    }

    private static Job claimed(String model, String request) {
        InMemoryJobStore jobs = new InMemoryJobStore();
        jobs.put(Job.queued(ID, "tenant-a", model, Job.SOURCE_API, null, request, null, "h", T0,
                T0.plus(Duration.ofDays(30))));
        return jobs.claim(ID, T0, T0.plusSeconds(360)).orElseThrow();
    }

    private static String request(String part) {
        return "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a red fox\"}" + part + "]}]}";
    }

    /** Gemini answers in 20 s with one JPEG written into the attempt's work dir (or with {@code finish} and none). */
    private void geminiAnswers(String finish, boolean withImage) throws GeminiException {
        doAnswer(inv -> {
            sent.set(Json.MAPPER.readTree((byte[]) inv.getArgument(1)));
            Path dir = inv.getArgument(3);
            workDir.set(dir);
            List<GeminiResponse.Part> parts = new ArrayList<>();
            parts.add(new GeminiResponse.Part("Here", null, null, 0, null, false));
            if (withImage) {
                Path file = Files.write(dir.resolve("image-0.bin"), TestImages.jpeg(64, 36));
                parts.add(new GeminiResponse.Part(null, file, "image/jpeg", Files.size(file), "sig-A", false));
            }
            clock.advance(Duration.ofSeconds(20));
            return new GeminiResponse(parts, finish, null, null, null, null, "v1", "r1", 1);
        }).when(gemini).generate(anyString(), any(), any(), any());
    }

    @Test
    void anAnswerWithAnImageIsStoredAndProduced() throws Exception {
        geminiAnswers("STOP", true);
        store.put("outputs/tenant-a/EARLIER/0.png", REFERENCE, "image/png", Map.of());
        Job job = claimed("gemini-3-pro-image-preview",
                request(",{\"fileData\":{\"fileUri\":\"s3://images-bucket/outputs/tenant-a/EARLIER/0.png\"}}"));

        JobAttempt.Result result = attempt(store).run(job, T0, Duration.ofSeconds(300), answers::add);

        ObjectNode outcome = assertInstanceOf(JobAttempt.Result.Produced.class, result).outcome();
        assertEquals("outputs/tenant-a/" + ID + "/0.jpg", outcome.path("images").get(0).path("key").asText());
        assertTrue(store.objects.containsKey("outputs/tenant-a/" + ID + "/0.jpg"), "the image is in S3");
        assertTrue(store.objects.containsKey(OutcomeWriter.stagedKey(job)), "the outcome is staged before any write");
        assertEquals(20_000, outcome.path("timings").path("gemini_latency_ms").asLong());
        assertEquals(List.of(new JobAttempt.GeminiCall(20_000, "STOP", 1)), answers);
        JsonNode inline = sent.get().at("/contents/0/parts/1/inlineData");
        assertEquals("image/png", inline.path("mimeType").asText(), "our own s3:// reference went inline: " + sent);
        assertArrayEquals(REFERENCE, inline.path("data").binaryValue());
        assertFalse(Files.exists(workDir.get()), "the work dir is gone after the attempt");
    }

    @Test
    void aRefusalIsRejectedAndStoresNothing() throws Exception {
        geminiAnswers("IMAGE_SAFETY", false);
        JobAttempt.Result result = attempt(store).run(claimed("gemini-2.5-flash-image", request("")), T0, null,
                answers::add);
        assertEquals("SAFETY_BLOCKED", assertInstanceOf(JobAttempt.Result.Rejected.class, result).error().code());
        assertTrue(store.objects.isEmpty());
        assertEquals(1, answers.size(), "the answer is reported before it is judged");
        assertFalse(Files.exists(workDir.get()));
    }

    @Test
    void anUnusableReferenceIsRejectedWithoutACall() {
        Job job = claimed("gemini-3-pro-image-preview",
                request(",{\"fileData\":{\"fileUri\":\"s3://images-bucket/outputs/tenant-b/X/0.png\"}}"));
        JobAttempt.Result.Rejected rejected = assertInstanceOf(JobAttempt.Result.Rejected.class,
                attempt(store).run(job, T0, null, answers::add));
        assertEquals("INVALID_REFERENCE", rejected.error().code());
        assertTrue(rejected.error().message().contains("s3://images-bucket/outputs/tenant-b/X/0.png"));
        verifyNoInteractions(gemini);
    }

    @Test
    void aModelGoneFromTheCatalogIsRejectedWithoutACall() {
        JobAttempt.Result.Rejected rejected = assertInstanceOf(JobAttempt.Result.Rejected.class,
                attempt(store).run(claimed("gemini-0-retired", request("")), T0, null, answers::add));
        assertEquals("MODEL_UNAVAILABLE", rejected.error().code());
        assertFalse(rejected.error().retryable());
        verifyNoInteractions(gemini);
    }

    @Test
    void aFailedCallIsReturnedAsIsForTheRulesToJudge() throws Exception {
        GeminiException limited = new GeminiException(GeminiException.Kind.RATE_LIMITED, 429, "HTTP 429", null);
        doAnswer(inv -> {
            workDir.set(inv.getArgument(3));
            throw limited;
        }).when(gemini).generate(anyString(), any(), any(), any());
        JobAttempt.Result result = attempt(store).run(claimed("gemini-2.5-flash-image", request("")), T0, null,
                answers::add);
        assertEquals(new JobAttempt.Result.UpstreamFailed(limited), result);
        assertTrue(answers.isEmpty());
        assertFalse(Files.exists(workDir.get()));
    }

    @Test
    void aStorageFailureAfterTheAnswerIsThrownAndTheWorkDirStillGoes() throws Exception {
        geminiAnswers("STOP", true);
        InMemoryObjectStore broken = new InMemoryObjectStore() {
            @Override
            public void put(String key, Path file, String contentType, Map<String, String> metadata) {
                throw new IllegalStateException("S3 is down");
            }
        };
        Job job = claimed("gemini-2.5-flash-image", request(""));
        assertThrows(IllegalStateException.class, () -> attempt(broken).run(job, T0, null, answers::add));
        assertEquals(1, answers.size(), "Gemini's answer was reported before the crash");
        assertFalse(Files.exists(workDir.get()));
    }

    @Test
    void aStagedOutcomeOfAnEarlierAttemptIsFoundAndBroughtUpToDate() throws Exception {
        geminiAnswers("STOP", true);
        Job first = claimed("gemini-2.5-flash-image", request(""));
        assertInstanceOf(JobAttempt.Result.Produced.class, attempt(store).run(first, T0, null, answers::add));
        InMemoryJobStore jobs = new InMemoryJobStore();
        jobs.put(first);
        Job second = jobs.claim(ID, T0.plusSeconds(400), T0.plusSeconds(760)).orElseThrow();

        ObjectNode staged = attempt(store).staged(second, T0).orElseThrow();
        assertEquals(2, staged.path("attempts").asInt());
        assertEquals(JobStatus.PROCESSING, second.status());
        assertTrue(attempt(new InMemoryObjectStore()).staged(second, T0).isEmpty(), "nothing staged: empty");
    }
}
