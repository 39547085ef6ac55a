package imagejobs.local.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/**
 * Multi-turn edits: Gemini 3 image models sign their parts and refuse a later turn whose earlier model images
 * lost or changed their thoughtSignature; the 2.5 models neither sign nor check.
 */
class GeminiSimulatorConversationTest {
    private static final String PRO = "gemini-3-pro-image-preview";
    private static final String FLASH31 = "gemini-3.1-flash-image-preview";
    private static final String FLASH = "gemini-2.5-flash-image";

    private static GeminiSimulator sim;
    private static SimHttp http;

    @BeforeAll
    static void start() {
        sim = GeminiSimulator.start();
        http = new SimHttp(sim.baseUrl());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @Test
    void gemini3SignsEveryPart() {
        for (String model : List.of(PRO, FLASH31)) {
            List<JsonNode> parts = http.generate(model, SimHttp.prompt("a fox")).parts();

            assertEquals(2, parts.size());
            parts.forEach(p -> assertFalse(p.path("thoughtSignature").asText().isEmpty(), model + " " + p));
        }
    }

    @Test
    void gemini25DoesNotSign() {
        http.generate(FLASH, SimHttp.prompt("a fox")).parts()
                .forEach(p -> assertTrue(p.path("thoughtSignature").isMissingNode()));
    }

    @Test
    void secondTurnWithTheExactSignaturesIsAccepted() {
        ObjectNode second = secondTurn(PRO, http.generate(PRO, SimHttp.prompt("a fox")).parts());

        SimHttp.Reply reply = http.generate(PRO, second);

        assertEquals(200, reply.status(), reply.body());
        assertEquals(1, reply.images().size());
    }

    @Test
    void secondTurnAsFileDataWithItsSignatureIsAccepted() {
        // What the worker sends after storing the first image: the model turn's image as a file reference.
        List<JsonNode> parts = http.generate(FLASH31, SimHttp.prompt("a fox")).parts();
        ObjectNode image = Json.object();
        image.putObject("fileData").put("mimeType", "image/jpeg").put("fileUri", "gs://bucket/outputs/0.jpeg");
        image.put("thoughtSignature", parts.get(1).path("thoughtSignature").asText());

        SimHttp.Reply reply = http.generate(FLASH31, secondTurn(FLASH31, List.of(parts.get(0), image)));

        assertEquals(200, reply.status(), reply.body());
    }

    @Test
    void missingSignatureOnAnEarlierImageIsRefused() {
        List<JsonNode> parts = http.generate(PRO, SimHttp.prompt("a fox")).parts();
        ((ObjectNode) parts.get(1)).remove("thoughtSignature");

        SimHttp.Reply reply = http.generate(PRO, secondTurn(PRO, parts));

        assertEquals(400, reply.status());
        assertEquals("INVALID_ARGUMENT", reply.error().path("status").asText());
        assertEquals("Image part is missing a thought_signature in content position 2, part position 2.",
                reply.error().path("message").asText());
    }

    @Test
    void alteredSignatureIsRefused() {
        List<JsonNode> parts = http.generate(PRO, SimHttp.prompt("a fox")).parts();
        String signature = parts.get(1).path("thoughtSignature").asText();
        char flipped = signature.charAt(10) == 'A' ? 'B' : 'A';
        ((ObjectNode) parts.get(1)).put("thoughtSignature",
                signature.substring(0, 10) + flipped + signature.substring(11));

        SimHttp.Reply reply = http.generate(PRO, secondTurn(PRO, parts));

        assertEquals(400, reply.status());
        assertEquals("Corrupted thought signature.", reply.error().path("message").asText());
    }

    @Test
    void signatureFromAnotherSimulatorIsRefusedUnlessTheySharetheSecret() {
        List<JsonNode> parts = http.generate(PRO, SimHttp.prompt("a fox")).parts();
        try (GeminiSimulator other = GeminiSimulator.start()) {
            assertEquals(400, new SimHttp(other.baseUrl()).generate(PRO, secondTurn(PRO, parts)).status());
        }

        GeminiSimulatorConfig shared = GeminiSimulatorConfig.defaults().withSignatureSecret("local-stack");
        List<JsonNode> signed;
        try (GeminiSimulator first = GeminiSimulator.start(shared)) {
            signed = new SimHttp(first.baseUrl()).generate(PRO, SimHttp.prompt("a fox")).parts();
        }
        try (GeminiSimulator restarted = GeminiSimulator.start(shared)) {
            assertEquals(200, new SimHttp(restarted.baseUrl()).generate(PRO, secondTurn(PRO, signed)).status());
        }
    }

    @Test
    void gemini25IgnoresMissingSignatures() {
        List<JsonNode> parts = http.generate(FLASH, SimHttp.prompt("a fox")).parts();

        assertEquals(200, http.generate(FLASH, secondTurn(FLASH, parts)).status());
    }

    @Test
    void textOnlyModelTurnNeedsNoSignature() {
        ObjectNode body = SimHttp.prompt("hello");
        ArrayNode contents = (ArrayNode) body.path("contents");
        contents.addObject().put("role", "model").putArray("parts").addObject().put("text", "hi, what shall I draw?");
        contents.addObject().put("role", "user").putArray("parts").addObject().put("text", "a fox");

        assertEquals(200, http.generate(PRO, body).status());
    }

    /** [user: prompt] [model: the first answer's parts] [user: an edit], as the worker builds it. */
    private static ObjectNode secondTurn(String model, List<JsonNode> modelParts) {
        ObjectNode body = SimHttp.prompt("a fox");
        ArrayNode contents = (ArrayNode) body.path("contents");
        ArrayNode parts = contents.addObject().put("role", "model").putArray("parts");
        modelParts.forEach(parts::add);
        contents.addObject().put("role", "user").putArray("parts").addObject().put("text", "make it blue");
        return body;
    }
}
