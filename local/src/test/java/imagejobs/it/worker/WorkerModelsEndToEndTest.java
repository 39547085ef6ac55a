package imagejobs.it.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.it.ServiceStack;
import imagejobs.shared.json.Json;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Every catalog model, several aspect ratios and sizes, through the whole stack: POST /v1/requests → submit → SQS →
 * worker → Gemini simulator → S3 + DynamoDB → GET /v1/requests/{id}. The stored object is a real PNG (Gemini 2.5) or
 * JPEG (Gemini 3) of the catalog's pixel size for that ratio and size, and the job's outcome describes it.
 *
 * <p>All jobs are submitted at once before the first case runs, so the cases cost one worker round trip together.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WorkerModelsEndToEndTest {
    /** One submit: the form and fields as sent, the size as Gemini should receive it, what should come out. */
    record Case(String name, String form, String model, String ratio, String size, String upstreamSize, int width,
                int height, String mime) {
        @Override
        public String toString() {
            return name + ": " + model + " " + ratio + " " + size + " (" + form + ") → " + width + "x" + height
                    + " " + mime;
        }
    }

    private static final List<Case> CASES = List.of(
            new Case("flash-default", "simple", "gemini-2.5-flash-image", "", "", "", 1024, 1024, "image/png"),
            new Case("flash-16x9", "simple", "gemini-2.5-flash-image", "16:9", "1k", "", 1344, 768, "image/png"),
            new Case("flash-21x9", "native", "gemini-2.5-flash-image", "21:9", "", "", 1536, 672, "image/png"),
            new Case("flash-hd-3x4", "simple", "gemini-2.5-flash-image-preview-hd", "3:4", "1K", "", 864, 1184,
                    "image/png"),
            new Case("pro-default", "simple", "gemini-3-pro-image-preview", "", "", "", 1024, 1024, "image/jpeg"),
            new Case("pro-4x5-2k", "native", "gemini-3-pro-image-preview", "4:5", "2K", "2K", 1856, 2304,
                    "image/jpeg"),
            new Case("pro-16x9-4k", "simple", "gemini-3-pro-image-preview", "16:9", "4K", "4K", 5504, 3072,
                    "image/jpeg"),
            new Case("flash31-1x4-512", "simple", "gemini-3.1-flash-image-preview", "1:4", "0.5K", "512", 256, 1024,
                    "image/jpeg"),
            new Case("flash31-8x1-1k", "native", "gemini-3.1-flash-image-preview", "8:1", "1K", "1K", 3072, 384,
                    "image/jpeg"),
            new Case("flash31-9x16-2k", "simple", "gemini-3.1-flash-image-preview", "9:16", "2K", "2K", 1536, 2752,
                    "image/jpeg"));

    static List<Case> cases() {
        return CASES;
    }

    private static WorkerStack.Tenant tenant;
    private static final Map<String, String> IDS = new ConcurrentHashMap<>();
    private static final Map<String, String> MARKERS = new ConcurrentHashMap<>();

    @BeforeAll
    static void submitEveryCase() {
        tenant = WorkerStack.tenant("wmodels");
        for (Case c : CASES) {
            String marker = WorkerStack.marker("a lighthouse at dusk " + c.name());
            MARKERS.put(c.name(), marker);
            IDS.put(c.name(), WorkerStack.submit(tenant, body(c.form(), c.model(), marker, c.ratio(), c.size())));
        }
    }

    private static ObjectNode body(String form, String model, String prompt, String ratio, String size) {
        if (form.equals("simple")) {
            List<String> fields = new ArrayList<>();
            if (!ratio.isEmpty()) {
                fields.add("aspect_ratio");
                fields.add(ratio);
            }
            if (!size.isEmpty()) {
                fields.add("image_size");
                fields.add(size);
            }
            return WorkerStack.simple(model, prompt, fields.toArray(String[]::new));
        }
        ObjectNode body = Json.object().put("model", model);
        ObjectNode payload = body.putObject("payload");
        payload.putArray("contents").addObject().put("role", "user").putArray("parts").addObject().put("text", prompt);
        ObjectNode config = payload.putObject("generationConfig");
        config.putArray("responseModalities").add("TEXT").add("IMAGE");
        ObjectNode imageConfig = config.putObject("imageConfig");
        if (!ratio.isEmpty()) {
            imageConfig.put("aspectRatio", ratio);
        }
        if (!size.isEmpty()) {
            imageConfig.put("imageSize", size);
        }
        return body;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theImageIsStoredAtItsSizeAndTheOutcomeDescribesIt(Case c) throws Exception {
        String name = c.name();
        String model = c.model();
        String mime = c.mime();
        int width = c.width();
        int height = c.height();
        String id = IDS.get(name);
        String ext = mime.equals("image/png") ? "png" : "jpg";
        String key = WorkerStack.outputPrefix(tenant.name(), id) + "0." + ext;
        JsonNode job = WorkerStack.awaitTerminal(tenant, id);

        assertEquals("success", job.path("status").asText(), job::toString);
        assertEquals(model, job.path("model").asText());
        assertEquals(1, job.path("attempts").asInt());
        assertFalse(job.has("error"), job::toString);

        // The object: content type, format and pixel size read from the bytes themselves.
        ResponseBytes<GetObjectResponse> stored = WorkerStack.stack().s3().getObjectAsBytes(r -> r
                .bucket(ServiceStack.bucket()).key(key));
        byte[] bytes = stored.asByteArray();
        assertEquals(mime, stored.response().contentType());
        assertEquals(List.of(key), WorkerStack.imageKeys(tenant.name(), id), "one image object, nothing else");
        assertDecodes(bytes, mime.equals("image/png") ? "png" : "jpeg", width, height);

        // The outcome as a client sees it.
        JsonNode outcome = job.path("outcome");
        JsonNode mediaUrls = outcome.path("media_urls");
        assertTrue(mediaUrls.isArray(), outcome::toString);
        assertEquals(1, mediaUrls.size());
        JsonNode media = mediaUrls.get(0);
        assertEquals(List.of("id", "url"), fieldNames(media), "media_urls entries are {\"id\",\"url\"}");
        assertEquals("0", media.path("id").asText());
        HttpResponse<byte[]> download = ServiceStack.download(media.path("url").asText());
        assertEquals(200, download.statusCode());
        assertArrayEquals(bytes, download.body(), "the presigned URL serves the stored image");

        JsonNode image = outcome.path("images").get(0);
        assertEquals(1, outcome.path("images").size());
        assertEquals("s3://" + ServiceStack.bucket() + "/" + key, image.path("s3_uri").asText());
        assertEquals(mime, image.path("mime_type").asText());
        assertEquals(width, image.path("width").asInt());
        assertEquals(height, image.path("height").asInt());
        assertEquals(bytes.length, image.path("bytes").asLong());
        assertEquals("STOP", outcome.path("finish_reason").asText());
        assertFalse(outcome.path("model_version").asText().isBlank(), outcome::toString);
        assertFalse(outcome.path("response_id").asText().isBlank(), outcome::toString);
        assertTrue(outcome.path("usage").path("total_token_count").asInt() > 0, outcome::toString);
        assertTrue(outcome.path("usage").path("prompt_token_count").asInt() > 0, outcome::toString);
        assertEquals(1, outcome.path("attempts").asInt());
        Instant started = Instant.parse(outcome.path("timings").path("started_at").asText());
        Instant completed = Instant.parse(outcome.path("timings").path("completed_at").asText());
        assertFalse(completed.isBefore(started));
        assertTrue(outcome.path("timings").path("gemini_latency_ms").asLong(-1) >= 0, outcome::toString);

        // next_turn_contents: the prompt, the model's image as a reference to the object, an empty user turn.
        JsonNode next = outcome.path("next_turn_contents");
        assertEquals(3, next.size(), next::toString);
        assertEquals(MARKERS.get(name), next.at("/0/parts/0/text").asText());
        assertEquals("model", next.at("/1/role").asText());
        JsonNode imagePart = null;
        for (JsonNode part : next.at("/1/parts")) {
            if (part.has("fileData")) {
                imagePart = part;
            }
        }
        assertTrue(imagePart != null, next::toString);
        assertEquals(image.path("s3_uri").asText(), imagePart.at("/fileData/fileUri").asText());
        assertEquals(mime, imagePart.at("/fileData/mimeType").asText());
        assertEquals(model.startsWith("gemini-3"), !imagePart.path("thoughtSignature").asText("").isEmpty(),
                "Gemini 3 images carry a thoughtSignature, Gemini 2.5 images none");
        assertEquals("user", next.at("/2/role").asText());
        assertEquals("", next.at("/2/parts/0/text").asText("missing"));

        // Gemini was called once, for the catalog's upstream model, with the ratio and canonical size.
        List<JsonNode> calls = ServiceStack.simulatorCalls(MARKERS.get(name));
        assertEquals(1, calls.size());
        assertEquals("/v1beta/models/" + model + ":generateContent", calls.get(0).path("path").asText());
        JsonNode imageConfig = calls.get(0).at("/body/generationConfig/imageConfig");
        if (!c.ratio().isEmpty()) {
            assertEquals(c.ratio(), imageConfig.path("aspectRatio").asText(), imageConfig::toString);
        }
        if (!c.upstreamSize().isEmpty()) {
            assertEquals(c.upstreamSize(), imageConfig.path("imageSize").asText(), imageConfig::toString);
        }

        // The item: finished, one image, and no image data in it.
        Map<String, AttributeValue> item = WorkerStack.item(id).orElseThrow();
        assertEquals("success", item.get("status").s());
        assertEquals("1", item.get("image_count").n());
        assertFalse(WorkerStack.holdsImageData(item), "no base64 image data in the jobs table");
    }

    private static void assertDecodes(byte[] bytes, String format, int width, int height) throws Exception {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            assertTrue(readers.hasNext(), "ImageIO recognises the bytes");
            ImageReader reader = readers.next();
            try {
                assertEquals(format, reader.getFormatName().toLowerCase(java.util.Locale.ROOT));
                reader.setInput(in);
                java.awt.image.BufferedImage decoded = reader.read(0);
                assertEquals(width, decoded.getWidth());
                assertEquals(height, decoded.getHeight());
            } finally {
                reader.dispose();
            }
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
