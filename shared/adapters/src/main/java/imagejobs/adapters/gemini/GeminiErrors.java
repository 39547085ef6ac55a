package imagejobs.adapters.gemini;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

import com.fasterxml.jackson.databind.JsonNode;
import imagejobs.shared.gemini.GeminiException;

/**
 * Gemini's error answers ({@code {"error":{"code","message","status","details"}}}, sometimes wrapped in a
 * one-element array) mapped to what the worker does about them. The wait before retrying is the RetryInfo
 * detail's {@code retryDelay} or a Retry-After header; the longer of the two wins.
 *
 * <pre>
 * 400 INVALID_ARGUMENT / FAILED_PRECONDITION → INVALID_REQUEST   (ErrorInfo API_KEY_INVALID → AUTH)
 * 401, 403                                   → AUTH
 * 404                                        → MODEL_NOT_FOUND
 * 408, 504                                   → TIMEOUT      (retryable)
 * 413                                        → INVALID_REQUEST
 * 429                                        → RATE_LIMITED (retryable)
 * 500, 502, 503, other 5xx                   → UNAVAILABLE  (retryable)
 * 501 UNIMPLEMENTED                          → UPSTREAM_ERROR (the same call can never succeed)
 * other 4xx                                  → UPSTREAM_ERROR
 * </pre>
 */
public final class GeminiErrors {
    /** Gemini's messages are short; a proxy's HTML error page is not. */
    private static final int MAX_MESSAGE = 1000;

    private GeminiErrors() {
    }

    public static GeminiException fromResponse(int status, byte[] body, String retryAfterHeader, String model) {
        return fromResponse(status, body, retryAfterHeader, model, Instant.now());
    }

    static GeminiException fromResponse(int status, byte[] body, String retryAfterHeader, String model, Instant now) {
        JsonNode e = errorObject(HttpGeminiClient.parseQuietly(body));
        String message = e != null && e.hasNonNull("message") ? e.get("message").asText()
                : "Gemini answered HTTP " + status;
        if (message.length() > MAX_MESSAGE) {
            message = message.substring(0, MAX_MESSAGE) + "…";
        }
        String statusName = e != null ? e.path("status").asText("") : "";
        Duration delay = max(retryInfo(e), retryAfter(retryAfterHeader, now));
        GeminiException.Kind kind = switch (status) {
            case 429 -> GeminiException.Kind.RATE_LIMITED;
            case 500, 502, 503 -> GeminiException.Kind.UNAVAILABLE;
            case 408, 504 -> GeminiException.Kind.TIMEOUT;
            case 401, 403 -> GeminiException.Kind.AUTH;
            case 404 -> GeminiException.Kind.MODEL_NOT_FOUND;
            case 400 -> apiKeyInvalid(e) ? GeminiException.Kind.AUTH : GeminiException.Kind.INVALID_REQUEST;
            case 413 -> GeminiException.Kind.INVALID_REQUEST;
            // UNIMPLEMENTED: the method or feature is not served at all; Google's guidance is not to retry it.
            case 501 -> GeminiException.Kind.UPSTREAM_ERROR;
            default -> status >= 500 ? GeminiException.Kind.UNAVAILABLE : GeminiException.Kind.UPSTREAM_ERROR;
        };
        if (kind == GeminiException.Kind.MODEL_NOT_FOUND) {
            message = "the upstream model " + model + " is not available: " + message;
        }
        String prefix = statusName.isEmpty() ? "HTTP " + status : "HTTP " + status + " " + statusName;
        return new GeminiException(kind, status, prefix + ": " + message, delay);
    }

    /** The {@code error} object, also when Vertex-style proxies wrap the body in an array. */
    private static JsonNode errorObject(JsonNode body) {
        if (body == null) {
            return null;
        }
        JsonNode root = body.isArray() ? body.path(0) : body;
        JsonNode error = root.path("error");
        return error.isObject() ? error : null;
    }

    /** Google answers an invalid key with 400 INVALID_ARGUMENT and an ErrorInfo reason API_KEY_INVALID. */
    private static boolean apiKeyInvalid(JsonNode error) {
        if (error == null) {
            return false;
        }
        for (JsonNode detail : error.path("details")) {
            if ("API_KEY_INVALID".equals(detail.path("reason").asText())) {
                return true;
            }
        }
        return error.path("message").asText("").contains("API key not valid");
    }

    private static Duration retryInfo(JsonNode error) {
        if (error == null) {
            return null;
        }
        for (JsonNode detail : error.path("details")) {
            if (detail.path("@type").asText("").endsWith("google.rpc.RetryInfo") && detail.hasNonNull("retryDelay")) {
                JsonNode delay = detail.get("retryDelay");
                if (delay.isObject()) {
                    // Protobuf's non-JSON-mapped form, as some proxies re-serialise it.
                    return Duration.ofSeconds(delay.path("seconds").asLong(0), delay.path("nanos").asLong(0));
                }
                return parseDuration(delay.asText());
            }
        }
        return null;
    }

    /** Protobuf Duration JSON: "2s", "0.5s", "31.123456s". */
    static Duration parseDuration(String value) {
        try {
            String v = value.trim();
            if (v.endsWith("s")) {
                v = v.substring(0, v.length() - 1);
            }
            double seconds = Double.parseDouble(v);
            return seconds < 0 || Double.isNaN(seconds) || Double.isInfinite(seconds) ? null
                    : Duration.ofMillis(Math.round(seconds * 1000));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Retry-After: delta-seconds or an HTTP-date (RFC 9110). */
    static Duration retryAfter(String header, Instant now) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String v = header.trim();
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration wait = Duration.between(now, at);
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    private static Duration max(Duration a, Duration b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return a.compareTo(b) >= 0 ? a : b;
    }
}
