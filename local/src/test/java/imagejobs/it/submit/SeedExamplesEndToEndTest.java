package imagejobs.it.submit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import imagejobs.it.ServiceStack;
import imagejobs.local.LocalStack;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.image.ImageHeaders;
import imagejobs.adapters.dynamo.JobItemMapper;
import imagejobs.shared.json.Json;
import imagejobs.shared.submit.InputSpiller;
import imagejobs.shared.worker.ReferenceResolver;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Every example request of the seed documents, as the seed writes it, through the whole service: POST on the front
 * door (the route the seed uses) → submit → DynamoDB + S3 + SQS → worker → Gemini simulator → success. Then what
 * Gemini received is checked against the seed's canonical request (camelCase names, canonical values) with every
 * image inlined, and what was stored against the rule that no base64 image data ever lands in DynamoDB: inline
 * images are spilled to S3 under {@code inputs/{tenant}/{request_id}/}.
 *
 * <p>The seeds' https:// images are served from 127.0.0.1 (the stack allows loopback references) and their URLs
 * rewritten in the body and in the expected canonical request alike; each run appends a unique marker to the first
 * text of the request so its Gemini call can be told apart on the shared stack.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SeedExamplesEndToEndTest {
    private static final Duration FINISH = Duration.ofSeconds(60);
    private static final ModelCatalog CATALOG = ModelCatalog.load();
    /** Base64 openings of PNG, JPEG, WebP (RIFF) and GIF files. */
    private static final List<String> BASE64_IMAGE_OPENINGS = List.of("iVBORw0KGgo", "/9j/", "UklGR", "R0lGOD");

    private static LocalStack stack;
    private static TestTenant tenant;
    private static FrontDoor api;
    private static ReferenceImageServer web;

    @BeforeAll
    static void start() {
        stack = ServiceStack.get();
        tenant = TestTenant.create(stack, "seeds");
        api = new FrontDoor(stack.apiUrl());
        web = ReferenceImageServer.start();
    }

    @AfterAll
    static void stop() {
        if (web != null) {
            web.close();
        }
    }

    static Stream<SeedRequests> seeds() {
        return SeedRequests.all(ServiceStack.bucket(), tenant.tenant()).stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("seeds")
    void runsToSuccessAndGeminiReceivesTheCanonicalRequestWithEveryImageInlined(SeedRequests seed) {
        String marker = "seed-run-" + UUID.randomUUID();
        Map<String, byte[]> s3Images = new HashMap<>();
        ObjectNode body = prepare(seed.body().deepCopy(), marker, s3Images);
        ObjectNode canonical = prepare(seed.canonical().deepCopy(), marker, s3Images);

        String path = seed.route().equals(SeedRequests.REQUEST_QUEUE) ? "/v1/requests"
                : "/v1beta/models/" + seed.model() + ":generateContent";
        // The fault suites throttle one of the seeds' models on this shared stack.
        ServiceStack.forgetUpstreamState(CATALOG.find(seed.model()).orElseThrow().upstreamModel());
        ServiceStack.Response submitted = api.post(path, body, FrontDoor.bearer(tenant.key()));

        String id;
        if (seed.route().equals(SeedRequests.REQUEST_QUEUE)) {
            // The answer: 202, the job queued, where to poll it.
            assertEquals(202, submitted.status(), submitted.raw().body());
            id = submitted.body().path("request_id").asText();
            assertEquals("queued", submitted.body().path("status").asText());
            assertEquals(seed.model(), submitted.body().path("model").asText());
        } else {
            // Google's generateContent answers with the finished job's GenerateContentResponse, the job behind it.
            assertEquals(200, submitted.status(), submitted.raw().body());
            id = submitted.header("x-request-id");
            assertEquals(id, submitted.body().path("responseId").asText());
            assertTrue(submitted.body().at("/candidates/0/content/parts").isArray(), submitted.raw().body());
        }
        assertFalse(id == null || id.isEmpty());
        assertEquals("/v1/requests/" + id, submitted.header("location"));

        // Stored: the canonical request with inline images replaced by references to S3 objects of the same bytes.
        Map<String, AttributeValue> item = tenant.jobItem(stack, id);
        assertTrue(item.containsKey(JobItemMapper.REQUEST), "the request is kept with the job: " + item.keySet());
        Map<String, InlineImage> spilled = new LinkedHashMap<>();
        ObjectNode expectedStored = spill(canonical, id, spilled);
        assertEquals(Json.write(expectedStored), Json.write(Json.parse(item.get(JobItemMapper.REQUEST).s())));
        String prefix = "inputs/" + tenant.tenant() + "/" + id + "/";
        List<String> inputKeys = stack.s3().listObjectsV2Paginator(r -> r.bucket(ServiceStack.bucket()).prefix(prefix))
                .contents().stream().map(S3Object::key).sorted().toList();
        assertEquals(spilled.keySet().stream().sorted().toList(), inputKeys, "inline images spilled to " + prefix);
        spilled.forEach((key, image) -> {
            ResponseBytes<GetObjectResponse> object = stack.s3().getObjectAsBytes(r -> r.bucket(ServiceStack.bucket())
                    .key(key));
            assertArrayEquals(image.bytes(), object.asByteArray(), key);
            assertEquals(image.mimeType(), object.response().contentType(), key);
        });

        // Run to the end with the simulator.
        JsonNode job = api.awaitTerminal(id, tenant.key(), FINISH);
        assertEquals("success", job.path("status").asText(), job.toString());
        if (wantsImage(canonical)) {
            assertTrue(job.at("/outcome/images").size() >= 1, job.toString());
        }

        // What Gemini received: one call, the upstream model, the canonical request with every image inlined.
        List<JsonNode> calls = ServiceStack.simulatorCalls(marker);
        assertEquals(1, calls.size(), "Gemini calls for " + seed);
        String upstream = CATALOG.find(seed.model()).orElseThrow().upstreamModel();
        assertEquals("/v1beta/models/" + upstream + ":generateContent", calls.get(0).path("path").asText());
        JsonNode received = calls.get(0).path("body");
        assertEquals(Json.write(inlined(canonical, s3Images)), Json.write(received));
        assertCamelCase(received, "");
        for (JsonNode fileData : received.findValues("fileData")) {
            assertTrue(fileData.path("fileUri").asText().startsWith(ReferenceResolver.FILES_API_PREFIX),
                    "only Gemini Files API URIs stay fileData: " + fileData);
        }
        for (String url : httpReferences(canonical)) {
            assertTrue(web.hits(url) >= 1, "the worker downloaded " + url);
        }

        // DynamoDB holds no image data, before or after the worker wrote the outcome.
        String stored = tenant.jobItem(stack, id).toString();
        for (String opening : BASE64_IMAGE_OPENINGS) {
            assertFalse(stored.contains(opening), "no base64 image (" + opening + "…) in the job item: " + stored);
        }
        for (JsonNode data : seed.body().findValues("data")) {
            assertFalse(stored.contains(data.asText().substring(0, 40)), "the seed's inline image is not in the item");
        }
    }

    /**
     * The seed body or canonical request as this run sends/expects it: the marker appended to the first text, the
     * https:// images served locally (URLs rewritten), the s3:// images of our bucket put there.
     */
    private static ObjectNode prepare(ObjectNode request, String marker, Map<String, byte[]> s3Images) {
        JsonNode payload = request.get("payload");
        if (payload != null && payload.has("prompt")) {
            ((ObjectNode) payload).put("prompt", payload.path("prompt").asText() + " " + marker);
        } else {
            mark(payload != null ? (ObjectNode) payload : request, marker);
        }
        rewrite(request, value -> {
            if (value.startsWith("https://") && !value.startsWith(ReferenceResolver.FILES_API_PREFIX)) {
                return web.serve(value, imageFor(value), contentTypeFor(value));
            }
            if (value.startsWith("s3://" + ServiceStack.bucket() + "/")) {
                s3Images.computeIfAbsent(value, uri -> {
                    byte[] bytes = SeedRequests.image("png", Color.BLUE);
                    stack.s3().putObject(r -> r.bucket(ServiceStack.bucket())
                                    .key(uri.substring(("s3://" + ServiceStack.bucket() + "/").length()))
                                    .contentType("image/png"),
                            software.amazon.awssdk.core.sync.RequestBody.fromBytes(bytes));
                    return bytes;
                });
            }
            return value;
        });
        return request;
    }

    /** Appends the marker to the first non-empty text of {@code contents} (a string or a list of turns). */
    private static void mark(ObjectNode holder, String marker) {
        JsonNode contents = holder.get("contents");
        if (contents.isTextual()) {
            holder.put("contents", contents.asText() + " " + marker);
            return;
        }
        for (JsonNode turn : contents) {
            for (JsonNode part : turn.path("parts")) {
                if (part.path("text").isTextual() && !part.path("text").asText().isEmpty()) {
                    ((ObjectNode) part).put("text", part.path("text").asText() + " " + marker);
                    return;
                }
            }
        }
        throw new AssertionError("no text to mark in " + contents);
    }

    /** Replaces every string value in the tree by {@code f(value)}. */
    private static void rewrite(JsonNode node, UnaryOperator<String> f) {
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            List<Map.Entry<String, JsonNode>> copy = new ArrayList<>();
            fields.forEachRemaining(copy::add);
            for (Map.Entry<String, JsonNode> e : copy) {
                if (e.getValue().isTextual()) {
                    object.put(e.getKey(), f.apply(e.getValue().asText()));
                } else {
                    rewrite(e.getValue(), f);
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                if (array.get(i).isTextual()) {
                    array.set(i, TextNode.valueOf(f.apply(array.get(i).asText())));
                } else {
                    rewrite(array.get(i), f);
                }
            }
        }
    }

    private static byte[] imageFor(String url) {
        if (url.endsWith(".webp")) {
            return SeedRequests.webp();
        }
        return SeedRequests.image(url.endsWith(".jpg") || url.endsWith(".jpeg") ? "jpg"
                : url.endsWith(".gif") ? "gif" : "png", Color.ORANGE);
    }

    private static String contentTypeFor(String url) {
        return url.endsWith(".webp") ? "image/webp" : url.endsWith(".jpg") || url.endsWith(".jpeg") ? "image/jpeg"
                : url.endsWith(".gif") ? "image/gif" : "image/png";
    }

    private record InlineImage(byte[] bytes, String mimeType) {
    }

    /** The canonical request as submit stores it: each inlineData part becomes fileData on inputs/…/{n}.{ext}. */
    private static ObjectNode spill(ObjectNode canonical, String requestId, Map<String, InlineImage> spilled) {
        ObjectNode copy = canonical.deepCopy();
        for (JsonNode turn : copy.path("contents")) {
            for (JsonNode part : turn.path("parts")) {
                JsonNode inline = part.get("inlineData");
                if (inline == null) {
                    continue;
                }
                String mime = inline.path("mimeType").asText();
                String key = "inputs/" + tenant.tenant() + "/" + requestId + "/" + spilled.size() + "."
                        + InputSpiller.extension(mime);
                spilled.put(key, new InlineImage(Base64.getDecoder().decode(inline.path("data").asText()), mime));
                ObjectNode fileData = Json.object().put("mimeType", mime)
                        .put("fileUri", "s3://" + ServiceStack.bucket() + "/" + key);
                replacePart((ObjectNode) part, "inlineData", "fileData", fileData);
            }
        }
        return copy;
    }

    /** The canonical request as Gemini must receive it: each fileData part inlined with the bytes it names. */
    private static ObjectNode inlined(ObjectNode canonical, Map<String, byte[]> s3Images) {
        ObjectNode copy = canonical.deepCopy();
        for (JsonNode turn : copy.path("contents")) {
            for (JsonNode part : turn.path("parts")) {
                JsonNode file = part.get("fileData");
                if (file == null || file.path("fileUri").asText().startsWith(ReferenceResolver.FILES_API_PREFIX)) {
                    continue;
                }
                String uri = file.path("fileUri").asText();
                byte[] bytes = uri.startsWith("s3://") ? s3Images.get(uri) : web.image(uri).bytes();
                ObjectNode inlineData = Json.object().put("mimeType", ImageHeaders.sniff(bytes).orElseThrow())
                        .put("data", Base64.getEncoder().encodeToString(bytes));
                replacePart((ObjectNode) part, "fileData", "inlineData", inlineData);
            }
        }
        return copy;
    }

    /** Puts {@code value} under {@code to} in {@code from}'s place, ahead of the part's other fields. */
    private static void replacePart(ObjectNode part, String from, String to, ObjectNode value) {
        ObjectNode rest = part.deepCopy();
        rest.remove(from);
        part.removeAll();
        part.set(to, value);
        part.setAll(rest);
    }

    private static List<String> httpReferences(ObjectNode canonical) {
        return canonical.findValues("fileUri").stream().map(JsonNode::asText).filter(u -> u.startsWith("http://"))
                .toList();
    }

    private static boolean wantsImage(ObjectNode canonical) {
        JsonNode modalities = canonical.at("/generationConfig/responseModalities");
        return !modalities.isArray() || modalities.toString().contains("IMAGE");
    }

    /** Gemini's field names, as sent: camelCase, never snake_case. */
    private static void assertCamelCase(JsonNode node, String path) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                assertFalse(e.getKey().contains("_"), "snake_case field " + path + "/" + e.getKey());
                assertCamelCase(e.getValue(), path + "/" + e.getKey());
            });
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                assertCamelCase(node.get(i), path + "/" + i);
            }
        }
    }
}
