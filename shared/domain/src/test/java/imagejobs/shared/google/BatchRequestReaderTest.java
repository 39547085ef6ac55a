package imagejobs.shared.google;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.config.ConfigurationException;
import imagejobs.shared.errors.Rejection;
import imagejobs.shared.json.Json;

class BatchRequestReaderTest {
    private static final String MODEL = "gemini-2.5-flash-image";
    private final BatchRequestReader reader = new BatchRequestReader(BatchLimits.DEFAULTS);

    /** What google-genai's batches.create sends for two inlined requests (captured from the Java SDK). */
    private static JsonNode sdkBody() {
        return Json.parse("""
                {"batch": {"displayName": "nightly", "inputConfig": {"requests": {"requests": [
                  {"request": {"model": "models/gemini-2.5-flash-image",
                               "contents": [{"role": "user", "parts": [{"text": "a fox"}]}],
                               "generationConfig": {"responseModalities": ["IMAGE"]}},
                   "metadata": {"key": "fox"}},
                  {"request": {"contents": [{"role": "user", "parts": [{"text": "a hare"}]}]}}]}}}}""");
    }

    @Test
    void readsEachRequestWithItsMetadataAndFieldPath() {
        BatchRequest batch = reader.read(sdkBody(), MODEL);

        assertEquals("nightly", batch.displayName());
        assertEquals(2, batch.items().size());
        BatchRequest.Item first = batch.items().get(0);
        assertFalse(first.request().has("model"), "the batch's model is the path's");
        assertEquals("a fox", first.request().at("/contents/0/parts/0/text").asText());
        assertEquals("fox", first.metadata().path("key").asText());
        assertEquals("batch.inputConfig.requests.requests[0].request", first.fieldPrefix());
        assertTrue(batch.items().get(1).metadata().isEmpty());
        assertEquals(1, batch.items().get(1).index());
    }

    @Test
    void aNameIsOptional() {
        assertNull(reader.read(Json.parse("{\"batch\":{\"inputConfig\":{\"requests\":{\"requests\":[{\"request\":"
                + "{\"contents\":[]}}]}}}}"), MODEL).displayName());
    }

    @Test
    void eachWrongShapeNamesItsField() {
        assertRejected("{}", "MISSING_FIELD", "batch");
        assertRejected("{\"batch\":{}}", "MISSING_FIELD", "batch.inputConfig");
        assertRejected("{\"batch\":{\"inputConfig\":{\"fileName\":\"files/abc\"}}}", "UNSUPPORTED_FIELD",
                "batch.inputConfig.fileName");
        assertRejected("{\"batch\":{\"inputConfig\":{\"requests\":{\"requests\":[]}}}}", "MISSING_FIELD",
                "batch.inputConfig.requests.requests");
        assertRejected("{\"batch\":{\"inputConfig\":{\"requests\":{\"requests\":[{\"prompt\":\"x\"}]}}}}",
                "UNKNOWN_FIELD", "batch.inputConfig.requests.requests[0].prompt");
        assertRejected("{\"batch\":{\"inputConfig\":{\"requests\":{\"requests\":[{\"request\":{\"model\":"
                + "\"models/gemini-3-pro-image-preview\"}}]}}}}", "INVALID_FIELD",
                "batch.inputConfig.requests.requests[0].request.model");
        assertRejected("{\"batch\":{\"displayName\":7,\"inputConfig\":{}}}", "INVALID_FIELD", "batch.displayName");
        assertRejected("{\"batch\":{\"webhook\":\"x\"}}", "UNKNOWN_FIELD", "batch.webhook");
    }

    @Test
    void aBatchOverTheLimitSaysHowManyItTakes() {
        BatchRequestReader small = new BatchRequestReader(new BatchLimits(1, 2048, 512));

        Rejection e = assertThrows(Rejection.class, () -> small.read(sdkBody(), MODEL));

        assertEquals(Rejection.Kind.INVALID, e.kind());
        assertEquals("BATCH_TOO_LARGE", e.code());
        assertEquals("a batch takes at most 1 requests; this one has 2: split it", e.getMessage());
        GoogleError error = GoogleErrorBody.fromRejection(400, e);
        assertEquals(400, error.httpStatus());
        assertEquals("batch.inputConfig.requests.requests",
                error.body().at("/error/details/1/fieldViolations/0/field").asText());
    }

    @Test
    void largeMetadataIsRefused() {
        String big = "x".repeat(3000);
        assertRejected("{\"batch\":{\"inputConfig\":{\"requests\":{\"requests\":[{\"request\":{},\"metadata\":"
                + "{\"k\":\"" + big + "\"}}]}}}}", "BATCH_TOO_LARGE", "batch.inputConfig.requests.requests[0].metadata");
    }

    @Test
    void theLimitComesFromTheEnvironment() {
        assertEquals(100, BatchLimits.fromEnvironment(Map.of()).maxRequests());
        assertEquals(500, BatchLimits.fromEnvironment(Map.of("BATCH_MAX_REQUESTS", "500")).maxRequests());
        assertEquals(2048, BatchLimits.fromEnvironment(Map.of()).maxMetadataBytes());
        assertEquals(600, BatchLimits.fromEnvironment(Map.of("BATCH_MAX_REQUESTS", "500")).maxMetadataBytes(),
                "a bigger batch keeps less metadata per request, so its record fits one DynamoDB item");
        assertEquals(300, BatchLimits.fromEnvironment(Map.of("BATCH_MAX_REQUESTS", "1000")).maxMetadataBytes());
        assertThrows(ConfigurationException.class, () -> BatchLimits.fromEnvironment(Map.of("BATCH_MAX_REQUESTS",
                "5000")));
        assertThrows(ConfigurationException.class, () -> BatchLimits.fromEnvironment(Map.of("BATCH_MAX_REQUESTS",
                "many")));
    }

    private void assertRejected(String body, String code, String field) {
        Rejection e = assertThrows(Rejection.class, () -> reader.read(Json.parse(body), MODEL), body);
        assertEquals(Rejection.Kind.INVALID, e.kind(), body);
        assertEquals(code, e.code(), body);
        assertEquals(field, e.field(), body);
    }
}
