package imagejobs.lambda.http;

import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.errors.Rejection;
import imagejobs.shared.google.GoogleStatus;
import imagejobs.shared.json.Json;

/**
 * The domain's refusals in the API's own HTTP terms: the status that fits each {@link Rejection.Kind}, the body
 * {@code {"error":{"code","message","field"?, ...details}}} and {@code Retry-After} when the refusal says when to
 * come back. (The Google-compatible routes render the same refusals in Google's error shape instead.)
 */
public final class RejectionResponses {
    private RejectionResponses() {
    }

    public static int status(Rejection.Kind kind) {
        return switch (kind) {
            case INVALID -> 400;
            case UNAUTHENTICATED -> 401;
            case FORBIDDEN -> 403;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case TOO_LARGE -> 413;
            case RATE_LIMITED -> 429;
            case UNAVAILABLE -> 503;
        };
    }

    public static ObjectNode body(Rejection e) {
        ObjectNode error = Json.object();
        error.put("code", e.code());
        error.put("message", e.getMessage());
        if (e.field() != null) {
            error.put("field", e.field());
        }
        // Google's status name as well, so clients written for Gemini (the Java SDK 2.x reads /v1) see one; additive.
        error.put("status", GoogleStatus.forHttpStatus(status(e.kind())).name());
        e.details().forEach((k, v) -> {
            if (!k.equals("status")) {
                error.put(k, v);
            }
        });
        ObjectNode root = Json.object();
        root.set("error", error);
        return root;
    }

    /** {@code retry-after} in whole seconds (at least 1) when the refusal has a retry time. */
    public static Map<String, String> headers(Rejection e) {
        if (e.retryAfter() == null) {
            return Map.of();
        }
        long seconds = Math.max(1, (e.retryAfter().toMillis() + 999) / 1000);
        return Map.of("retry-after", Long.toString(seconds));
    }
}
