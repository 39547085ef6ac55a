package imagejobs.local.gemini;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/** The error answers {@code [sim:status=N]} and {@code [sim:fail-times=N]} produce, worded as Gemini words them. */
final class FaultErrors {
    static final int DEFAULT_RETRY_SECONDS = 2;

    private FaultErrors() {
    }

    /**
     * @param retryAfterSeconds from {@code [sim:retry-after=S]}, or null: a 429 then says 2s, other statuses
     *                          carry no retry hint
     */
    static GeminiError forStatus(int status, Integer retryAfterSeconds, String model) {
        GeminiError error = switch (status) {
            case 400 -> new GeminiError(400, "INVALID_ARGUMENT", "Request contains an invalid argument.");
            case 401 -> new GeminiError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."
                    + " Expected OAuth 2 access token, login cookie or other valid authentication credential.");
            case 403 -> new GeminiError(403, "PERMISSION_DENIED", "The caller does not have permission");
            case 404 -> new GeminiError(404, "NOT_FOUND", "Requested entity was not found.");
            case 409 -> new GeminiError(409, "ABORTED", "The operation was aborted.");
            case 429 -> quotaExceeded(model, retryAfterSeconds == null ? DEFAULT_RETRY_SECONDS : retryAfterSeconds);
            case 499 -> new GeminiError(499, "CANCELLED", "The operation was cancelled.");
            case 500 -> new GeminiError(500, "INTERNAL", "An internal error has occurred. Please retry or report"
                    + " in https://developers.generativeai.google/guide/troubleshooting");
            case 501 -> new GeminiError(501, "UNIMPLEMENTED", "Operation is not implemented, or supported, or"
                    + " enabled.");
            // Google has no canonical code for 502; its front end answers it for a failed backend, which callers
            // treat like an unavailable service.
            case 502 -> new GeminiError(502, "UNAVAILABLE", "Bad Gateway: the backend did not answer.");
            case 503 -> new GeminiError(503, "UNAVAILABLE", "The model is overloaded. Please try again later.");
            case 504 -> new GeminiError(504, "DEADLINE_EXCEEDED", "Deadline expired before operation could"
                    + " complete.");
            default -> throw new IllegalArgumentException("no simulated error for HTTP " + status);
        };
        if (retryAfterSeconds != null) {
            if (status != 429) {
                error.detail(retryInfo(retryAfterSeconds));
            }
            error.header("Retry-After", Integer.toString(retryAfterSeconds));
        }
        return error;
    }

    /** What a real quota answer looks like, for a quota of 10 requests per minute. */
    private static GeminiError quotaExceeded(String model, int retrySeconds) {
        return QuotaErrors.exceeded(model, QuotaErrors.REQUESTS_METRIC, QuotaErrors.REQUESTS_PER_MINUTE, 10,
                java.time.Duration.ofSeconds(retrySeconds));
    }

    /** google.rpc.RetryInfo as Gemini sends it: a protobuf Duration in JSON, whole seconds with an "s". */
    static ObjectNode retryInfo(int seconds) {
        return Json.object()
                .put("@type", "type.googleapis.com/google.rpc.RetryInfo")
                .put("retryDelay", seconds + "s");
    }
}
