package imagejobs.local.gemini;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.genai.Client;
import com.google.genai.errors.ClientException;
import com.google.genai.errors.ServerException;
import com.google.genai.types.Blob;
import com.google.genai.types.Content;
import com.google.genai.types.FinishReason;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;
import com.google.genai.types.ImageConfig;
import com.google.genai.types.Part;

/**
 * Google's own Java SDK (google-genai) reads the simulator's answers and sends requests it accepts: the proof
 * that the simulator speaks Gemini's wire format rather than our idea of it.
 */
class GoogleGenAiSdkCompatibilityTest {
    private static final String KEY = "sdk-key";

    private static GeminiSimulator sim;
    private static SimHttp http;
    private static Client client;

    @BeforeAll
    static void start() {
        sim = GeminiSimulator.start(GeminiSimulatorConfig.defaults().withApiKey(KEY));
        http = new SimHttp(sim.baseUrl());
        client = Client.builder()
                .apiKey(KEY)
                .httpOptions(HttpOptions.builder()
                        .baseUrl(sim.baseUrl())
                        .retryOptions(HttpRetryOptions.builder().attempts(1))
                        .build())
                .build();
    }

    @AfterAll
    static void stop() {
        client.close();
        sim.close();
    }

    @Test
    void sdkParsesARawAnswer() {
        SimHttp.Reply reply = http.generate("gemini-3-pro-image-preview",
                SimHttp.prompt("a harbour", "3:2", "1K"), "x-goog-api-key", KEY);

        GenerateContentResponse response = GenerateContentResponse.fromJson(reply.body());

        assertEquals(FinishReason.Known.STOP, response.finishReason().knownEnum());
        assertEquals("gemini-3-pro-image-preview", response.modelVersion().orElseThrow());
        assertEquals(reply.json().path("responseId").asText(), response.responseId().orElseThrow());
        assertTrue(response.parts().get(0).text().orElseThrow().startsWith("Here is your image"));
        Blob image = imagePart(response.parts()).inlineData().orElseThrow();
        assertEquals("image/jpeg", image.mimeType().orElseThrow());
        assertArrayEquals(new int[] {1264, 848}, SimHttp.dimensions(image.data().orElseThrow()));
        assertTrue(imagePart(response.parts()).thoughtSignature().orElseThrow().length > 0);
        var usage = response.usageMetadata().orElseThrow();
        assertEquals(reply.json().path("usageMetadata").path("totalTokenCount").asInt(),
                usage.totalTokenCount().orElseThrow());
        assertEquals(1120, usage.candidatesTokensDetails().orElseThrow().get(0).tokenCount().orElseThrow());
    }

    @Test
    void sdkParsesABlockedPrompt() {
        String body = http.generate("gemini-2.5-flash-image", SimHttp.prompt("[sim:block=SAFETY]"),
                "x-goog-api-key", KEY).body();

        GenerateContentResponse response = GenerateContentResponse.fromJson(body);

        assertEquals("SAFETY", response.promptFeedback().orElseThrow().blockReason().orElseThrow().toString());
        assertTrue(response.candidates().isEmpty());
    }

    @Test
    void sdkCallsTheSimulatorEndToEnd() {
        GenerateContentConfig config = GenerateContentConfig.builder()
                .responseModalities("TEXT", "IMAGE")
                .imageConfig(ImageConfig.builder().aspectRatio("16:9").build())
                .build();

        GenerateContentResponse response = client.models.generateContent("gemini-2.5-flash-image", "a cat",
                config);

        byte[] png = imagePart(response.parts()).inlineData().orElseThrow().data().orElseThrow();
        assertTrue(SimHttp.isPng(png));
        assertArrayEquals(new int[] {1344, 768}, SimHttp.dimensions(png));
        JsonNode sent = sim.requests().get(sim.requests().size() - 1);
        assertEquals(KEY, sent.path("headers").path("x-goog-api-key").asText());
        assertEquals("16:9", sent.path("body").path("generationConfig").path("imageConfig").path("aspectRatio")
                .asText());
    }

