package imagejobs.shared.gemini;

import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Gemini's error answers ({@code {"error":{"code","message","status","details"}}}) mapped to what the worker does
 * about them. The wait before retrying a 429 is the RetryInfo detail's {@code retryDelay} (or a Retry-After
 * header); the longer of the two wins.
 */
public final class GeminiErrors {
    private GeminiErrors() {
    }

    public static GeminiException fromResponse(int status, byte[] body, String retryAfterHeader, String model) {
        JsonNode error = GeminiClient.parseQuietly(body);
        JsonNode e = error == null ? null : error.path("error");
        String message = e != null && e.hasNonNull("message") ? e.get("message").asText()
                : "Gemini answered HTTP " + status;
        String statusName = e != null ? e.path("status").asText("") : "";
        Duration delay = max(retryInfo(e), retryAfter(retryAfterHeader));
        GeminiException.Kind kind = switch (status) {
            case 429 -> GeminiException.Kind.RATE_LIMITED;
            case 500, 502, 503 -> GeminiException.Kind.UNAVAILABLE;
            case 504 -> GeminiException.Kind.TIMEOUT;
            case 401, 403 -> GeminiException.Kind.AUTH;
            case 404 -> GeminiException.Kind.MODEL_NOT_FOUND;
            case 400 -> apiKeyInvalid(e) ? GeminiException.Kind.AUTH : GeminiException.Kind.INVALID_REQUEST;
            default -> status >= 500 ? GeminiException.Kind.UNAVAILABLE : GeminiException.Kind.UPSTREAM_ERROR;
        };
        if (kind == GeminiException.Kind.MODEL_NOT_FOUND) {
            message = "the upstream model " + model + " is not available: " + message;
        }
        String prefix = statusName.isEmpty() ? "HTTP " + status : "HTTP " + status + " " + statusName;
        return new GeminiException(kind, status, prefix + ": " + message, delay);
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
                return parseDuration(detail.get("retryDelay").asText());
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
            return Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Duration retryAfter(String header) {
        if (header == null) {
            return null;
        }
        try {
            return Duration.ofSeconds(Long.parseLong(header.trim()));
        } catch (NumberFormatException e) {
            return null; // HTTP-date form: rare for Gemini; the backoff still applies
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
