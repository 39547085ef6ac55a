package imagejobs.it.submit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.local.gemini.GeminiSimulator;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.json.Json;
import imagejobs.shared.submit.InputSpiller;
import imagejobs.shared.validation.CanonicalRequest;
import imagejobs.shared.validation.ImageReferences;
import imagejobs.shared.validation.RequestValidator;
import imagejobs.shared.worker.ReferenceResolver;
import imagejobs.shared.worker.UrlFetcher;
import imagejobs.testing.InMemoryObjectStore;

/**
 * The contract between submit and Gemini, checked with the Gemini simulator (which validates a body the way
 * Gemini does): every seed example, validated, spilled to S3 as submit stores it and resolved as the worker resolves
 * it, is a request Gemini accepts, and the body Gemini receives is the canonical request with every image inlined.
 */
class CanonicalRequestSimulatorIntegrationTest {
    private static final String BUCKET = "imagejobs-images-it";
    private static final String TENANT = "tenant-it";
    private static final ModelCatalog CATALOG = ModelCatalog.load();
    private static GeminiSimulator simulator;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() {
        simulator = GeminiSimulator.start();
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    static Stream<SeedRequests> seeds() {
        return SeedRequests.all(BUCKET, TENANT).stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("seeds")
    void geminiAcceptsTheCanonicalRequestWithImagesInlined(SeedRequests seed) throws Exception {
        RequestValidator validator = new RequestValidator(CATALOG, new ImageReferences(BUCKET));
        CanonicalRequest canonical = seed.route().equals(SeedRequests.REQUEST_QUEUE)
                ? validator.validateRequestQueue(seed.body(), TENANT)
                : validator.validateNative(seed.model(), seed.body(), TENANT);
        assertEquals(Json.write(seed.canonical()), Json.write(canonical.gemini()));

        // Stored as submit stores it, resolved as the worker resolves it.
        InMemoryObjectStore bucket = new InMemoryObjectStore(BUCKET);
        Map<String, byte[]> web = new HashMap<>();
        seed.canonical().findValues("fileUri").forEach(uri -> serve(uri.asText(), bucket, web));
        ObjectNode stored = new InputSpiller(bucket).spill(TENANT, "01JTESTREQUEST0000000000IT", canonical.gemini());
        ObjectNode upstream = stored.deepCopy();
        upstream.set("contents", new ReferenceResolver(bucket, url -> new UrlFetcher.Fetched(web.get(url), null))
                .resolve(TENANT, stored.path("contents"), Set.copyOf(canonical.model().inputMimeTypes())));

        simulator.clearRequests();
        String upstreamModel = canonical.model().upstreamModel();
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                        URI.create(simulator.baseUrl() + "/v1beta/models/" + upstreamModel + ":generateContent"))
                .header("content-type", "application/json").header("x-goog-api-key", "it-key")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(upstream))).timeout(Duration.ofSeconds(30))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(200, response.statusCode(), response.body());
        JsonNode received = simulator.requests().get(0).path("body");
        assertEquals(Json.write(expectedUpstream(seed.canonical(), bucket, web)), Json.write(received));
        assertFalse(Json.write(received).contains("fileData"), "every image is inlined");
        boolean wantsImage = !seed.canonical().at("/generationConfig/responseModalities").isArray()
                || seed.canonical().at("/generationConfig/responseModalities").toString().contains("IMAGE");
        if (wantsImage) {
            assertTrue(response.body().contains("\"inlineData\""), "Gemini answered with an image");
        }
    }

    /** The canonical request with each image reference replaced by inlineData of the bytes it names. */
    private static ObjectNode expectedUpstream(ObjectNode canonical, InMemoryObjectStore bucket, Map<String, byte[]> web) {
        ObjectNode copy = canonical.deepCopy();
        for (JsonNode turn : copy.path("contents")) {
            for (JsonNode part : turn.path("parts")) {
                JsonNode file = part.get("fileData");
                if (file == null) {
                    continue;
                }
                String uri = file.path("fileUri").asText();
                byte[] bytes = uri.startsWith("s3://") ? bucket.objects.get(uri.substring(("s3://" + BUCKET + "/")
                        .length())).bytes() : web.get(uri);
                String mime = imagejobs.shared.image.ImageHeaders.sniff(bytes).orElseThrow();
                ObjectNode rebuilt = Json.object();
                rebuilt.putObject("inlineData").put("mimeType", mime)
                        .put("data", Base64.getEncoder().encodeToString(bytes));
                part.fields().forEachRemaining(e -> {
                    if (!e.getKey().equals("fileData")) {
                        rebuilt.set(e.getKey(), e.getValue());
                    }
                });
                ((ObjectNode) part).removeAll();
                ((ObjectNode) part).setAll(rebuilt);
            }
        }
        return copy;
    }

    /** Puts an image where a reference of the fixture points: our bucket for s3://, a "web" map for https://. */
    private static void serve(String uri, InMemoryObjectStore bucket, Map<String, byte[]> web) {
        String format = uri.endsWith(".jpg") ? "jpg" : uri.endsWith(".gif") ? "gif" : "png";
        byte[] bytes = uri.endsWith(".webp") ? SeedRequests.webp() : SeedRequests.image(format, Color.ORANGE);
        if (uri.startsWith("s3://")) {
            String key = uri.substring(("s3://" + BUCKET + "/").length());
            bucket.put(key, bytes, "image/" + (format.equals("jpg") ? "jpeg" : format), Map.of());
        } else if (!uri.isEmpty()) {
            web.put(uri, bytes);
        }
    }
}
