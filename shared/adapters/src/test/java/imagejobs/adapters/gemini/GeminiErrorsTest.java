package imagejobs.adapters.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import imagejobs.shared.gemini.GeminiException;

class GeminiErrorsTest {
    private static final Instant NOW = Instant.parse("2026-01-10T12:00:00Z");

    private static GeminiException error(int status, String body, String retryAfter) {
        return GeminiErrors.fromResponse(status, body == null ? null : body.getBytes(StandardCharsets.UTF_8),
                retryAfter, "gemini-3-pro-image-preview", NOW);
    }

    private static String google(int code, String status, String message, String details) {
        return "{\"error\":{\"code\":" + code + ",\"message\":\"" + message + "\",\"status\":\"" + status + "\""
                + (details == null ? "" : ",\"details\":" + details) + "}}";
    }

    @ParameterizedTest
    @CsvSource({
            "400, INVALID_ARGUMENT, INVALID_REQUEST, false",
            "400, FAILED_PRECONDITION, INVALID_REQUEST, false",
            "401, UNAUTHENTICATED, AUTH, false",
            "403, PERMISSION_DENIED, AUTH, false",
            "404, NOT_FOUND, MODEL_NOT_FOUND, false",
            "408, DEADLINE_EXCEEDED, TIMEOUT, true",
            "409, ABORTED, UPSTREAM_ERROR, false",
            "413, INVALID_ARGUMENT, INVALID_REQUEST, false",
            "429, RESOURCE_EXHAUSTED, RATE_LIMITED, true",
            "499, CANCELLED, UPSTREAM_ERROR, false",
            "500, INTERNAL, UNAVAILABLE, true",
            "501, UNIMPLEMENTED, UPSTREAM_ERROR, false",
            "502, UNAVAILABLE, UNAVAILABLE, true",
            "503, UNAVAILABLE, UNAVAILABLE, true",
            "504, DEADLINE_EXCEEDED, TIMEOUT, true",
            "599, UNKNOWN, UNAVAILABLE, true"})
    void everyStatusMapsToAKind(int status, String name, GeminiException.Kind kind, boolean retryable) {
        GeminiException e = error(status, google(status, name, "Gemini says no", null), null);
        assertEquals(kind, e.kind());
        assertEquals(retryable, e.kind().retryable());
        assertEquals(status, e.httpStatus());
        assertTrue(e.getMessage().startsWith("HTTP " + status + " " + name + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("Gemini says no"), "Gemini's own message is kept");
    }

    @Test
    void modelNotFoundNamesTheModel() {
        GeminiException e = error(404, google(404, "NOT_FOUND", "models/x is not found", null), null);
        assertTrue(e.getMessage().contains("gemini-3-pro-image-preview"));
    }

    @Test
    void invalidApiKeyIsAnAuthError() {
        String details = "[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"API_KEY_INVALID\","
                + "\"domain\":\"googleapis.com\"}]";
        assertEquals(GeminiException.Kind.AUTH,
                error(400, google(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", details),
                        null).kind());
        assertEquals(GeminiException.Kind.AUTH,
                error(400, google(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", null),
                        null).kind());
    }

    @ParameterizedTest
    @CsvSource({"2s, 2000", "0.5s, 500", "31.123456s, 31123", "0s, 0", "17s, 17000"})
    void retryInfoDelays(String delay, long millis) {
        String details = "[{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":[]},"
                + "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"" + delay + "\"}]";
        GeminiException e = error(429, google(429, "RESOURCE_EXHAUSTED", "quota", details), null);
        assertEquals(Duration.ofMillis(millis), e.retryDelay());
    }

    @Test
    void retryInfoAsAnObject() {
        String details = "[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":{\"seconds\":3,"
                + "\"nanos\":250000000}}]";
        assertEquals(Duration.ofMillis(3250), error(429, google(429, "RESOURCE_EXHAUSTED", "q", details), null)
                .retryDelay());
    }

    @Test
    void retryAfterHeaderSecondsAndDate() {
        assertEquals(Duration.ofSeconds(7), error(503, "{}", "7").retryDelay());
        assertEquals(Duration.ofSeconds(90), error(429, null, "Sat, 10 Jan 2026 12:01:30 GMT").retryDelay());
        assertEquals(Duration.ZERO, error(429, null, "Sat, 10 Jan 2026 11:00:00 GMT").retryDelay(), "past dates");
        assertNull(error(429, null, "soon").retryDelay());
        assertNull(error(429, null, null).retryDelay());
    }

    @Test
    void theLongerOfRetryInfoAndRetryAfterWins() {
        String details = "[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"5s\"}]";
        assertEquals(Duration.ofSeconds(9), error(429, google(429, "RESOURCE_EXHAUSTED", "q", details), "9").retryDelay());
        assertEquals(Duration.ofSeconds(5), error(429, google(429, "RESOURCE_EXHAUSTED", "q", details), "2").retryDelay());
    }

    @Test
    void arrayWrappedBodiesAsSomeProxiesSendThem() {
        GeminiException e = error(429, "[" + google(429, "RESOURCE_EXHAUSTED", "Resource exhausted", null) + "]", null);
        assertEquals(GeminiException.Kind.RATE_LIMITED, e.kind());
        assertTrue(e.getMessage().contains("Resource exhausted"));
    }

    @Test
    void nonJsonBodiesStillMap() {
        GeminiException e = error(502, "<html>bad gateway</html>", null);
        assertEquals(GeminiException.Kind.UNAVAILABLE, e.kind());
        assertEquals("HTTP 502: Gemini answered HTTP 502", e.getMessage());
        assertFalse(error(400, "", null).kind().retryable());
    }

    @Test
    void longMessagesAreCut() {
        GeminiException e = error(400, google(400, "INVALID_ARGUMENT", "x".repeat(5000), null), null);
        assertTrue(e.getMessage().length() < 1100);
    }

    @Test
    void parseDurationRejectsNonsense() {
        assertNull(GeminiErrors.parseDuration("abc"));
        assertNull(GeminiErrors.parseDuration("-1s"));
        assertEquals(Duration.ofSeconds(1), GeminiErrors.parseDuration("1"));
    }
}
