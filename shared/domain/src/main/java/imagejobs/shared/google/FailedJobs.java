package imagejobs.shared.google;

import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.jobs.JobError;
import imagejobs.shared.json.Json;

/**
 * A job that ended without images, as Google's API would have answered the same call.
 *
 * <p>Gemini refuses with HTTP 200 (a finish reason or a block reason): SAFETY_BLOCKED, RECITATION and NO_IMAGE jobs
 * answer that way too, a candidate with the finish reason and our message as {@code finishMessage}, so code written
 * against Google (which checks {@code finishReason}; the Java SDK's {@code text()} throws on it) works unchanged.
 * Every other failure is a Google-shaped error whose ErrorInfo reason is the job's error code:
 *
 * <pre>
 * INVALID_REQUEST, INVALID_REFERENCE, MISSING_THOUGHT_SIGNATURE and bad input → 400 INVALID_ARGUMENT
 * MODEL_UNAVAILABLE                                   → 404 NOT_FOUND
 * RATE_LIMITED                                        → 429 RESOURCE_EXHAUSTED
 * UPSTREAM_UNAVAILABLE, SERVICE_UNAVAILABLE, ENQUEUE_FAILED → 503 UNAVAILABLE
 * TIMEOUT                                             → 504 DEADLINE_EXCEEDED
 * UPSTREAM_AUTH, UPSTREAM_ERROR, WORKER_FAILED, DEAD_LETTERED, INTERNAL_ERROR, anything else → 500 INTERNAL
 * a cancelled job                                     → 499 CANCELLED
 * </pre>
 *
 * Each error carries the request id (ErrorInfo metadata and a RequestInfo detail) so the job can be found.
 */
public final class FailedJobs {
    /** Our refusal codes and the finish reason Gemini reports for each when nothing more precise was kept. */
    private static final Map<String, String> REFUSALS = Map.of(
            "SAFETY_BLOCKED", "SAFETY",
            "RECITATION", "RECITATION",
            "NO_IMAGE", "NO_IMAGE");

    private static final Map<String, GoogleStatus> STATUSES = Map.ofEntries(
            Map.entry("INVALID_REQUEST", GoogleStatus.INVALID_ARGUMENT),
            Map.entry("INVALID_REFERENCE", GoogleStatus.INVALID_ARGUMENT),
            Map.entry("INVALID_METADATA", GoogleStatus.INVALID_ARGUMENT),
            Map.entry("MISSING_THOUGHT_SIGNATURE", GoogleStatus.INVALID_ARGUMENT),
            Map.entry("MODEL_UNAVAILABLE", GoogleStatus.NOT_FOUND),
            Map.entry("RATE_LIMITED", GoogleStatus.RESOURCE_EXHAUSTED),
            Map.entry("UPSTREAM_UNAVAILABLE", GoogleStatus.UNAVAILABLE),
            Map.entry("SERVICE_UNAVAILABLE", GoogleStatus.UNAVAILABLE),
            Map.entry("ENQUEUE_FAILED", GoogleStatus.UNAVAILABLE),
            Map.entry("TIMEOUT", GoogleStatus.DEADLINE_EXCEEDED));

    private FailedJobs() {
    }

    /** The canonical status a failed job's error code maps to (INTERNAL for codes not listed above). */
    public static GoogleStatus status(String code) {
        if (code == null) {
            return GoogleStatus.INTERNAL;
        }
        if (code.startsWith("UNSUPPORTED_") || code.equals("INVALID_FIELD") || code.equals("MISSING_FIELD")
                || code.equals("INVALID_IMAGE") || code.equals("IMAGE_TOO_LARGE")) {
            return GoogleStatus.INVALID_ARGUMENT; // bad input found after intake (an S3 edit's, say)
        }
        return STATUSES.getOrDefault(code, GoogleStatus.INTERNAL);
    }

    /** True for the codes Gemini signals with a 200 answer rather than an error. */
    public static boolean isRefusal(JobError error) {
        return error != null && REFUSALS.containsKey(error.code());
    }

    /**
     * What Gemini said when it refused, as far as the job kept it (all null: derived from the error code).
     *
     * @param finishReason the candidate's finish reason (IMAGE_SAFETY, RECITATION, NO_IMAGE, …)
     * @param blockReason  promptFeedback.blockReason when the prompt itself was blocked
     */
    public record Upstream(String finishReason, String blockReason, String modelVersion) {
        public static final Upstream UNKNOWN = new Upstream(null, null, null);
    }

    /** The answer for a failed job: a 200 refusal for Gemini's refusals, else an error. */
    public static GoogleReply failed(String requestId, JobError error, Upstream upstream) {
        if (isRefusal(error)) {
            return GoogleReply.ok(refusal(requestId, error, upstream == null ? Upstream.UNKNOWN : upstream));
        }
        return GoogleReply.error(error(requestId, error));
    }

    /** The error for a failed job (refusals too, where a route has no 200 to give, e.g. a batch's error entry). */
    public static GoogleError error(String requestId, JobError error) {
        return GoogleErrorBody.builder(status(error.code()), error.message())
                .reason(error.code())
                .requestId(requestId)
                .build();
    }

    /** A job cancelled before it ran (by {@code POST /v1/requests/{id}/cancel}). */
    public static GoogleError cancelled(String requestId) {
        return GoogleErrorBody.builder(GoogleStatus.CANCELLED, "request " + requestId + " was cancelled before it ran")
                .reason("CANCELLED")
                .requestId(requestId)
                .build();
    }

    /**
     * Gemini's refusal shape: one candidate with no content, the finish reason and our message saying why. A blocked
     * prompt also gets Gemini's {@code promptFeedback}; where Gemini would send no candidate at all, this one carries
     * the block reason as its finish reason, so the Java SDK's {@code text()} throws instead of answering null (a
     * silent empty answer is the one thing a caller must never get).
     */
    static ObjectNode refusal(String requestId, JobError error, Upstream upstream) {
        ObjectNode body = Json.object();
        String finish = upstream.finishReason() != null ? upstream.finishReason()
                : upstream.blockReason() != null ? upstream.blockReason()
                : REFUSALS.get(error.code());
        ObjectNode candidate = body.putArray("candidates").addObject();
        candidate.put("finishReason", finish);
        candidate.put("finishMessage", error.message());
        candidate.put("index", 0);
        if (upstream.blockReason() != null) {
            body.putObject("promptFeedback").put("blockReason", upstream.blockReason())
                    .put("blockReasonMessage", error.message());
        }
        if (upstream.modelVersion() != null) {
            body.put("modelVersion", upstream.modelVersion());
        }
        body.put("responseId", requestId);
        return body;
    }
}
