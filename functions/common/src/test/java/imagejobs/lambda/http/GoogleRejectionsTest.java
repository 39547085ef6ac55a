package imagejobs.lambda.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.errors.Rejection;
import imagejobs.shared.json.Json;

class GoogleRejectionsTest {

    /** Every kind of refusal: the /v1 answer's HTTP status, Google's status name, our code as ErrorInfo's reason. */
    @ParameterizedTest
    @CsvSource({
            "INVALID, INVALID_ASPECT_RATIO, 400, INVALID_ARGUMENT",
            "UNAUTHENTICATED, UNAUTHENTICATED, 401, UNAUTHENTICATED",
            "FORBIDDEN, KEY_DISABLED, 403, PERMISSION_DENIED",
            "NOT_FOUND, NOT_FOUND, 404, NOT_FOUND",
            "CONFLICT, IDEMPOTENCY_CONFLICT, 409, ABORTED",
            "TOO_LARGE, PAYLOAD_TOO_LARGE, 413, INVALID_ARGUMENT",
            "RATE_LIMITED, RATE_LIMITED, 429, RESOURCE_EXHAUSTED",
            "UNAVAILABLE, SERVICE_UNAVAILABLE, 503, UNAVAILABLE"})
    void everyKindIsGooglesErrorWithTheSameHttpStatus(Rejection.Kind kind, String code, int http, String status) {
        ApiResponse response = GoogleRejections.response(new Rejection(kind, code, "what was wrong", null));
        assertEquals(http, response.status());
        assertEquals(RejectionResponses.status(kind), response.status(), "the /v1 answer's status");
        JsonNode error = Json.parse(response.body()).path("error");
        assertEquals(http, error.path("code").asInt());
        assertEquals(status, error.path("status").asText());
        assertEquals("what was wrong", error.path("message").asText());
        assertEquals("type.googleapis.com/google.rpc.ErrorInfo", error.at("/details/0/@type").asText());
        assertEquals(code, error.at("/details/0/reason").asText());
        assertEquals("imagejobs", error.at("/details/0/domain").asText());
        assertNull(response.headers().get("retry-after"));
    }

    @ParameterizedTest
    @CsvSource({"RATE_LIMITED, RATE_LIMITED, 429", "UNAVAILABLE, SERVICE_UNAVAILABLE, 503"})
    void aWaitIsRetryAfterAndRetryInfo(Rejection.Kind kind, String code, int http) {
        ApiResponse response = GoogleRejections.response(new Rejection(kind, code, "come back later", null,
                Duration.ofSeconds(37), Map.of()));
        assertEquals(http, response.status());
        assertEquals("37", response.headers().get("retry-after"));
        JsonNode details = Json.parse(response.body()).at("/error/details");
        boolean retryInfo = false;
        for (JsonNode detail : details) {
            if (detail.path("@type").asText().endsWith("google.rpc.RetryInfo")) {
                assertEquals("37s", detail.path("retryDelay").asText());
                retryInfo = true;
            }
        }
        assertEquals(true, retryInfo, details.toString());
    }

    @ParameterizedTest
    @CsvSource({"generationConfig.imageConfig.aspectRatio"})
    void aFieldIsABadRequestViolation(String field) {
        ApiResponse response = GoogleRejections.response(new Rejection(Rejection.Kind.INVALID,
                "UNSUPPORTED_ASPECT_RATIO", "aspectRatio '1:4' is not supported", field));
        JsonNode details = Json.parse(response.body()).at("/error/details");
        JsonNode violation = details.get(1).path("fieldViolations").get(0);
        assertEquals("type.googleapis.com/google.rpc.BadRequest", details.get(1).path("@type").asText());
        assertEquals(field, violation.path("field").asText());
        assertEquals("UNSUPPORTED_ASPECT_RATIO", violation.path("reason").asText());
        assertFalse(response.body().contains("imagejobs.shared"), "no class names");
    }
}
