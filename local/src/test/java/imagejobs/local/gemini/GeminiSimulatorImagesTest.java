package imagejobs.local.gemini;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.catalog.ModelSpec;
import imagejobs.shared.json.Json;

/** What a successful answer looks like: real images of the catalog's sizes, text, usage and ids. */
class GeminiSimulatorImagesTest {
    private static final ModelCatalog CATALOG = ModelCatalog.load();
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

    static Stream<Arguments> everyRatioOfFlash25() {
        return spec("gemini-2.5-flash-image").aspectRatios().stream().map(r -> Arguments.of("gemini-2.5-flash-image",
                r, "1K"));
    }

    static Stream<Arguments> everyRatioOfFlash31At512() {
        return spec("gemini-3.1-flash-image-preview").aspectRatios().stream()
                .map(r -> Arguments.of("gemini-3.1-flash-image-preview", r, "512"));
    }

    /** Every size of both Gemini 3 models at 16:9: the two 4K cases share one 5504x3072 encoding. */
    static Stream<Arguments> everySizeOfGemini3() {
        Stream<Arguments> pro = spec("gemini-3-pro-image-preview").imageSizes().stream()
                .map(s -> Arguments.of("gemini-3-pro-image-preview", "16:9", s));
        Stream<Arguments> flash = spec("gemini-3.1-flash-image-preview").imageSizes().stream()
                .map(s -> Arguments.of("gemini-3.1-flash-image-preview", "16:9", s));
        return Stream.concat(pro, flash);
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource({"everyRatioOfFlash25", "everyRatioOfFlash31At512", "everySizeOfGemini3"})
    void answersTheCatalogResolutionInTheModelsFormat(String model, String ratio, String size) {
        SimHttp.Reply reply = http.generate(model, SimHttp.prompt("a lighthouse", ratio, size));

        assertEquals(200, reply.status(), reply.body());
        ModelSpec spec = spec(model);
        List<JsonNode> images = reply.images();
        assertEquals(1, images.size());
        assertEquals(spec.outputMimeType(), images.get(0).path("inlineData").path("mimeType").asText());
        byte[] bytes = SimHttp.imageBytes(images.get(0));
        if (spec.outputMimeType().equals("image/png")) {
            assertTrue(SimHttp.isPng(bytes), "PNG magic bytes");
        } else {
            assertTrue(SimHttp.isJpeg(bytes), "JPEG magic bytes");
        }
        assertArrayEquals(spec.resolution(ratio, size).orElseThrow(), SimHttp.dimensions(bytes),
                model + " " + ratio + " " + size);
    }

    @Test
    void fourKJpegIsRealisticallyLargeAndDecodes() throws IOException {
        SimHttp.Reply reply = http.generate("gemini-3-pro-image-preview",
                SimHttp.prompt("a city at night", "16:9", "4K"));

        byte[] bytes = SimHttp.imageBytes(reply.images().get(0));
        assertTrue(bytes.length > 2_000_000, "a 4K JPEG of several MB, was " + bytes.length);
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(bytes));
        assertNotNull(decoded);
        assertEquals(5504, decoded.getWidth());
        assertEquals(3072, decoded.getHeight());
    }

