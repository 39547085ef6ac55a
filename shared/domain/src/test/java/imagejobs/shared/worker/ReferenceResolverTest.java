package imagejobs.shared.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

import imagejobs.shared.image.TestImages;
import imagejobs.shared.json.Json;
import imagejobs.testing.InMemoryObjectStore;

class ReferenceResolverTest {
    private static final Set<String> TYPES = Set.of("image/png", "image/jpeg", "image/webp");
    private final InMemoryObjectStore store = new InMemoryObjectStore();
    private final AtomicInteger fetches = new AtomicInteger();
    private final byte[] jpeg = TestImages.jpeg(30, 20);
    private final UrlFetcher fetcher = url -> {
        fetches.incrementAndGet();
        if (url.contains("bad")) {
            throw new ReferenceException("reference " + Redact.url(url) + " answered HTTP 404");
        }
        return new UrlFetcher.Fetched(jpeg, "image/jpeg");
    };
    private final ReferenceResolver resolver = new ReferenceResolver(store, fetcher);

    private static JsonNode contents(String json) {
        return Json.parse(json);
    }

    @Test
    void ownObjectsAndUrlsBecomeInlineDataKeepingSignatures() throws ReferenceException {
        byte[] png = TestImages.png(10, 10);
        store.put("outputs/t1/R1/0.png", png, "image/png", Map.of());
        ArrayNode resolved = resolver.resolve("t1", contents("[{\"role\":\"user\",\"parts\":[{\"text\":\"a cat\"}]},"
                + "{\"role\":\"model\",\"parts\":[{\"fileData\":{\"mimeType\":\"image/png\",\"fileUri\":"
                + "\"s3://images-bucket/outputs/t1/R1/0.png\"},\"thoughtSignature\":\"sig/+=\"}]},"
                + "{\"role\":\"user\",\"parts\":[{\"text\":\"add a hat\"},{\"fileData\":{\"mimeType\":\"image/png\","
                + "\"fileUri\":\"https://images.example.test/hat.jpg?token=1\"}}]}]"), TYPES);
        JsonNode model = resolved.get(1).get("parts").get(0);
        assertFalse(model.has("fileData"));
        assertEquals("image/png", model.get("inlineData").get("mimeType").asText());
        assertArrayEquals(png, Base64.getDecoder().decode(model.get("inlineData").get("data").asText()));
        assertEquals("sig/+=", model.get("thoughtSignature").asText());
        JsonNode url = resolved.get(2).get("parts").get(1);
        assertEquals("image/jpeg", url.get("inlineData").get("mimeType").asText(), "the real type, not the declared");
        assertEquals("a cat", resolved.get(0).get("parts").get(0).get("text").asText());
    }

    @Test
    void snakeCasePartsAndEmptyPlaceholdersAreNormalised() throws ReferenceException {
        store.put("inputs/t1/R0/0.png", TestImages.png(4, 4), "image/png", Map.of());
        ArrayNode resolved = resolver.resolve("t1", contents("[{\"role\":\"user\",\"parts\":["
                + "{\"file_data\":{\"mime_type\":\"image/png\",\"file_uri\":\"s3://images-bucket/inputs/t1/R0/0.png\"},"
                + "\"thought_signature\":\"s\"},{\"text\":\"\"},{\"fileData\":{\"mimeType\":\"image/png\",\"fileUri\":\"\"}},"
                + "{\"text\":\"go\"}]},{\"role\":\"user\",\"parts\":[{\"text\":\"\"}]}]"), TYPES);
        assertEquals(1, resolved.size(), "the empty template turn is dropped");
        JsonNode parts = resolved.get(0).get("parts");
        assertEquals(2, parts.size());
        assertTrue(parts.get(0).has("inlineData"));
        assertEquals("s", parts.get(0).get("thoughtSignature").asText());
        assertEquals("go", parts.get(1).get("text").asText());
    }

