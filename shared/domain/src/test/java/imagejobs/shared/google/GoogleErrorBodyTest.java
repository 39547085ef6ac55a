package imagejobs.shared.google;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.errors.Rejection;
import imagejobs.shared.json.Json;

class GoogleErrorBodyTest {

    @Test
    void aFieldErrorBecomesInvalidArgumentWithItsCodeAndFieldViolation() {
        GoogleError error = GoogleErrorBody.fromRejection(400, Rejection.invalid("UNSUPPORTED_IMAGE_SIZE",
                "imageSize '8K' is not supported by gemini-3-pro-image-preview; supported: 1K, 2K, 4K",
                "generationConfig.imageConfig.imageSize"));

        assertEquals(400, error.httpStatus());
        assertEquals(Json.parse("""
                {"error": {"code": 400,
                  "message": "imageSize '8K' is not supported by gemini-3-pro-image-preview; supported: 1K, 2K, 4K",
                  "status": "INVALID_ARGUMENT",
                  "details": [
                    {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "UNSUPPORTED_IMAGE_SIZE",
                     "domain": "imagejobs"},
                    {"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [
                      {"field": "generationConfig.imageConfig.imageSize",
                       "description": "imageSize '8K' is not supported by gemini-3-pro-image-preview; supported: 1K, 2K, 4K",
                       "reason": "UNSUPPORTED_IMAGE_SIZE"}]}]}}
                """), error.body());
        assertEquals(Optional.empty(), error.retryAfterHeader());
    }

    @Test
    void anUnknownModelIsNotFoundAsAtGoogle() {
        GoogleError error = GoogleErrorBody.fromRejection(400, Rejection.invalid("UNKNOWN_MODEL",
                "unknown model 'gemini-0-image'", "model"));

        assertEquals(404, error.httpStatus());
        assertEquals(404, error.body().at("/error/code").asInt());
        assertEquals("NOT_FOUND", error.body().at("/error/status").asText());
        assertEquals("UNKNOWN_MODEL", error.body().at("/error/details/0/reason").asText());
    }

    @Test
    void aRateLimitCarriesRetryInfoAndTheHeaderAgrees() {
        GoogleError error = GoogleErrorBody.fromRejection(429, new Rejection(Rejection.Kind.RATE_LIMITED,
                "RATE_LIMITED", "60 submits per minute used up", null, Duration.ofSeconds(37), Map.of()));

        JsonNode details = error.body().at("/error/details");
        assertEquals("RESOURCE_EXHAUSTED", error.body().at("/error/status").asText());
        assertEquals(2, details.size(), "ErrorInfo and RetryInfo, no field violation");
        assertEquals("type.googleapis.com/google.rpc.RetryInfo", details.get(1).path("@type").asText());
        assertEquals("37s", details.get(1).path("retryDelay").asText());
        assertEquals(Optional.of("37"), error.retryAfterHeader());
    }

    @Test
    void aRefusalsDetailsBecomeErrorInfoMetadata() {
        GoogleError error = GoogleErrorBody.fromRejection(409, new Rejection(Rejection.Kind.CONFLICT,
                "NOT_CANCELLABLE", "request 01J... already succeeded", null, null,
                Map.of("current_status", "succeeded")));

        assertEquals(409, error.httpStatus());
        assertEquals("ABORTED", error.body().at("/error/status").asText());
        assertEquals("NOT_CANCELLABLE", error.body().at("/error/details/0/reason").asText());
        assertEquals("succeeded", error.body().at("/error/details/0/metadata/current_status").asText());
        assertEquals(1, error.body().at("/error/details").size(), "no field, no wait: ErrorInfo only");
    }

    @Test
    void fractionalWaitsKeepTheirFractionAndTheHeaderRoundsUp() {
        GoogleError error = GoogleErrorBody.builder(429, "slow down").retryAfter(Duration.ofMillis(1500)).build();

        assertEquals("1.5s", error.body().at("/error/details/0/retryDelay").asText());
        assertEquals(Optional.of("2"), error.retryAfterHeader());
        assertEquals("0.000000001s", GoogleErrorBody.protoDuration(Duration.ofNanos(1)));
    }

    @Test
    void aDeadlineCarriesTheRequestIdAndWhereToPoll() {
        GoogleError error = GoogleErrorBody.builder(GoogleStatus.DEADLINE_EXCEEDED,
                        "the image is not ready after 25 s; request 01J9 goes on: poll /v1/requests/01J9")
                .reason("SYNC_WAIT_EXCEEDED")
                .requestId("01J9")
                .metadata("poll_url", "https://api.example/v1/requests/01J9")
                .help("poll the job", "https://api.example/v1/requests/01J9")
                .build();

        assertEquals(504, error.httpStatus());
        assertEquals(Json.parse("""
                {"error": {"code": 504,
                  "message": "the image is not ready after 25 s; request 01J9 goes on: poll /v1/requests/01J9",
                  "status": "DEADLINE_EXCEEDED",
                  "details": [
                    {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SYNC_WAIT_EXCEEDED",
                     "domain": "imagejobs",
                     "metadata": {"request_id": "01J9", "poll_url": "https://api.example/v1/requests/01J9"}},
                    {"@type": "type.googleapis.com/google.rpc.RequestInfo", "requestId": "01J9"},
                    {"@type": "type.googleapis.com/google.rpc.Help",
                     "links": [{"description": "poll the job", "url": "https://api.example/v1/requests/01J9"}]}]}}
                """), error.body());
    }

    @Test
    void eachHttpStatusGetsGooglesCanonicalName() {
        assertEquals(GoogleStatus.UNAUTHENTICATED, GoogleStatus.forHttpStatus(401));
        assertEquals(GoogleStatus.PERMISSION_DENIED, GoogleStatus.forHttpStatus(403));
        assertEquals(GoogleStatus.NOT_FOUND, GoogleStatus.forHttpStatus(404));
        assertEquals(GoogleStatus.ABORTED, GoogleStatus.forHttpStatus(409));
        assertEquals(GoogleStatus.INVALID_ARGUMENT, GoogleStatus.forHttpStatus(413));
        assertEquals(GoogleStatus.RESOURCE_EXHAUSTED, GoogleStatus.forHttpStatus(429));
        assertEquals(GoogleStatus.INTERNAL, GoogleStatus.forHttpStatus(500));
        assertEquals(GoogleStatus.UNAVAILABLE, GoogleStatus.forHttpStatus(503));
        assertEquals(GoogleStatus.DEADLINE_EXCEEDED, GoogleStatus.forHttpStatus(504));
        assertEquals(3, GoogleStatus.INVALID_ARGUMENT.rpcCode());
        assertEquals(16, GoogleStatus.UNAUTHENTICATED.rpcCode());
    }

    @Test
    void anErrorWithoutCodeHasNoDetails() {
        GoogleError error = GoogleErrorBody.builder(401, "no API key").build();

        assertEquals("UNAUTHENTICATED", error.body().at("/error/status").asText());
        assertFalse(error.body().path("error").has("details"));
        assertTrue(error.body().path("error").path("code").isInt());
    }
}