    @Test
    void pngDecodesFully() throws IOException {
        SimHttp.Reply reply = http.generate("gemini-2.5-flash-image", SimHttp.prompt("a boat", "3:2", null));

        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(SimHttp.imageBytes(reply.images().get(0))));
        assertEquals(1248, decoded.getWidth());
        assertEquals(832, decoded.getHeight());
    }

    @Test
    void defaultsToSquareAtTheModelsDefaultSize() {
        SimHttp.Reply reply = http.generate("gemini-3-pro-image-preview", SimHttp.prompt("a square default"));

        assertArrayEquals(new int[] {1024, 1024}, SimHttp.dimensions(SimHttp.imageBytes(reply.images().get(0))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"4K", "2K", "1k", "whatever"})
    void flash25IgnoresImageSizeAsUpstreamDoes(String size) {
        SimHttp.Reply reply = http.generate("gemini-2.5-flash-image", SimHttp.prompt("ignored size", "16:9", size));

        assertEquals(200, reply.status(), reply.body());
        assertArrayEquals(new int[] {1344, 768}, SimHttp.dimensions(SimHttp.imageBytes(reply.images().get(0))));
    }

    @Test
    void answersLikeGeminiAroundTheImage() {
        SimHttp.Reply reply = http.generate("gemini-3.1-flash-image-preview",
                SimHttp.prompt("a red kite", "4:3", "1K"));

        JsonNode json = reply.json();
        JsonNode candidate = json.path("candidates").path(0);
        assertEquals("STOP", candidate.path("finishReason").asText());
        assertEquals(0, candidate.path("index").asInt(-1));
        assertEquals("model", candidate.path("content").path("role").asText());
        assertEquals("gemini-3.1-flash-image-preview", json.path("modelVersion").asText());
        assertTrue(json.path("responseId").asText().matches("[A-Za-z0-9_-]{23}"), json.path("responseId").asText());
        assertTrue(reply.headers().firstValue("content-type").orElse("").startsWith("application/json"));

        JsonNode usage = json.path("usageMetadata");
        assertEquals(1120, usage.path("candidatesTokensDetails").path(0).path("tokenCount").asInt());
        assertEquals("IMAGE", usage.path("candidatesTokensDetails").path(0).path("modality").asText());
        assertTrue(usage.path("candidatesTokenCount").asInt() > 1120, "image plus text tokens");
        assertEquals("TEXT", usage.path("promptTokensDetails").path(0).path("modality").asText());
        assertEquals(usage.path("promptTokenCount").asInt() + usage.path("candidatesTokenCount").asInt()
                + usage.path("thoughtsTokenCount").asInt(), usage.path("totalTokenCount").asInt());
    }

    @Test
    void inputImagesCountTowardsPromptTokens() {
        ObjectNode body = SimHttp.prompt("make it blue");
        SimHttp.parts(body, 0).addObject().putObject("inlineData")
                .put("mimeType", "image/png").put("data", SimHttp.smallPngBase64());

        JsonNode usage = http.generate("gemini-2.5-flash-image", body).json().path("usageMetadata");

        assertEquals(SimulatedAnswers.TOKENS_PER_INPUT_IMAGE,
                usage.path("promptTokensDetails").path(1).path("tokenCount").asInt());
        assertEquals(1290, usage.path("candidatesTokensDetails").path(0).path("tokenCount").asInt());
    }

    @Test
    void textAndImageByDefault() {
        List<JsonNode> parts = http.generate("gemini-2.5-flash-image", SimHttp.prompt("a tree")).parts();

        assertEquals(2, parts.size());
        assertTrue(parts.get(0).path("text").asText().contains("a tree"));
        assertTrue(parts.get(1).has("inlineData"));
    }

    @Test
    void imageOnlyWhenOnlyImageIsAsked() {
        ObjectNode body = SimHttp.prompt("a tree");
        body.putObject("generationConfig").putArray("responseModalities").add("IMAGE");

        List<JsonNode> parts = http.generate("gemini-2.5-flash-image", body).parts();

        assertEquals(1, parts.size());
        assertTrue(parts.get(0).has("inlineData"));
    }

    @Test
    void textOnlyWhenOnlyTextIsAsked() {
        ObjectNode body = SimHttp.prompt("a tree");
        body.putObject("generationConfig").putArray("responseModalities").add("TEXT");

        SimHttp.Reply reply = http.generate("gemini-2.5-flash-image", body);

        assertEquals(200, reply.status());
        assertTrue(reply.images().isEmpty());
        assertFalse(reply.parts().get(0).path("text").asText().isEmpty());
    }

    @Test
    void sameSizeIsTheSameCachedImage() {
        String first = SimHttp.imageBytes(http.generate("gemini-3-pro-image-preview",
                SimHttp.prompt("one", "2:3", "1K")).images().get(0)).length + "";
        String second = SimHttp.imageBytes(http.generate("gemini-3-pro-image-preview",
                SimHttp.prompt("two", "2:3", "1K")).images().get(0)).length + "";

        assertEquals(first, second);
    }

    @Test
    void servesSixtyFourConcurrentCalls() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            calls.add(http.client.sendAsync(http.request("/v1beta/models/gemini-3.1-flash-image-preview:generateContent")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(SimHttp.prompt("crowd " + i, "1:1", "1K"))))
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }

        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> response = call.get(30, TimeUnit.SECONDS);
            assertEquals(200, response.statusCode());
            SimHttp.Reply reply = new SimHttp.Reply(200, response.headers(), response.body());
            assertArrayEquals(new int[] {1024, 1024}, SimHttp.dimensions(SimHttp.imageBytes(reply.images().get(0))));
        }
    }

    private static ModelSpec spec(String id) {
        return CATALOG.find(id).orElseThrow();
    }
}
