package imagejobs.shared.status;

import static imagejobs.shared.status.TestJobs.NOW;
import static imagejobs.shared.status.TestJobs.TENANT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;
import imagejobs.shared.storage.PresignedUrl;

class JobViewTest {
    private static final Instant URLS_EXPIRE = NOW.plusSeconds(3600);
    private final List<String> presigned = new ArrayList<>();
    private final JobView view = new JobView("images-bucket", key -> {
        presigned.add(key);
        return new PresignedUrl("https://images-bucket.s3.example/" + key + "?X-Amz-Signature=sig", URLS_EXPIRE);
    }, key -> key.equals("conversations/tenant-a/spilled.json")
            ? Json.parse("[{\"role\":\"user\",\"parts\":[{\"text\":\"a cat\"}]}]")
            : null);

    private final Job base = TestJobs.queued(TestJobs.id(1), TENANT, NOW);

    @Test
    void successShowsImagesWithPresignedUrlsAndTheWholeOutcome() {
        Job job = TestJobs.with(base, JobStatus.SUCCESS, outcome(true), null, null);
        JsonNode v = view.full(job);

        assertEquals(job.requestId(), v.path("request_id").asText());
        assertEquals("success", v.path("status").asText());
        assertEquals("gemini-2.5-flash-image", v.path("model").asText());
        assertEquals("2026-11-23T08:00:00.000Z", v.path("created_at").asText());
        assertEquals("2026-11-23T08:00:01.000Z", v.path("started_at").asText());
        assertEquals("2026-11-23T08:00:09.000Z", v.path("completed_at").asText());
        assertEquals("2026-12-23T08:00:00.000Z", v.path("expires_at").asText());
        assertEquals(1, v.path("attempts").asInt());
        assertFalse(v.has("error"));

        JsonNode outcome = v.path("outcome");
        assertEquals(List.of("outputs/tenant-a/" + job.requestId() + "/0.png", "outputs/tenant-a/" + job.requestId() + "/1.png"),
                presigned);
        assertEquals(2, outcome.path("media_urls").size());
        assertEquals("0", outcome.path("media_urls").get(0).path("id").asText());
        assertEquals("1", outcome.path("media_urls").get(1).path("id").asText());
        JsonNode image = outcome.path("images").get(0);
        assertEquals(outcome.path("media_urls").get(0).path("url").asText(), image.path("url").asText());
        assertTrue(image.path("url").asText().startsWith("https://images-bucket.s3.example/outputs/"));
        assertEquals("s3://images-bucket/outputs/tenant-a/" + job.requestId() + "/0.png", image.path("s3_uri").asText());
        assertEquals("image/png", image.path("mime_type").asText());
        assertEquals(1024, image.path("width").asInt());
        assertEquals(768, image.path("height").asInt());
        assertEquals(123456, image.path("bytes").asLong());
        assertFalse(image.has("key"), "the bucket key is shown only as s3_uri");
        assertEquals("2026-11-23T09:00:00.000Z", outcome.path("url_expires_at").asText());

        assertEquals("Here is your cat.", outcome.path("text").asText());
        assertEquals("STOP", outcome.path("finish_reason").asText());
        assertEquals(1297, outcome.path("usage").path("total_token_count").asInt());
        assertEquals("gemini-2.5-flash-image-001", outcome.path("model_version").asText());
        assertEquals("resp-1", outcome.path("response_id").asText());
        assertEquals(4200, outcome.path("timings").path("gemini_latency_ms").asInt());
        assertEquals("sig-abc", outcome.path("next_turn_contents").get(1).path("parts").get(0).path("thoughtSignature").asText());
    }

    @Test
    void aSpilledConversationIsShownWhole() {
        ObjectNode stored = outcome(false);
        stored.put("next_turn_contents_key", "conversations/tenant-a/spilled.json");
        JsonNode outcome = view.full(TestJobs.with(base, JobStatus.SUCCESS, stored, null, null)).path("outcome");
        assertEquals("a cat", outcome.path("next_turn_contents").get(0).path("parts").get(0).path("text").asText());
        assertFalse(outcome.has("next_turn_contents_key"));
    }

    @Test
    void aSpilledConversationWhoseObjectIsGoneIsNull() {
        ObjectNode stored = outcome(false);
        stored.put("next_turn_contents_key", "conversations/tenant-a/gone.json");
        JsonNode outcome = view.full(TestJobs.with(base, JobStatus.SUCCESS, stored, null, null)).path("outcome");
        assertTrue(outcome.has("next_turn_contents") && outcome.get("next_turn_contents").isNull());
    }