    @Test
    void filesApiUrisPassThrough() throws ReferenceException {
        String uri = "https://generativelanguage.googleapis.com/v1beta/files/abc123";
        ArrayNode resolved = resolver.resolve("t1", contents("[{\"role\":\"user\",\"parts\":[{\"fileData\":"
                + "{\"mimeType\":\"image/png\",\"fileUri\":\"" + uri + "\"}}]}]"), TYPES);
        assertEquals(uri, resolved.get(0).get("parts").get(0).get("fileData").get("fileUri").asText());
        assertEquals(0, fetches.get());
    }

    @Test
    void anotherTenantsObjectIsNotOurs() {
        store.put("outputs/t2/R1/0.png", TestImages.png(4, 4), "image/png", Map.of());
        for (String uri : List.of("s3://images-bucket/outputs/t2/R1/0.png", "s3://other-bucket/outputs/t1/R1/0.png",
                "s3://images-bucket/outputs/t1/../t2/R1/0.png", "s3://images-bucket/conversations/t1/x.json",
                "s3://images-bucket/outputs/t10/R1/0.png")) {
            ReferenceException e = assertThrows(ReferenceException.class, () -> resolver.resolve("t1",
                    contents("[{\"role\":\"user\",\"parts\":[{\"fileData\":{\"fileUri\":\"" + uri + "\"}}]}]"), TYPES));
            assertTrue(e.getMessage().contains(uri) && e.getMessage().contains("not an object of this account"),
                    e.getMessage());
        }
    }

    @Test
    void unusableReferencesNameTheReference() {
        store.put("inputs/t1/R/0.png", "plain text".getBytes(), "image/png", Map.of());
        store.put("inputs/t1/R/1.gif", TestImages.gif(4, 4), "image/gif", Map.of());
        Map<String, String> cases = Map.of(
                "s3://images-bucket/inputs/t1/R/missing.png", "does not exist",
                "s3://images-bucket/inputs/t1/R/0.png", "is not a PNG",
                "s3://images-bucket/inputs/t1/R/1.gif", "image/gif, which this model does not accept",
                "https://bad.example.test/x.png?sig=secret", "https://bad.example.test/x.png?… answered HTTP 404",
                "gs://bucket/x.png", "reference gs://bucket/x.png is a Cloud Storage URI",
                "http://images.example.test/x.png", "must be an https:// URL");
        cases.forEach((uri, expected) -> {
            ReferenceException e = assertThrows(ReferenceException.class, () -> resolver.resolve("t1",
                    contents("[{\"role\":\"user\",\"parts\":[{\"fileData\":{\"fileUri\":\"" + uri + "\"}}]}]"), TYPES));
            assertTrue(e.getMessage().contains(expected), uri + " → " + e.getMessage());
            assertFalse(e.getMessage().contains("secret"));
        });
    }

    @Test
    void eachUrlIsFetchedOnceAndTheTotalIsCapped() throws ReferenceException {
        String part = "{\"fileData\":{\"fileUri\":\"https://images.example.test/a.jpg\"}}";
        resolver.resolve("t1", contents("[{\"role\":\"user\",\"parts\":[" + part + "," + part + "]}]"), TYPES);
        assertEquals(1, fetches.get());

        byte[] big = new byte[6 * 1024 * 1024];
        System.arraycopy(TestImages.png(2, 2), 0, big, 0, 40);
        for (int i = 0; i < 3; i++) {
            store.put("inputs/t1/R/" + i + ".png", big, "image/png", Map.of());
        }
        StringBuilder parts = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            parts.append(i == 0 ? "" : ",").append("{\"fileData\":{\"fileUri\":\"s3://images-bucket/inputs/t1/R/")
                    .append(i).append(".png\"}}");
        }
        ReferenceException e = assertThrows(ReferenceException.class, () -> resolver.resolve("t1",
                contents("[{\"role\":\"user\",\"parts\":[" + parts + "]}]"), TYPES));
        assertTrue(e.getMessage().contains("20 MB"), e.getMessage());
    }
}