    @Test
    void sdkCallsTheSimulatorOnV1() {
        try (Client v1 = Client.builder().apiKey(KEY).httpOptions(HttpOptions.builder()
                .baseUrl(sim.baseUrl())
                .apiVersion("v1")
                .retryOptions(HttpRetryOptions.builder().attempts(1))
                .build()).build()) {
            GenerateContentResponse response = v1.models.generateContent("gemini-2.5-flash-image", "a cat", null);

            assertTrue(SimHttp.isPng(imagePart(response.parts()).inlineData().orElseThrow().data().orElseThrow()));
            JsonNode sent = sim.requests().get(sim.requests().size() - 1);
            assertEquals("/v1/models/gemini-2.5-flash-image:generateContent", sent.path("path").asText());

            ClientException unknown = assertThrows(ClientException.class,
                    () -> v1.models.generateContent("no-such-model", "a cat", null));
            assertEquals(404, unknown.code());
            assertTrue(unknown.getMessage().contains("API version v1,"), unknown.getMessage());
        }
    }

    @Test
    void sdkRoundTripsThoughtSignaturesForAnEdit() {
        String model = "gemini-3.1-flash-image-preview";
        Content ask = Content.builder().role("user").parts(Part.fromText("a lighthouse")).build();
        GenerateContentResponse first = client.models.generateContent(model, ask, null);
        Content answer = first.candidates().orElseThrow().get(0).content().orElseThrow();
        Content edit = Content.builder().role("user").parts(Part.fromText("now at night")).build();

        GenerateContentResponse second = client.models.generateContent(model, List.of(ask, answer, edit), null);

        assertTrue(imagePart(second.parts()).inlineData().isPresent());
    }

    @Test
    void sdkSeesGeminiErrors() {
        ClientException quota = assertThrows(ClientException.class,
                () -> client.models.generateContent("gemini-2.5-flash-image", "x [sim:status=429]", null));
        assertEquals(429, quota.code());
        assertEquals("RESOURCE_EXHAUSTED", quota.status());
        assertEquals(1, sim.requests().stream().filter(r -> r.path("body").toString().contains("status=429"))
                .count(), "one call, no SDK retries");

        ServerException overloaded = assertThrows(ServerException.class,
                () -> client.models.generateContent("gemini-2.5-flash-image", "x [sim:status=503]", null));
        assertEquals(503, overloaded.code());

        ClientException unknown = assertThrows(ClientException.class,
                () -> client.models.generateContent("gemini-0-image", "x", null));
        assertEquals(404, unknown.code());
    }

    @Test
    void sdkSeesTheQuotaAnswerAsGemini429() {
        try (GeminiSimulator limited = GeminiSimulator.start(GeminiSimulatorConfig.defaults().withApiKey(KEY)
                .withQuotas(SimQuotas.of("gemini-2.5-flash-image:1", null)));
             Client quotaClient = Client.builder().apiKey(KEY).httpOptions(HttpOptions.builder()
                     .baseUrl(limited.baseUrl()).retryOptions(HttpRetryOptions.builder().attempts(1)).build())
                     .build()) {
            quotaClient.models.generateContent("gemini-2.5-flash-image", "first", null);

            ClientException quota = assertThrows(ClientException.class,
                    () -> quotaClient.models.generateContent("gemini-2.5-flash-image", "second", null));

            assertEquals(429, quota.code());
            assertEquals("RESOURCE_EXHAUSTED", quota.status());
            assertTrue(quota.getMessage().contains("Please retry in"), quota.getMessage());
            assertEquals(1, limited.stats().path("models").path("gemini-2.5-flash-image").path("throttled_rpm")
                    .asInt(), "one refused call, no SDK retries");
        }
    }

    private static Part imagePart(List<Part> parts) {
        return parts.stream().filter(p -> p.inlineData().isPresent()).findFirst()
                .orElseThrow(() -> new AssertionError("no image part in " + parts));
    }
}
