package imagejobs.shared.google;

import static imagejobs.shared.google.GoogleFixtures.BUCKET;
import static imagejobs.shared.google.GoogleFixtures.IMAGE_KEY;
import static imagejobs.shared.google.GoogleFixtures.REQUEST_ID;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

class GenerateContentViewTest {
    private static final byte[] PNG = GoogleFixtures.bytes(1000);

    private final GoogleFixtures.Images images = new GoogleFixtures.Images().with(IMAGE_KEY, PNG);

    private GenerateContentView view(long max) {
        return new GenerateContentView(BUCKET, images, key -> null, max);
    }

    @Test
    void aSmallAnswerCarriesTheImageInlineWithItsSignatureAndTheRequestIdAsResponseId() {
        GenerateContentView.Rendered rendered = view(GenerateContentView.MAX_RESPONSE_BYTES)
                .render(REQUEST_ID, GoogleFixtures.outcome(PNG.length), GenerateContentView.ImageMode.INLINE_IF_FITS);

        assertTrue(rendered.inline());
        assertEquals(1, rendered.images());
        JsonNode body = rendered.body();
        JsonNode candidate = body.at("/candidates/0");
        assertEquals("model", candidate.at("/content/role").asText());
        assertEquals("STOP", candidate.path("finishReason").asText());
        assertEquals(0, candidate.path("index").asInt());
        JsonNode parts = candidate.at("/content/parts");
        assertEquals(2, parts.size());
        assertEquals(Json.parse("{\"text\":\"Here is your image\",\"thoughtSignature\":\"c2lnbmF0dXJlLTE=\"}"),
                parts.get(0));
        assertEquals("image/png", parts.get(1).at("/inlineData/mimeType").asText());
        assertArrayEquals(PNG, Base64.getDecoder().decode(parts.get(1).at("/inlineData/data").asText()));
        assertEquals("c2lnbmF0dXJlLTI=", parts.get(1).path("thoughtSignature").asText());
        assertFalse(parts.get(1).has("fileData"));
        assertEquals(REQUEST_ID, body.path("responseId").asText());
        assertEquals("gemini-3-pro-image-preview", body.path("modelVersion").asText());
        assertEquals(Json.parse("""
                {"promptTokenCount": 7, "candidatesTokenCount": 1290, "totalTokenCount": 1297,
                 "candidatesTokensDetails": [{"modality": "IMAGE", "tokenCount": 1290}]}"""),
                body.path("usageMetadata"));
    }

    @Test
    void theSizeEstimateIsExactSoTheLimitIsHeldToTheByte() {
        ObjectNode inline = view(GenerateContentView.MAX_RESPONSE_BYTES).render(REQUEST_ID,
                GoogleFixtures.outcome(PNG.length), GenerateContentView.ImageMode.INLINE_IF_FITS).body();
        long exact = Json.bytes(inline).length;

        assertTrue(view(exact).render(REQUEST_ID, GoogleFixtures.outcome(PNG.length),
                GenerateContentView.ImageMode.INLINE_IF_FITS).inline());
        images.reads.clear();
        GenerateContentView.Rendered tooBig = view(exact - 1).render(REQUEST_ID, GoogleFixtures.outcome(PNG.length),
                GenerateContentView.ImageMode.INLINE_IF_FITS);
        assertFalse(tooBig.inline());
        assertEquals(List.of(), images.reads, "an answer that cannot carry the image never reads it");
    }

    @Test
    void aLargeAnswerPointsAtPresignedUrlsInstead() {
        GenerateContentView.Rendered rendered = view(GenerateContentView.MAX_RESPONSE_BYTES).render(REQUEST_ID,
                GoogleFixtures.outcome(30_000_000), GenerateContentView.ImageMode.INLINE_IF_FITS);

        assertFalse(rendered.inline());
        JsonNode part = rendered.body().at("/candidates/0/content/parts/1");
        assertEquals(Json.parse("{\"fileData\":{\"mimeType\":\"image/png\",\"fileUri\":\"https://example.test/"
                + IMAGE_KEY + "?X-Amz-Signature=secret\"},\"thoughtSignature\":\"c2lnbmF0dXJlLTI=\"}"), part);
        assertEquals(List.of(), images.reads);
        assertEquals(List.of(IMAGE_KEY), images.presigned);
    }

