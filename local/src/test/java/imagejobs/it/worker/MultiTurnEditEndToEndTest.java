package imagejobs.it.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.it.ServiceStack;
import imagejobs.shared.json.Json;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A three-turn edit on gemini-3-pro-image-preview through the API, as a client does it: each turn sends back the
 * previous job's {@code next_turn_contents} with the new instruction written into its trailing empty user turn.
 * Gemini must receive every earlier image inline (the bytes of our S3 objects) with its thoughtSignature exactly as
 * Gemini sent it (the simulator, like Gemini 3, refuses an edit whose signatures are missing or altered), and the jobs
 * table must never hold the image data.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MultiTurnEditEndToEndTest {
    private static final String MODEL = "gemini-3-pro-image-preview";

    @Test
    void threeTurnsCarryTheEarlierImagesInlineWithTheirExactSignatures() {
        WorkerStack.Tenant tenant = WorkerStack.tenant("wturns");
        List<String> instructions = List.of(WorkerStack.marker("a red bicycle"), WorkerStack.marker("make it blue"),
                WorkerStack.marker("add a basket"));
        List<String> ids = new ArrayList<>();
        JsonNode previous = null;
        for (int turn = 0; turn < 3; turn++) {
            ObjectNode body = Json.object().put("model", MODEL);
            if (previous == null) {
                body.set("payload", Json.object().put("prompt", instructions.get(0)).put("aspect_ratio", "1:1")
                        .put("image_size", "1K"));
            } else {
                ArrayNode contents = previous.at("/outcome/next_turn_contents").deepCopy();
                JsonNode template = contents.get(contents.size() - 1);
                assertEquals("user", template.path("role").asText());
                assertEquals("", template.at("/parts/0/text").asText("missing"), "an empty user turn to fill in");
                ((ObjectNode) template.path("parts").get(0)).put("text", instructions.get(turn));
                ObjectNode payload = body.putObject("payload");
                payload.set("contents", contents);
                payload.putObject("generationConfig").putObject("imageConfig").put("aspectRatio", "1:1")
                        .put("imageSize", "1K");
            }
            String id = WorkerStack.submit(tenant, body);
            ids.add(id);
            JsonNode job = WorkerStack.awaitTerminal(tenant, id);
            assertEquals("success", job.path("status").asText(), job::toString);

            // The call of this turn: the only one that mentions its instruction.
            List<JsonNode> calls = ServiceStack.simulatorCalls(instructions.get(turn));
            assertEquals(1, calls.size(), "one upstream call for turn " + (turn + 1));
            JsonNode upstream = calls.get(0).at("/body/contents");
            if (previous != null) {
                assertCarriesTheConversation(previous.at("/outcome/next_turn_contents"), instructions.get(turn),
                        upstream);
            }
            assertEquals(2 * turn + 1, upstream.size(), upstream::toString);
            assertEquals(turn, inlineImages(upstream), "every earlier image went upstream inline");

            JsonNode next = job.at("/outcome/next_turn_contents");
            assertEquals(2 * turn + 3, next.size(), "earlier turns, the model's turn and an empty user turn");
            JsonNode modelTurn = next.get(next.size() - 2);
            assertEquals("model", modelTurn.path("role").asText());
            boolean signedImage = false;
            for (JsonNode part : modelTurn.path("parts")) {
                if (part.has("fileData")) {
                    assertEquals(job.at("/outcome/images/0/s3_uri").asText(), part.at("/fileData/fileUri").asText());
                    signedImage = !part.path("thoughtSignature").asText("").isEmpty();
                }
            }
            assertTrue(signedImage, "the model's image keeps its thoughtSignature: " + modelTurn);
            previous = job;
        }

        // The jobs table holds references and signatures, never image bytes.
        var stack = WorkerStack.stack();
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        stack.dynamoDb().scanPaginator(r -> r.tableName(stack.tableName("JobsTable"))).items().forEach(item -> {
            if (item.containsKey("tenant") && tenant.name().equals(item.get("tenant").s())) {
                items.add(item);
            }
        });
        assertEquals(3, items.size());
        for (Map<String, AttributeValue> item : items) {
            assertTrue(ids.contains(item.get("request_id").s()));
            assertFalse(WorkerStack.holdsImageData(item), "no base64 image data in " + item.get("request_id").s());
            assertTrue(item.toString().length() < 64 * 1024, "a small item: " + item.toString().length() + " chars");
        }
    }

    /**
     * The upstream contents are the conversation sent back: same turns and parts (the empty template parts
     * dropped), the new instruction last, our s3:// images as inlineData with the objects' bytes, every text and
     * thoughtSignature byte for byte.
     */
    private static void assertCarriesTheConversation(JsonNode sent, String instruction, JsonNode upstream) {
        assertEquals(sent.size(), upstream.size(), upstream::toString);
        for (int t = 0; t < sent.size(); t++) {
            JsonNode sentTurn = sent.get(t);
            JsonNode upstreamTurn = upstream.get(t);
            assertEquals(sentTurn.path("role").asText(), upstreamTurn.path("role").asText());
            List<JsonNode> sentParts = new ArrayList<>();
            for (JsonNode part : sentTurn.path("parts")) {
                boolean emptyText = part.has("text") && part.path("text").asText().isEmpty();
                boolean emptyFile = part.has("fileData") && part.at("/fileData/fileUri").asText().isEmpty();
                if (!emptyText && !emptyFile) {
                    sentParts.add(part);
                }
            }
            if (t == sent.size() - 1) {
                assertEquals(List.of(), sentParts, "the template turn was empty when we received it");
                assertEquals(1, upstreamTurn.path("parts").size());
                assertEquals(instruction, upstreamTurn.at("/parts/0/text").asText());
                continue;
            }
            assertEquals(sentParts.size(), upstreamTurn.path("parts").size(), upstreamTurn::toString);
            for (int p = 0; p < sentParts.size(); p++) {
                JsonNode s = sentParts.get(p);
                JsonNode u = upstreamTurn.path("parts").get(p);
                if (s.has("text")) {
                    assertEquals(s.path("text").asText(), u.path("text").asText());
                }
                if (s.has("fileData")) {
                    assertFalse(u.has("fileData"), "our s3:// reference was inlined");
                    String uri = s.at("/fileData/fileUri").asText();
                    String key = uri.substring(("s3://" + ServiceStack.bucket() + "/").length());
                    assertEquals(s.at("/fileData/mimeType").asText(), u.at("/inlineData/mimeType").asText());
                    assertArrayEquals(WorkerStack.object(key),
                            Base64.getDecoder().decode(u.at("/inlineData/data").asText()),
                            "the inline bytes are the stored image " + key);
                }
                if (s.has("thoughtSignature")) {
                    assertArrayEquals(s.path("thoughtSignature").asText().getBytes(StandardCharsets.UTF_8),
                            u.path("thoughtSignature").asText("").getBytes(StandardCharsets.UTF_8),
                            "thoughtSignature of turn " + t + " part " + p);
                } else {
                    assertFalse(u.has("thoughtSignature"), u::toString);
                }
            }
        }
    }

    private static int inlineImages(JsonNode contents) {
        int n = 0;
        for (JsonNode turn : contents) {
            for (JsonNode part : turn.path("parts")) {
                if (part.has("inlineData")) {
                    n++;
                }
            }
        }
        return n;
    }
}