    @Test
    void withoutAPresignerThereAreNoUrls() {
        JsonNode outcome = new JobView("images-bucket", null, null)
                .full(TestJobs.with(base, JobStatus.SUCCESS, outcome(true), null, null)).path("outcome");
        assertEquals(0, outcome.path("media_urls").size());
        assertFalse(outcome.path("images").get(0).has("url"));
        assertFalse(outcome.has("url_expires_at"));
        assertEquals("s3://images-bucket/outputs/tenant-a/" + base.requestId() + "/0.png",
                outcome.path("images").get(0).path("s3_uri").asText());
    }

    @Test
    void failedShowsTheError() {
        JsonNode v = view.full(TestJobs.with(base, JobStatus.FAILED, null,
                new JobError("SAFETY_BLOCKED", "the prompt was blocked (SAFETY)", false), "503 earlier"));
        assertEquals("failed", v.path("status").asText());
        assertEquals("SAFETY_BLOCKED", v.path("error").path("code").asText());
        assertEquals("the prompt was blocked (SAFETY)", v.path("error").path("message").asText());
        assertFalse(v.path("error").path("retryable").asBoolean(true));
        assertTrue(v.path("error").has("retryable"));
        assertFalse(v.has("last_error"), "a finished job shows its error, not the last retry's");
        assertFalse(v.has("outcome"));
        assertTrue(v.has("expires_at"));
    }

    @Test
    void queuedAfterARetryShowsTheLastError() {
        JsonNode v = view.full(TestJobs.with(base, JobStatus.QUEUED, null, null, "UPSTREAM_UNAVAILABLE: 503 from Gemini"));
        assertEquals("queued", v.path("status").asText());
        assertEquals("UPSTREAM_UNAVAILABLE: 503 from Gemini", v.path("last_error").asText());
        assertFalse(v.has("error"));
        assertFalse(v.has("completed_at"));
        assertTrue(v.has("expires_at"));
    }

    @Test
    void freshQueuedProcessingAndCancelledJobs() {
        JsonNode queued = view.full(base);
        assertEquals("queued", queued.path("status").asText());
        assertEquals(0, queued.path("attempts").asInt());
        assertFalse(queued.has("started_at") || queued.has("last_error") || queued.has("outcome"));

        JsonNode processing = view.full(TestJobs.status(base, JobStatus.PROCESSING));
        assertEquals("processing", processing.path("status").asText());
        assertTrue(processing.has("started_at"));

        JsonNode cancelled = view.full(TestJobs.status(base, JobStatus.CANCELLED));
        assertEquals("cancelled", cancelled.path("status").asText());
        assertTrue(cancelled.has("completed_at") && cancelled.has("expires_at"));
        assertFalse(cancelled.has("error"));
    }

    @Test
    void theSummaryHasNoOutcomeAndPresignsNothing() {
        JsonNode v = view.summary(TestJobs.with(base, JobStatus.SUCCESS, outcome(true), null, null));
        assertFalse(v.has("outcome"));
        assertTrue(presigned.isEmpty());
        for (String field : new String[] {"request_id", "model", "status", "created_at", "expires_at", "attempts"}) {
            assertTrue(v.has(field), field);
        }
    }

    /** An outcome as the worker's OutcomeWriter stores it. */
    private ObjectNode outcome(boolean inlineConversation) {
        ObjectNode outcome = Json.object();
        for (int n = 0; n < 2; n++) {
            outcome.withArray("images").addObject()
                    .put("key", "outputs/tenant-a/" + base.requestId() + "/" + n + ".png")
                    .put("mime_type", "image/png").put("width", 1024).put("height", 768).put("bytes", 123456);
        }
        outcome.put("text", "Here is your cat.");
        outcome.put("finish_reason", "STOP");
        outcome.set("usage", Json.MAPPER.valueToTree(Map.of("prompt_token_count", 7, "candidates_token_count", 1290,
                "total_token_count", 1297)));
        outcome.put("model_version", "gemini-2.5-flash-image-001");
        outcome.put("response_id", "resp-1");
        outcome.putObject("timings").put("gemini_latency_ms", 4200);
        if (inlineConversation) {
            outcome.set("next_turn_contents", Json.parse("[{\"role\":\"user\",\"parts\":[{\"text\":\"a cat\"}]},"
                    + "{\"role\":\"model\",\"parts\":[{\"fileData\":{\"mimeType\":\"image/png\",\"fileUri\":\"s3://images-bucket/x\"},"
                    + "\"thoughtSignature\":\"sig-abc\"}]},{\"role\":\"user\",\"parts\":[{\"text\":\"\"}]}]"));
        }
        return outcome;
    }
}