    @Test
    void batchResultsAlwaysUseUrls() {
        GenerateContentView.Rendered rendered = view(GenerateContentView.MAX_RESPONSE_BYTES).render(REQUEST_ID,
                GoogleFixtures.outcome(PNG.length), GenerateContentView.ImageMode.FILE_DATA);

        assertFalse(rendered.inline());
        assertTrue(rendered.body().at("/candidates/0/content/parts/1/fileData/fileUri").asText()
                .startsWith("https://"));
    }

    @Test
    void aConversationSpilledToS3IsReadForItsModelTurn() {
        ObjectNode outcome = GoogleFixtures.outcome(PNG.length);
        JsonNode conversation = outcome.remove("next_turn_contents");
        outcome.put("next_turn_contents_key", "conversations/tenant-a/" + REQUEST_ID + ".json");
        GenerateContentView spilled = new GenerateContentView(BUCKET, images,
                key -> key.equals("conversations/tenant-a/" + REQUEST_ID + ".json") ? conversation : null,
                GenerateContentView.MAX_RESPONSE_BYTES);

        JsonNode parts = spilled.render(REQUEST_ID, outcome, GenerateContentView.ImageMode.INLINE_IF_FITS).body()
                .at("/candidates/0/content/parts");

        assertEquals("c2lnbmF0dXJlLTE=", parts.get(0).path("thoughtSignature").asText());
        assertEquals("c2lnbmF0dXJlLTI=", parts.get(1).path("thoughtSignature").asText());
    }

    @Test
    void withoutAConversationTheOutcomesTextAndImagesStandIn() {
        ObjectNode outcome = GoogleFixtures.outcome(PNG.length);
        outcome.remove("next_turn_contents");

        JsonNode parts = view(GenerateContentView.MAX_RESPONSE_BYTES).render(REQUEST_ID, outcome,
                GenerateContentView.ImageMode.INLINE_IF_FITS).body().at("/candidates/0/content/parts");

        assertEquals("Here is your image", parts.get(0).path("text").asText());
        assertArrayEquals(PNG, Base64.getDecoder().decode(parts.get(1).at("/inlineData/data").asText()));
    }

    @Test
    void aMissingImageFailsRatherThanAnsweringWithoutIt() {
        GenerateContentView empty = new GenerateContentView(BUCKET, new GoogleFixtures.Images(), key -> null,
                GenerateContentView.MAX_RESPONSE_BYTES);

        assertThrows(IllegalStateException.class, () -> empty.render(REQUEST_ID, GoogleFixtures.outcome(PNG.length),
                GenerateContentView.ImageMode.INLINE_IF_FITS));
    }

    @Test
    void anEarlierModelTurnIsNeverTakenForThisAnswer() {
        ObjectNode outcome = (ObjectNode) Json.parse("""
                {"images": [], "text": "no picture today", "finish_reason": "STOP",
                 "next_turn_contents": [
                   {"role": "user", "parts": [{"text": "a fox"}]},
                   {"role": "model", "parts": [{"text": "an earlier answer"}]},
                   {"role": "user", "parts": [{"text": "now describe it"}]},
                   {"role": "user", "parts": [{"text": ""}]}]}""");

        JsonNode parts = view(GenerateContentView.MAX_RESPONSE_BYTES).render(REQUEST_ID, outcome,
                GenerateContentView.ImageMode.INLINE_IF_FITS).body().at("/candidates/0/content/parts");

        assertEquals(1, parts.size());
        assertEquals("no picture today", parts.get(0).path("text").asText());
    }
}
