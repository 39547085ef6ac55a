package imagejobs.shared.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.errors.Rejection;
import imagejobs.shared.json.Json;

class ModelQueriesTest {
    private final ModelCatalog catalog = ModelCatalog.load();
    private final ModelQueries models = new ModelQueries(catalog);

    @Test
    void listsEveryCatalogModelInOrder() {
        JsonNode data = models.list().path("data");
        List<String> ids = new ArrayList<>();
        data.forEach(m -> ids.add(m.path("id").asText()));
        assertEquals(catalog.ids(), ids);
        assertTrue(ids.contains("gemini-2.5-flash-image") && ids.contains("gemini-3-pro-image-preview"));
    }

    @Test
    void oneModelShowsItsCapabilities() {
        JsonNode model = models.get("gemini-3.1-flash-image-preview");
        assertEquals("gemini-3.1-flash-image-preview", model.path("id").asText());
        assertEquals("model", model.path("object").asText());
        JsonNode caps = model.path("capabilities");
        assertTrue(contains(caps.path("aspect_ratios"), "1:8") && contains(caps.path("aspect_ratios"), "16:9"));
        assertTrue(contains(caps.path("image_sizes"), "4K"));
        assertEquals(14, caps.path("max_reference_images").asInt());
        assertTrue(caps.path("input_mime_types").size() > 0);
        assertTrue(caps.path("tokens_per_image").size() > 0);
        assertEquals("image/jpeg", caps.path("output_mime_type").asText());
    }

    @Test
    void oneModelAlsoCarriesGooglesModelFieldsForTheJava2Sdk() {
        JsonNode model = models.get("gemini-3-pro-image-preview");
        assertEquals("gemini-3-pro-image-preview", model.path("id").asText());
        assertEquals("models/gemini-3-pro-image-preview", model.path("name").asText());
        assertEquals("gemini-3-pro-image-preview", model.path("baseModelId").asText());
        assertEquals("Gemini 3 Pro Image Preview", model.path("displayName").asText());
        assertEquals(model.path("display_name"), model.path("displayName"));
        assertEquals(32768, model.path("outputTokenLimit").asInt());
        assertEquals(model.at("/capabilities/max_input_tokens").asInt(), model.path("inputTokenLimit").asInt());
        assertTrue(contains(model.path("supportedGenerationMethods"), "generateContent"));
    }

    @Test
    void theListIsBothOurDataAndGooglesModelsWithoutAPageToken() {
        JsonNode body = models.list();
        assertEquals(body.path("data"), body.path("models"));
        assertEquals(catalog.ids().size(), body.path("models").size());
        body.path("models").forEach(m -> assertEquals("models/" + m.path("id").asText(), m.path("name").asText()));
        assertFalse(body.has("nextPageToken"));
    }

    @Test
    void theUpstreamIdStaysPrivate() {
        String body = Json.write(models.list());
        catalog.all().forEach(m -> {
            if (!m.upstreamModel().equals(m.id())) {
                assertFalse(body.contains("\"" + m.upstreamModel() + "\""), m.upstreamModel());
            }
        });
        assertFalse(body.contains("upstream"));
    }

    @Test
    void anUnknownModelIs404NamingTheKnownOnes() {
        Rejection e = assertThrows(Rejection.class, () -> models.get("gemini-9"));
        assertEquals(Rejection.Kind.NOT_FOUND, e.kind());
        assertEquals("NOT_FOUND", e.code());
        assertTrue(e.getMessage().contains("gemini-9") && e.getMessage().contains("gemini-2.5-flash-image"),
                e.getMessage());
    }

    private static boolean contains(JsonNode array, String value) {
        for (JsonNode n : array) {
            if (n.asText().equals(value)) {
                return true;
            }
        }
        return false;
    }
}
