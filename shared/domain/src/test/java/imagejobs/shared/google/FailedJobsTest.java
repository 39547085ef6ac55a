package imagejobs.shared.google;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.jobs.JobError;

class FailedJobsTest {
    private static final String ID = "01JCZ5R9Q8W7X6V5T4S3R2Q1P0";

    @Test
    void aSafetyRefusalIsA200WithGeminisFinishReasonAndOurMessage() {
        JobError error = new JobError("SAFETY_BLOCKED", "Gemini stopped for safety: IMAGE_SAFETY", false);

        GoogleReply reply = FailedJobs.failed(ID, error,
                new FailedJobs.Upstream("IMAGE_SAFETY", null, "gemini-2.5-flash-image"));

        assertInstanceOf(GoogleReply.Ok.class, reply);
        JsonNode body = reply.body();
        assertEquals("IMAGE_SAFETY", body.at("/candidates/0/finishReason").asText());
        assertEquals("Gemini stopped for safety: IMAGE_SAFETY", body.at("/candidates/0/finishMessage").asText());
        assertFalse(body.at("/candidates/0").has("content"));
        assertEquals(ID, body.path("responseId").asText());
        assertEquals("gemini-2.5-flash-image", body.path("modelVersion").asText());
    }

    @Test
    void aBlockedPromptHasPromptFeedbackAndACandidateThatIsNeverSilent() {
        JobError error = new JobError("SAFETY_BLOCKED", "Gemini blocked the prompt: PROHIBITED_CONTENT", false);

        JsonNode body = FailedJobs.failed(ID, error, new FailedJobs.Upstream(null, "PROHIBITED_CONTENT", null)).body();

        assertEquals("PROHIBITED_CONTENT", body.at("/promptFeedback/blockReason").asText());
        assertEquals("PROHIBITED_CONTENT", body.at("/candidates/0/finishReason").asText());
    }

    @Test
    void withoutUpstreamDetailTheFinishReasonFollowsTheCode() {
        assertEquals("NO_IMAGE", FailedJobs.failed(ID, new JobError("NO_IMAGE", "Gemini answered without an image",
                false), null).body().at("/candidates/0/finishReason").asText());
        assertEquals("RECITATION", FailedJobs.failed(ID, new JobError("RECITATION", "recited", false),
                FailedJobs.Upstream.UNKNOWN).body().at("/candidates/0/finishReason").asText());
    }

    @Test
    void otherFailuresAreErrorsWithTheirCodeAndTheRequestId() {
        GoogleReply reply = FailedJobs.failed(ID, new JobError("RATE_LIMITED",
                "gave up after 4 attempts: HTTP 429 RESOURCE_EXHAUSTED: quota", true), null);

        assertInstanceOf(GoogleReply.Failed.class, reply);
        assertEquals(429, reply.httpStatus());
        JsonNode error = reply.body().path("error");
        assertEquals("RESOURCE_EXHAUSTED", error.path("status").asText());
        assertEquals("RATE_LIMITED", error.at("/details/0/reason").asText());
        assertEquals(ID, error.at("/details/0/metadata/request_id").asText());
        assertEquals(ID, error.at("/details/1/requestId").asText());
    }

    @Test
    void eachJobErrorCodeHasAStatus() {
        assertEquals(GoogleStatus.INVALID_ARGUMENT, FailedJobs.status("INVALID_REQUEST"));
        assertEquals(GoogleStatus.INVALID_ARGUMENT, FailedJobs.status("INVALID_REFERENCE"));
        assertEquals(GoogleStatus.INVALID_ARGUMENT, FailedJobs.status("UNSUPPORTED_ASPECT_RATIO"));
        assertEquals(GoogleStatus.NOT_FOUND, FailedJobs.status("MODEL_UNAVAILABLE"));
        assertEquals(GoogleStatus.UNAVAILABLE, FailedJobs.status("UPSTREAM_UNAVAILABLE"));
        assertEquals(GoogleStatus.UNAVAILABLE, FailedJobs.status("ENQUEUE_FAILED"));
        assertEquals(GoogleStatus.DEADLINE_EXCEEDED, FailedJobs.status("TIMEOUT"));
        assertEquals(GoogleStatus.INTERNAL, FailedJobs.status("UPSTREAM_AUTH"));
        assertEquals(GoogleStatus.INTERNAL, FailedJobs.status("DEAD_LETTERED"));
        assertEquals(GoogleStatus.INTERNAL, FailedJobs.status("SOMETHING_NEW"));
        assertEquals(GoogleStatus.INTERNAL, FailedJobs.status(null));
    }

    @Test
    void aCancelledJobIsCancelled() {
        GoogleError error = FailedJobs.cancelled(ID);

        assertEquals(499, error.httpStatus());
        assertEquals("CANCELLED", error.body().at("/error/status").asText());
    }
}
