package imagejobs.local.gemini;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/** Requests Gemini refuses are refused here the same way: status, status name and a message naming the field. */
class GeminiSimulatorValidationTest {
    private static final String FLASH = "gemini-2.5-flash-image";
    private static final String PRO = "gemini-3-pro-image-preview";
    private static final String FLASH31 = "gemini-3.1-flash-image-preview";

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
    void unknownModelIsGeminisNotFound() {
        SimHttp.Reply reply = http.generate("gemini-9-ultra-image", SimHttp.prompt("x"));

        assertEquals(404, reply.status());
        assertEquals(404, reply.error().path("code").asInt());
        assertEquals("NOT_FOUND", reply.error().path("status").asText());
        assertTrue(reply.error().path("message").asText().startsWith(
                "models/gemini-9-ultra-image is not found for API version v1beta, or is not supported for"
                        + " generateContent."), reply.body());
    }

    @Test
    void unsupportedAspectRatio() {
        SimHttp.Reply reply = http.generate(FLASH, SimHttp.prompt("x", "1:4", null));

        assertInvalid(reply, "1:4");
        assertEquals("generation_config.image_config.aspect_ratio",
                reply.error().path("details").path(0).path("fieldViolations").path(0).path("field").asText());
    }

    @Test
    void extraRatiosOfFlash31AreAccepted() {
        assertEquals(200, http.generate(FLASH31, SimHttp.prompt("x", "8:1", "512")).status());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1k", "0.5K", "8K", "512"})
    void sizesMustBeSpelledAsGeminiSpellsThem(String size) {
        // 512 is fine for 3.1 Flash but not for 3 Pro; 1k and 0.5K are our aliases, never Gemini's spelling.
        assertInvalid(http.generate(PRO, SimHttp.prompt("x", "1:1", size)), size);
    }

    @Test
    void rolesAreUserOrModel() {
        ObjectNode body = SimHttp.prompt("x");
        ((ObjectNode) body.path("contents").path(0)).put("role", "assistant");

        assertInvalid(http.generate(FLASH, body), "Please use a valid role: user, model.");
    }

    @Test
    void missingRoleIsAUserTurn() {
        ObjectNode body = Json.object();
        body.putArray("contents").addObject().putArray("parts").addObject().put("text", "no role");

        assertEquals(200, http.generate(FLASH, body).status());
    }

    @Test
    void emptyContents() {
        ObjectNode body = Json.object();
        body.putArray("contents");

        assertInvalid(http.generate(FLASH, body), "contents is not specified");
        assertInvalid(http.generate(FLASH, Json.object()), "contents is not specified");
    }

    @Test
    void contentWithoutParts() {
        ObjectNode body = Json.object();
        body.putArray("contents").addObject().put("role", "user").putArray("parts");

        assertInvalid(http.generate(FLASH, body), "contents.parts must not be empty");
    }

    @Test
    void partWithoutData() {
        ObjectNode body = SimHttp.prompt("x");
        SimHttp.parts(body, 0).addObject();

        assertInvalid(http.generate(FLASH, body), "required oneof field 'data'");
    }

    @Test
    void partWithTwoKindsOfData() {
        ObjectNode body = Json.object();
        ObjectNode part = body.putArray("contents").addObject().putArray("parts").addObject().put("text", "x");
        part.putObject("fileData").put("fileUri", "gs://bucket/a.png").put("mimeType", "image/png");

        assertInvalid(http.generate(FLASH, body), "Oneof field 'data' is already set");
    }

    @Test
    void badBase64() {
        ObjectNode body = SimHttp.prompt("x");
        SimHttp.parts(body, 0).addObject().putObject("inlineData").put("mimeType", "image/png")
                .put("data", "not base64 at all!");

        SimHttp.Reply reply = http.generate(FLASH, body);

        assertInvalid(reply, "Base64 decoding failed");
        assertTrue(reply.error().path("message").asText().contains("contents[0].parts[1].inline_data.data"));
    }

    @Test
    void inlineDataThatIsNoImage() {
        ObjectNode body = SimHttp.prompt("x");
        SimHttp.parts(body, 0).addObject().putObject("inlineData").put("mimeType", "image/png")
                .put("data", java.util.Base64.getEncoder().encodeToString("<html>oops</html>".getBytes()));

        assertInvalid(http.generate(FLASH, body), "Unable to process input image");
    }

    @Test
    void unsupportedInputMimeType() {
        ObjectNode body = SimHttp.prompt("x");
        SimHttp.parts(body, 0).addObject().putObject("inlineData").put("mimeType", "image/bmp")
                .put("data", SimHttp.smallPngBase64());

        assertInvalid(http.generate(FLASH, body), "Unsupported MIME type: image/bmp");
    }

    @Test
    void unknownTopLevelField() {
        ObjectNode body = SimHttp.prompt("x");
        body.put("prompt", "x");

        assertInvalid(http.generate(FLASH, body), "Unknown name \"prompt\": Cannot find field.");
    }

    @Test
    void unknownGenerationConfigField() {
        ObjectNode body = SimHttp.prompt("x");
        body.putObject("generationConfig").put("aspectRatio", "16:9");

        assertInvalid(http.generate(FLASH, body),
                "Unknown name \"aspectRatio\" at 'generation_config': Cannot find field.");
    }

    @Test
    void unknownImageConfigField() {
        ObjectNode body = SimHttp.prompt("x", "1:1", null);
        ((ObjectNode) body.path("generationConfig").path("imageConfig")).put("quality", "high");

        assertInvalid(http.generate(FLASH, body), "Unknown name \"quality\"");
    }

    @Test
    void bothSpellingsOfOneFieldAreADuplicate() {
        ObjectNode body = SimHttp.prompt("x");
        body.putObject("generationConfig");
        body.putObject("generation_config");

        assertInvalid(http.generate(FLASH, body), "Duplicate field");
    }

    @Test
    void unknownModality() {
        ObjectNode body = SimHttp.prompt("x");
        body.putObject("generationConfig").putArray("responseModalities").add("VIDEO");

        assertInvalid(http.generate(FLASH, body), "response_modalities[0]");
    }

    @Test
    void snakeCaseBodiesAreAccepted() {
        ObjectNode body = Json.object();
        ObjectNode content = body.putArray("contents").addObject().put("role", "user");
        content.putArray("parts").addObject().put("text", "snake please");
        SimHttp.parts(body, 0).addObject().putObject("inline_data").put("mime_type", "image/png")
                .put("data", SimHttp.smallPngBase64());
        SimHttp.parts(body, 0).addObject().putObject("file_data").put("mime_type", "image/jpeg")
                .put("file_uri", "https://generativelanguage.googleapis.com/v1beta/files/abc123");
        ObjectNode config = body.putObject("generation_config");
        config.putArray("response_modalities").add("TEXT").add("IMAGE");
        config.putObject("image_config").put("aspect_ratio", "9:16").put("image_size", "2K");
        config.put("temperature", 0.4).put("top_p", 0.9);
        body.putObject("system_instruction").putArray("parts").addObject().put("text", "be brief");
        body.putArray("safety_settings").addObject().put("category", "HARM_CATEGORY_HARASSMENT")
                .put("threshold", "BLOCK_ONLY_HIGH");

        SimHttp.Reply reply = http.generate(PRO, body);

        assertEquals(200, reply.status(), reply.body());
        assertArrayEquals(new int[] {1536, 2752}, SimHttp.dimensions(SimHttp.imageBytes(reply.images().get(0))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3://bucket/key.png", "http://example.com/a.png", "file:///etc/passwd",
            "https://example.com/a.png", "https://generativelanguage.googleapis.com/v1beta/models"})
    void fileUrisGeminiWouldNotFetchAreRefused(String uri) {
        ObjectNode body = SimHttp.prompt("x");
        SimHttp.parts(body, 0).addObject().putObject("fileData").put("mimeType", "image/png").put("fileUri", uri);

        assertInvalid(http.generate(FLASH, body), "unsupported file uri");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://generativelanguage.googleapis.com/v1beta/files/abc-123", "gs://bucket/a.png"})
    void filesApiAndGcsUrisAreAcceptedWithoutFetching(String uri) {
        ObjectNode body = SimHttp.prompt("x");
        SimHttp.parts(body, 0).addObject().putObject("fileData").put("mimeType", "image/png").put("fileUri", uri);

        assertEquals(200, http.generate(FLASH, body).status());
    }

    @Test
    void bodyThatIsNotJson() {
        SimHttp.Reply reply = http.send(http.request("/v1beta/models/" + FLASH + ":generateContent")
                .POST(HttpRequest.BodyPublishers.ofString("{not json")).build());

        assertInvalid(reply, "Invalid JSON payload received");
    }

    @Test
    void wrongTypeIsAnInvalidValue() {
        ObjectNode body = Json.object();
        body.putArray("contents").addObject().putArray("parts").addObject().put("text", 42);

        assertInvalid(http.generate(FLASH, body), "Invalid value at 'contents[0].parts[0].text'");
    }

    @Test
    void bodyOverTheLimitIsRefused() {
        try (GeminiSimulator small = GeminiSimulator.start(GeminiSimulatorConfig.defaults().withMaxRequestBytes(1000))) {
            ObjectNode body = SimHttp.prompt("x".repeat(2000));

            SimHttp.Reply reply = new SimHttp(small.baseUrl()).generate(FLASH, body);

            assertInvalid(reply, "Request payload size exceeds the limit: 1000 bytes.");
        }
    }

    @Test
    void unknownDirectiveIsRefusedSoTypoesShow() {
        assertInvalid(http.generate(FLASH, SimHttp.prompt("x [sim:stauts=429]")), "[sim:stauts=429]");
        assertInvalid(http.generate(FLASH, SimHttp.prompt("x [sim:status=418]")), "supported statuses");
    }

    private static void assertInvalid(SimHttp.Reply reply, String messagePart) {
        assertEquals(400, reply.status(), reply.body());
        JsonNode error = reply.error();
        assertEquals(400, error.path("code").asInt());
        assertEquals("INVALID_ARGUMENT", error.path("status").asText());
        assertTrue(error.path("message").asText().toLowerCase().contains(messagePart.toLowerCase()),
                "message should mention '" + messagePart + "': " + error.path("message").asText());
    }
}
