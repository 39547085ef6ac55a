package imagejobs.shared.google;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.catalog.ModelCatalog;

class ModelsViewTest {
    private final ModelCatalog catalog = ModelCatalog.load();
    private final ModelsView view = new ModelsView(catalog);

    @Test
    void aModelHasGooglesNameLimitsAndMethods() {
        GoogleReply reply = view.get("models/gemini-3-pro-image-preview");

        assertEquals(200, reply.httpStatus());
        JsonNode model = reply.body();
        assertEquals("models/gemini-3-pro-image-preview", model.path("name").asText());
        assertEquals("gemini-3-pro-image-preview", model.path("baseModelId").asText());
        assertEquals("Gemini 3 Pro Image Preview", model.path("displayName").asText());
        assertEquals(65536, model.path("inputTokenLimit").asInt());
        assertEquals(32768, model.path("outputTokenLimit").asInt(), "from the catalog's max_output_tokens");
        assertEquals("[\"generateContent\",\"streamGenerateContent\",\"batchGenerateContent\"]",
                model.path("supportedGenerationMethods").toString());
        assertFalse(model.has("upstream_model"), "the upstream id stays private");
        assertEquals(model, view.get("gemini-3-pro-image-preview").body(), "the bare id works too");
    }

    @Test
    void anUnknownModelIs404WithTheModelsWeServe() {
        GoogleReply reply = view.get("models/gemini-0-image");

        assertInstanceOf(GoogleReply.Failed.class, reply);
        assertEquals(404, reply.httpStatus());
        JsonNode error = reply.body().path("error");
        assertEquals("NOT_FOUND", error.path("status").asText());
        assertEquals("UNKNOWN_MODEL", error.at("/details/0/reason").asText());
        assertTrue(error.path("message").asText().contains("gemini-2.5-flash-image"), error.toString());
    }

    @Test
    void aListIsTheWholeCatalogWithoutATokenOnItsLastPage() {
        JsonNode body = view.list(null, null).body();

        assertEquals(catalog.ids().size(), body.path("models").size());
        assertFalse(body.has("nextPageToken"), "a present token, even empty, makes the SDKs' pagers ask again");
    }

    @Test
    void pagesFollowTheirTokenToTheEnd() {
        List<String> names = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            JsonNode body = view.list("1", token).body();
            body.path("models").forEach(m -> names.add(m.path("name").asText()));
            token = body.has("nextPageToken") ? body.path("nextPageToken").asText() : null;
            pages++;
        } while (token != null && pages < 20);

        assertEquals(catalog.ids().stream().map(id -> "models/" + id).toList(), names);
        assertEquals(catalog.ids().size(), pages);
    }

    @Test
    void aTokenWeDidNotIssueOrABadPageSizeIsA400NamingTheParameter() {
        GoogleReply token = view.list(null, "not-a-token");
        assertEquals(400, token.httpStatus());
        assertEquals("pageToken", token.body().at("/error/details/1/fieldViolations/0/field").asText());

        GoogleReply size = view.list("-3", null);
        assertEquals(400, size.httpStatus());
        assertEquals("pageSize", size.body().at("/error/details/1/fieldViolations/0/field").asText());
        assertEquals("INVALID_ARGUMENT", size.body().at("/error/status").asText());
    }
}
