package imagejobs.shared.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.gemini.GeminiResponse;
import imagejobs.shared.image.TestImages;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.json.Json;
import imagejobs.testing.InMemoryObjectStore;

class OutcomeWriterTest {
    static final Instant T0 = Instant.parse("2026-01-10T12:00:00Z");
    @TempDir
    Path dir;
    private final InMemoryObjectStore store = new InMemoryObjectStore();
    private final OutcomeWriter writer = new OutcomeWriter(store);

    static Job job(String request) {
        return Job.queued("01JOB", "tenant-a", "gemini-3-pro-image-preview", Job.SOURCE_API, null, request, null, "h",
                T0, T0.plusSeconds(86400));
    }

    private GeminiResponse.Part image(String name, byte[] bytes, String signature, boolean thought) throws IOException {
        Path file = Files.write(dir.resolve(name), bytes);
        return new GeminiResponse.Part(null, file, "image/png", bytes.length, signature, thought);
    }

    private static GeminiResponse response(List<GeminiResponse.Part> parts) {
        ObjectNode usage = (ObjectNode) Json.parse("{\"promptTokenCount\":7,\"candidatesTokenCount\":1120,"
                + "\"totalTokenCount\":1127,\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":7}]}");
        return new GeminiResponse(parts, "STOP", null, null, null, usage, "gemini-3-pro-image-preview", "resp-1", 1);
    }

    private static final OutcomeWriter.Timings TIMINGS = new OutcomeWriter.Timings(2, T0.plusSeconds(1),
            T0.plusSeconds(30), 25_000);

    @Test
    void twoEditsOfTheSameUploadKeyKeepTheirOwnImagesAndCopies() throws IOException {
        String request = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a hat\"}]}]}";
        byte[] firstBytes = TestImages.png(64, 48);
        byte[] secondBytes = TestImages.png(32, 24);
        Job first = Job.queued("01FIRST", "alpha", "gemini-2.5-flash-image", Job.SOURCE_S3, "edits/alpha/ok1.png",
                request, null, null, T0, T0.plusSeconds(86400));
        Job second = Job.queued("01SECOND", "alpha", "gemini-2.5-flash-image", Job.SOURCE_S3, "edits/alpha/ok1.png",
                request, null, null, T0, T0.plusSeconds(86400));

        ObjectNode one = writer.write(first, (ObjectNode) Json.parse(request),
                response(List.of(image("1.bin", firstBytes, null, false))), TIMINGS);
        ObjectNode two = writer.write(second, (ObjectNode) Json.parse(request),
                response(List.of(image("2.bin", secondBytes, null, false))), TIMINGS);

        assertEquals("outputs/alpha/01FIRST/0.png", one.at("/images/0/key").asText(), "the job's own key");
        assertEquals("outputs/alpha/01SECOND/0.png", two.at("/images/0/key").asText());
        assertEquals("edited/alpha/ok1-01FIRST-1.png", one.at("/images/0/edited_key").asText());
        assertEquals("edited/alpha/ok1-01SECOND-1.png", two.at("/images/0/edited_key").asText());
        assertArrayEquals(firstBytes, store.objects.get("outputs/alpha/01FIRST/0.png").bytes());
        assertArrayEquals(firstBytes, store.objects.get("edited/alpha/ok1-01FIRST-1.png").bytes(),
                "the later upload's job did not overwrite the earlier copy");
        assertArrayEquals(secondBytes, store.objects.get("edited/alpha/ok1-01SECOND-1.png").bytes());
        assertEquals("01FIRST", store.objects.get("edited/alpha/ok1-01FIRST-1.png").metadata().get("request-id"));
    }

    @Test
    void storesImagesAtDeterministicKeysWithHeaderDimensions() throws IOException {
        byte[] jpeg = TestImages.jpeg(1376, 768);
        byte[] png = TestImages.png(64, 48);
        String request = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a fox\"}]}]}";
        List<GeminiResponse.Part> parts = List.of(
                new GeminiResponse.Part("thinking…", null, null, 0, null, true),
                image("draft.bin", png, null, true),
                new GeminiResponse.Part("Here is your fox.", null, null, 0, "text-sig", false),
                image("a.bin", jpeg, "img-sig-0", false),
                image("b.bin", png, null, false));
        ObjectNode outcome = writer.write(job(request), (ObjectNode) Json.parse(request), response(parts), TIMINGS);

        assertEquals(2, outcome.get("images").size(), "the thought draft is not an output");
        JsonNode first = outcome.get("images").get(0);
        assertEquals("outputs/tenant-a/01JOB/0.jpg", first.get("key").asText());
        assertEquals("image/jpeg", first.get("mime_type").asText(), "type from the bytes, not the declared png");
        assertEquals(1376, first.get("width").asInt());
        assertEquals(768, first.get("height").asInt());
        assertEquals(jpeg.length, first.get("bytes").asLong());
        assertEquals("outputs/tenant-a/01JOB/1.png", outcome.get("images").get(1).get("key").asText());
        assertArrayEquals(jpeg, store.objects.get("outputs/tenant-a/01JOB/0.jpg").bytes());
        assertEquals("image/jpeg", store.objects.get("outputs/tenant-a/01JOB/0.jpg").contentType());

        assertEquals("Here is your fox.", outcome.get("text").asText());
        assertEquals("STOP", outcome.get("finish_reason").asText());
        assertEquals(1127, outcome.get("usage").get("total_token_count").asInt());
        assertEquals("TEXT", outcome.get("usage").get("prompt_tokens_details").get(0).get("modality").asText());
        assertEquals("gemini-3-pro-image-preview", outcome.get("model_version").asText());
        assertEquals("resp-1", outcome.get("response_id").asText());
        assertEquals(2, outcome.get("attempts").asInt());
        assertEquals("2026-01-10T12:00:01.000Z", outcome.get("timings").get("started_at").asText());
        assertEquals("2026-01-10T12:00:30.000Z", outcome.get("timings").get("completed_at").asText());
        assertEquals(25_000, outcome.get("timings").get("gemini_latency_ms").asLong());
    }

    @Test
    void nextTurnContentsShape() throws IOException {
        String request = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a fox\"},{\"fileData\":{\"mimeType\":"
                + "\"image/png\",\"fileUri\":\"s3://images-bucket/inputs/tenant-a/01JOB/0.png\"}}]}]}";
        List<GeminiResponse.Part> parts = List.of(
                new GeminiResponse.Part("plan", null, null, 0, "thought-sig", true),
                new GeminiResponse.Part("Here.", null, null, 0, "text-sig", false),
                image("a.bin", TestImages.jpeg(10, 10), "img-sig+/=", false));
        ObjectNode outcome = writer.write(job(request), (ObjectNode) Json.parse(request), response(parts), TIMINGS);
        JsonNode turns = outcome.get("next_turn_contents");
        assertEquals(3, turns.size());
        assertEquals(Json.parse(request).get("contents").get(0), turns.get(0), "submitted turn kept as references");
        JsonNode model = turns.get(1);
        assertEquals("model", model.get("role").asText());
        assertEquals(2, model.get("parts").size(), "thought parts are left out");
        assertEquals("Here.", model.get("parts").get(0).get("text").asText());
        assertEquals("text-sig", model.get("parts").get(0).get("thoughtSignature").asText());
        assertEquals("s3://images-bucket/outputs/tenant-a/01JOB/0.jpg",
                model.get("parts").get(1).get("fileData").get("fileUri").asText());
        assertEquals("image/jpeg", model.get("parts").get(1).get("fileData").get("mimeType").asText());
        assertEquals("img-sig+/=", model.get("parts").get(1).get("thoughtSignature").asText());
        JsonNode template = turns.get(2);
        assertEquals("user", template.get("role").asText());
        assertEquals("", template.get("parts").get(0).get("text").asText());
        assertEquals("", template.get("parts").get(1).get("fileData").get("fileUri").asText());
        assertFalse(Json.write(outcome).contains("\"data\""), "no base64 in the outcome");
    }

    @Test
    void inlineDataLeftInTheHistoryGoesToS3() throws IOException {
        String b64 = java.util.Base64.getEncoder().encodeToString(TestImages.png(5, 5));
        String request = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"inline_data\":{\"mime_type\":\"image/png\","
                + "\"data\":\"" + b64 + "\"}},{\"text\":\"edit\"}]}]}";
        ObjectNode outcome = writer.write(job(null), (ObjectNode) Json.parse(request),
                response(List.of(image("a.bin", TestImages.png(8, 8), null, false))), TIMINGS);
        String json = Json.write(outcome);
        assertFalse(json.contains(b64));
        assertEquals("s3://images-bucket/inputs/tenant-a/01JOB/history-0.png", outcome.get("next_turn_contents")
                .get(0).get("parts").get(0).get("fileData").get("fileUri").asText());
        assertTrue(store.objects.containsKey("inputs/tenant-a/01JOB/history-0.png"));
    }

    @Test
    void aConversationOver300KbSpillsToS3() throws IOException {
        StringBuilder turns = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            turns.append(i == 0 ? "" : ",").append("{\"role\":\"user\",\"parts\":[{\"text\":\"")
                    .append("x".repeat(9000)).append("\"}]}");
        }
        String request = "{\"contents\":[" + turns + "]}";
        ObjectNode outcome = writer.write(job(null), (ObjectNode) Json.parse(request),
                response(List.of(image("a.bin", TestImages.png(8, 8), "s", false))), TIMINGS);
        assertFalse(outcome.has("next_turn_contents"));
        assertEquals("conversations/tenant-a/01JOB.json", outcome.get("next_turn_contents_key").asText());
        JsonNode spilled = Json.MAPPER.readTree(store.objects.get("conversations/tenant-a/01JOB.json").bytes());
        assertEquals(42, spilled.size());
        assertEquals("s", spilled.get(40).get("parts").get(0).get("thoughtSignature").asText());
        assertEquals("application/json", store.objects.get("conversations/tenant-a/01JOB.json").contentType());
    }

    @Test
    void aSmallConversationWithALargeRequestDocumentSpillsToo() throws IOException {
        String bigRequest = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"" + "y".repeat(200_000)
                + "\"}]}]}";
        ObjectNode outcome = writer.write(job(bigRequest), (ObjectNode) Json.parse(bigRequest),
                response(List.of(image("a.bin", TestImages.png(8, 8), null, false))), TIMINGS);
        // A 200 KB conversation alone fits, but with the 200 KB request beside it the item would pass 350 KB.
        assertFalse(outcome.has("next_turn_contents"));
        assertTrue(outcome.has("next_turn_contents_key"));
    }

    @Test
    void theOutcomeIsStagedAndCanBeRecovered() throws IOException {
        String request = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a\"}]}]}";
        Job job = job(request);
        ObjectNode outcome = writer.write(job, (ObjectNode) Json.parse(request),
                response(List.of(image("a.bin", TestImages.png(8, 8), null, false))), TIMINGS);
        assertTrue(store.objects.containsKey(OutcomeWriter.stagedKey(job)));
        List<String> before = new ArrayList<>(store.puts);
        Optional<ObjectNode> recovered = writer.staged(job, new OutcomeWriter.Timings(3, T0, T0.plusSeconds(99), 0));
        assertTrue(recovered.isPresent());
        assertEquals(Json.write(outcome.get("images")), Json.write(recovered.get().get("images")));
        assertEquals(3, recovered.get().get("attempts").asInt());
        assertEquals(25_000, recovered.get().get("timings").get("gemini_latency_ms").asLong(), "the real call's");
        assertEquals("2026-01-10T12:01:39.000Z", recovered.get().get("timings").get("completed_at").asText());
        assertEquals(before, store.puts, "recovery writes nothing");

        store.put(OutcomeWriter.stagedKey(job), "{\"imag".getBytes(), "application/json", Map.of());
        assertEquals(Optional.empty(), writer.staged(job, TIMINGS), "a half-written stage is ignored");
    }
}
