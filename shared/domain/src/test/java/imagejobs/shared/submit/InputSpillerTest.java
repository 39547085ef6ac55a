package imagejobs.shared.submit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;
import imagejobs.testing.InMemoryObjectStore;

/** Inline images leave the request for S3; what else a part carries stays with it. */
class InputSpillerTest {
    private final InMemoryObjectStore store = new InMemoryObjectStore("b");
    private final InputSpiller spiller = new InputSpiller(store);

    @Test
    void inlineImagesBecomeReferencesAndKeepTheirSignature() {
        String jpeg = TestImages.b64(TestImages.jpeg());
        ObjectNode request = (ObjectNode) Json.parse("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a\"}]},"
                + "{\"role\":\"model\",\"parts\":[{\"inlineData\":{\"mimeType\":\"image/jpeg\",\"data\":\"" + jpeg
                + "\"},\"thoughtSignature\":\"c2ln\"}]},{\"role\":\"user\",\"parts\":[{\"text\":\"b\"}]}]}");

        ObjectNode spilled = spiller.spill("t1", "R1", request);

        assertEquals("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a\"}]},{\"role\":\"model\",\"parts\":"
                + "[{\"fileData\":{\"mimeType\":\"image/jpeg\",\"fileUri\":\"s3://b/inputs/t1/R1/0.jpg\"},"
                + "\"thoughtSignature\":\"c2ln\"}]},{\"role\":\"user\",\"parts\":[{\"text\":\"b\"}]}]}",
                Json.write(spilled));
        assertArrayEquals(TestImages.jpeg(), store.get("inputs/t1/R1/0.jpg").orElseThrow().bytes());
        assertEquals("R1", store.get("inputs/t1/R1/0.jpg").orElseThrow().metadata().get("request-id"));
        // The validated request is left as it was.
        assertEquals(jpeg, request.at("/contents/1/parts/0/inlineData/data").asText());
    }

    @Test
    void aRequestTooLargeForTheJobItemGoesToS3() {
        ObjectNode small = (ObjectNode) Json.parse("{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}]}");
        assertNull(spiller.storeRequest("t1", "R1", small).key());

        ObjectNode large = (ObjectNode) Json.parse("{\"contents\":[{\"parts\":[{\"text\":\""
                + "x".repeat(InputSpiller.MAX_INLINE_REQUEST_BYTES) + "\"}]}]}");
        InputSpiller.StoredRequest stored = spiller.storeRequest("t1", "R2", large);
        assertNull(stored.inline());
        assertEquals("inputs/t1/R2/request.json", stored.key());
        assertEquals("application/json", store.get(stored.key()).orElseThrow().contentType());
    }
}
