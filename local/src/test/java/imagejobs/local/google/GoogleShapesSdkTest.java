package imagejobs.local.google;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.genai.Chat;
import com.google.genai.Client;
import com.google.genai.Pager;
import com.google.genai.ResponseStream;
import com.google.genai.errors.ClientException;
import com.google.genai.errors.ServerException;
import com.google.genai.types.BatchJob;
import com.google.genai.types.BatchJobSource;
import com.google.genai.types.Content;
import com.google.genai.types.CreateBatchJobConfig;
import com.google.genai.types.DeleteResourceJob;
import com.google.genai.types.FinishReason;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;
import com.google.genai.types.InlinedRequest;
import com.google.genai.types.InlinedResponse;
import com.google.genai.types.JobState;
import com.google.genai.types.ListBatchJobsConfig;
import com.google.genai.types.ListModelsConfig;
import com.google.genai.types.Model;
import com.google.genai.types.Part;

import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.errors.Rejection;
import imagejobs.shared.google.BatchItem;
import imagejobs.shared.google.BatchJobView;
import imagejobs.shared.google.BatchRecord;
import imagejobs.shared.google.BatchRequest;
import imagejobs.shared.google.BatchRequestReader;
import imagejobs.shared.google.BatchLimits;
import imagejobs.shared.google.FailedJobs;
import imagejobs.shared.google.GenerateContentView;
import imagejobs.shared.google.GoogleError;
import imagejobs.shared.google.GoogleErrorBody;
import imagejobs.shared.google.GoogleStatus;
import imagejobs.shared.google.ModelsView;
import imagejobs.shared.google.OutcomeImages;
import imagejobs.shared.google.SseEvents;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;
import imagejobs.testing.InMemoryObjectStore;

/**
 * Google's own Java SDK (google-genai; this class runs against 1.70.0 and, in the {@code google-genai-2} surefire
 * execution, 2.3.0) reading exactly the JSON the {@code imagejobs.shared.google} views produce, served from a loopback
 * server: the proof that those shapes are what the SDK expects, before any route serves them. Each test also pins
 * what the SDK sends, which the routes will have to accept.
 */
class GoogleShapesSdkTest {
    private static final String MODEL = "gemini-3-pro-image-preview";
    private static final String BUCKET = "images-bucket";
    private static final String ID = "01JCZ5R9Q8W7X6V5T4S3R2Q1P0";
    private static final String KEY = "outputs/tenant-a/" + ID + "/0.png";
    private static final byte[] IMAGE = "not really a png, but bytes the SDK must hand back as they are"
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    private static final String SIGNATURE = Base64.getEncoder().encodeToString("opaque signature".getBytes(
            java.nio.charset.StandardCharsets.UTF_8));
    private static final String GENERATE = "/models/" + MODEL + ":generateContent";

    private ScriptedGoogleServer server;
    private Client client;

    /** The images bucket: the one in-memory ObjectStore fake, holding the job's image. */
    private static final OutcomeImages IMAGES = OutcomeImages.of(bucketWithImage(), Duration.ofMinutes(15));
    private static final String PRESIGNED = "https://example.test/" + KEY + "?X-Amz-Signature=secret";
    private static final GenerateContentView VIEW = new GenerateContentView(BUCKET, IMAGES, key -> null,
            GenerateContentView.MAX_RESPONSE_BYTES);

    @BeforeEach
    void start() throws Exception {
        server = new ScriptedGoogleServer();
        client = client(HttpRetryOptions.builder().attempts(1).build());
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private static InMemoryObjectStore bucketWithImage() {
        InMemoryObjectStore bucket = new InMemoryObjectStore(BUCKET);
        bucket.put(KEY, IMAGE, "image/png", Map.of());
        return bucket;
    }

    private Client client(HttpRetryOptions retries) {
        return Client.builder().apiKey("ij_test_key")
                .httpOptions(HttpOptions.builder().baseUrl(server.baseUrl()).retryOptions(retries).build())
                .build();
    }

    /** A stored outcome as OutcomeWriter writes it: a text part and an image part, each with a signature. */
    private static ObjectNode outcome(String requestId, long imageBytes) {
        return (ObjectNode) Json.parse("""
                {"images": [{"key": "%1$s", "mime_type": "image/png", "width": 1024, "height": 1024, "bytes": %2$d}],
                 "text": "Here is your image", "finish_reason": "STOP",
                 "usage": {"prompt_token_count": 7, "candidates_token_count": 1120, "total_token_count": 1127},
                 "model_version": "%4$s",
                 "next_turn_contents": [
                   {"role": "user", "parts": [{"text": "a lighthouse"}]},
                   {"role": "model", "parts": [{"text": "Here is your image", "thoughtSignature": "%3$s"},
                     {"fileData": {"mimeType": "image/png", "fileUri": "s3://images-bucket/%1$s"},
                      "thoughtSignature": "%3$s"}]},
                   {"role": "user", "parts": [{"text": ""}]}]}""".formatted(KEY, imageBytes, SIGNATURE, MODEL))
                .deepCopy();
    }

    private static ScriptedGoogleServer.Answer ok(JsonNode body) {
        return ScriptedGoogleServer.Answer.json(200, body).withHeader("x-request-id", ID);
    }

    @Test
    void generateContentReadsTextImageSignatureUsageAndTheRequestId() {
        server.on("POST", GENERATE, ok(VIEW.render(ID, outcome(ID, IMAGE.length),
                GenerateContentView.ImageMode.INLINE_IF_FITS).body()));

        GenerateContentResponse response = client.models.generateContent(MODEL, "a lighthouse", null);

        assertEquals("Here is your image", response.text());
        Part image = response.parts().get(1);
        assertArrayEquals(IMAGE, image.inlineData().orElseThrow().data().orElseThrow());
        assertEquals("image/png", image.inlineData().orElseThrow().mimeType().orElseThrow());
        assertArrayEquals(Base64.getDecoder().decode(SIGNATURE), image.thoughtSignature().orElseThrow());
        assertEquals(FinishReason.Known.STOP, response.finishReason().knownEnum());
        assertEquals(1127, response.usageMetadata().orElseThrow().totalTokenCount().orElseThrow());
        assertEquals(ID, response.responseId().orElseThrow());
        assertEquals(MODEL, response.modelVersion().orElseThrow());
        assertEquals(ID, header(response, "x-request-id"), "the request id header reaches the SDK's user");

        // What the SDK sent: the key as x-goog-api-key, the prompt as a user turn, nothing else to know about.
        ScriptedGoogleServer.Received sent = server.received.get(0);
        assertEquals("ij_test_key", sent.header("x-goog-api-key"));
        assertNull(sent.query());
        // google-genai for Java 1.x (and Python, JS) call /v1beta/...; the Java 2.x line calls /v1/... by default.
        String agent = sent.header("user-agent");
        assertEquals(agent.startsWith("google-genai-sdk/1.") ? "v1beta" : "v1", sent.version(), agent);
        assertEquals(Json.parse("{\"contents\":[{\"parts\":[{\"text\":\"a lighthouse\"}],\"role\":\"user\"}]}"),
                sent.json());
    }

    @Test
    void aBigImageArrivesAsAnHttpsFileUri() {
        server.on("POST", GENERATE, ok(VIEW.render(ID, outcome(ID, 40_000_000),
                GenerateContentView.ImageMode.INLINE_IF_FITS).body()));

        GenerateContentResponse response = client.models.generateContent(MODEL, "a lighthouse in 4K", null);

        Part image = response.parts().get(1);
        assertTrue(image.inlineData().isEmpty());
        assertEquals(PRESIGNED,
                image.fileData().orElseThrow().fileUri().orElseThrow());
        assertEquals("image/png", image.fileData().orElseThrow().mimeType().orElseThrow());
    }

    @Test
    void aRefusalIsNeverASilentEmptyAnswer() {
        server.on("POST", GENERATE, ok(FailedJobs.failed(ID, new JobError("SAFETY_BLOCKED",
                "Gemini stopped for safety: IMAGE_SAFETY", false), new FailedJobs.Upstream("IMAGE_SAFETY", null,
                MODEL)).body()).withHeader("x-imagejobs-error-code", "SAFETY_BLOCKED"));

        GenerateContentResponse response = client.models.generateContent(MODEL, "something refused", null);

        assertEquals(FinishReason.Known.IMAGE_SAFETY, response.finishReason().knownEnum());
        assertEquals(ID, response.responseId().orElseThrow());
        assertEquals("SAFETY_BLOCKED", header(response, "x-imagejobs-error-code"));
        // Pinned: the SDK's converter drops finishMessage (1.70.0 and 2.3.0), so our message reaches REST callers
        // only; SDK users get the code from the header and the message from GET /v1/requests/{responseId}.
        assertTrue(response.candidates().orElseThrow().get(0).finishMessage().isEmpty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, response::text);
        assertTrue(e.getMessage().contains("IMAGE_SAFETY"), e.getMessage());
    }

    @Test
    void streamingReadsOurServerSentEvents() {
        JsonNode answer = VIEW.render(ID, outcome(ID, IMAGE.length), GenerateContentView.ImageMode.INLINE_IF_FITS)
                .body();
        server.on("POST", "/models/" + MODEL + ":streamGenerateContent",
                new ScriptedGoogleServer.Answer(200, SseEvents.CONTENT_TYPE, SseEvents.body(List.of(answer)),
                        Map.of()));

        List<GenerateContentResponse> chunks = new ArrayList<>();
        try (ResponseStream<GenerateContentResponse> stream =
                     client.models.generateContentStream(MODEL, "a lighthouse", null)) {
            stream.forEach(chunks::add);
        }

        assertEquals(1, chunks.size());
        assertArrayEquals(IMAGE, chunks.get(0).parts().get(1).inlineData().orElseThrow().data().orElseThrow());
        assertEquals("alt=sse", server.received.get(0).query(), "the SDK asks for SSE with ?alt=sse");
    }

    @Test
    void aChatSendsTheWholeHistoryBackWithEachSignatureOnTurnTwo() {
        AtomicInteger turn = new AtomicInteger();
        server.on("POST", GENERATE, request -> {
            String id = ID.substring(0, 25) + turn.incrementAndGet();
            return ok(VIEW.render(id, outcome(id, IMAGE.length), GenerateContentView.ImageMode.INLINE_IF_FITS)
                    .body());
        });
        Chat chat = client.chats.create(MODEL);

        chat.sendMessage("a lighthouse");
        chat.sendMessage("now at night");

        JsonNode second = server.received.get(1).json().path("contents");
        assertEquals(3, second.size(), second.toString());
        assertEquals("user", second.get(0).path("role").asText());
        JsonNode model = second.get(1);
        assertEquals("model", model.path("role").asText());
        assertEquals(SIGNATURE, model.at("/parts/0/thoughtSignature").asText(), "byte for byte");
        assertEquals(SIGNATURE, model.at("/parts/1/thoughtSignature").asText());
        assertEquals(Base64.getEncoder().encodeToString(IMAGE), model.at("/parts/1/inlineData/data").asText(),
                "turn one's image goes back inline: the route must take it (and spill it) like any inline image");
        assertEquals("now at night", second.get(2).at("/parts/0/text").asText());
    }

    @Test
    void errorsReachTheSdkWithCodeStatusAndOurReason() {
        GoogleError bad = GoogleErrorBody.fromRejection(400, Rejection.invalid("UNSUPPORTED_IMAGE_SIZE",
                "imageSize '8K' is not supported by " + MODEL + "; supported: 1K, 2K, 4K",
                "generationConfig.imageConfig.imageSize"));
        server.on("POST", GENERATE, ScriptedGoogleServer.Answer.json(bad.httpStatus(), bad.body()));

        ClientException e = assertThrows(ClientException.class,
                () -> client.models.generateContent(MODEL, "a lighthouse", null));

        assertEquals(400, e.code());
        assertEquals("INVALID_ARGUMENT", e.status());
        assertTrue(e.message().startsWith("imageSize '8K' is not supported"), e.message());
        assertTrue(e.message().contains("\"reason\":\"UNSUPPORTED_IMAGE_SIZE\""),
                "the SDK appends the details, our code among them: " + e.message());
        assertTrue(e.message().contains("generationConfig.imageConfig.imageSize"), e.message());
    }

    @Test
    void aDeadlineLeavesTheRequestIdInTheSdksException() {
        GoogleError deadline = GoogleErrorBody.builder(GoogleStatus.DEADLINE_EXCEEDED,
                        "the image is not ready after 25 s; request " + ID + " carries on: poll /v1/requests/" + ID)
                .reason("SYNC_WAIT_EXCEEDED").requestId(ID)
                .help("poll the job", "https://api.example/v1/requests/" + ID).build();
        server.on("POST", GENERATE, ScriptedGoogleServer.Answer.json(504, deadline.body()));

        ServerException e = assertThrows(ServerException.class,
                () -> client.models.generateContent(MODEL, "a lighthouse in 4K", null));

        assertEquals(504, e.code());
        assertEquals("DEADLINE_EXCEEDED", e.status());
        assertTrue(e.message().contains(ID), e.message());
    }

    @Test
    void theJavaSdkRetriesA504FiveTimesByDefault() {
        GoogleError deadline = GoogleErrorBody.builder(GoogleStatus.DEADLINE_EXCEEDED, "not ready").build();
        server.on("POST", GENERATE, ScriptedGoogleServer.Answer.json(504, deadline.body()));
        // The default attempts (5) and status list, only the waits shortened.
        try (Client retrying = client(HttpRetryOptions.builder().initialDelay(0.01).maxDelay(0.01).build())) {
            assertThrows(ServerException.class, () -> retrying.models.generateContent(MODEL, "a lighthouse", null));
        }

        assertEquals(5, server.received.size(),
                "five identical POSTs: a synchronous route must not turn SDK retries into five jobs");
        assertEquals(1, server.received.stream().map(ScriptedGoogleServer.Received::body).distinct().count());
    }

    @Test
    void modelsGetAndListReadTheCatalogInGooglesShape() {
        ModelsView models = new ModelsView(ModelCatalog.load());
        server.on("GET", "/models/" + MODEL, ok(models.get(MODEL).body()));
        server.on("GET", "/models", request -> {
            String size = param(request.query(), "pageSize");
            return ok(models.list(size, param(request.query(), "pageToken")).body());
        });

        Model model = client.models.get(MODEL, null);
        assertEquals("models/" + MODEL, model.name().orElseThrow());
        assertEquals("Gemini 3 Pro Image Preview", model.displayName().orElseThrow());
        assertEquals(65536, model.inputTokenLimit().orElseThrow());
        assertEquals(List.of("generateContent", "streamGenerateContent", "batchGenerateContent"),
                model.supportedActions().orElseThrow());

        List<String> names = new ArrayList<>();
        Pager<Model> pager = client.models.list(ListModelsConfig.builder().pageSize(3).build());
        pager.forEach(m -> names.add(m.name().orElseThrow()));
        assertEquals(ModelCatalog.load().ids().stream().map(id -> "models/" + id).toList(), names);
        assertTrue(server.received.stream().anyMatch(r -> r.query() != null && r.query().contains("pageToken=")),
                "the pager followed nextPageToken");
    }

    @Test
    void batchesCreateGetListCancelAndDelete() {
        String batchId = "01JBATCH0000000000000000AA";
        String other = ID.substring(0, 25) + "9";
        BatchRecord[] record = new BatchRecord[1];
        BatchJobView view = new BatchJobView(VIEW);
        server.on("POST", "/models/" + MODEL + ":batchGenerateContent", request -> {
            BatchRequest batch = new BatchRequestReader(BatchLimits.DEFAULTS).read(request.json(), MODEL);
            record[0] = new BatchRecord(batchId, "tenant-a", MODEL, batch.displayName(), List.of(ID, other),
                    batch.items().stream().map(BatchRequest.Item::metadata).toList(), Instant.parse(
                    "2026-11-23T08:00:00Z"), Instant.parse("2026-11-23T08:00:00Z"), false, false, null, null,
                    null, Instant.parse("2026-12-23T08:00:00Z"));
            return ok(view.operation(record[0], null, Instant.parse("2026-11-23T08:00:00Z")));
        });
        List<BatchItem> finished = List.of(
                new BatchItem(ID, JobStatus.SUCCESS, outcome(ID, IMAGE.length), null, null),
                new BatchItem(other, JobStatus.FAILED, null, new JobError("INVALID_REFERENCE",
                        "https://example.com/a.png answered 404", false), null));
        server.on("GET", "/batches/" + batchId,
                request -> ok(view.operation(record[0], finished, Instant.parse("2026-11-23T08:02:00Z"))));
        server.on("GET", "/batches", request -> ok(BatchJobView.list(
                List.of(view.operation(record[0], finished, Instant.parse("2026-11-23T08:02:00Z"))), null)));
        server.on("POST", "/batches/" + batchId + ":cancel", ok(Json.object()));
        server.on("DELETE", "/batches/" + batchId, ok(Json.object()));

        BatchJob created = client.batches.create(MODEL, BatchJobSource.builder().inlinedRequests(List.of(
                        InlinedRequest.builder().contents(Content.fromParts(Part.fromText("a fox")))
                                .metadata(Map.of("key", "fox")).build(),
                        InlinedRequest.builder().contents(Content.fromParts(Part.fromText("a hare"),
                                Part.fromUri("https://example.com/a.png", "image/png"))).build())).build(),
                CreateBatchJobConfig.builder().displayName("nightly").build());
        assertEquals("batches/" + batchId, created.name().orElseThrow());
        assertEquals(JobState.Known.JOB_STATE_PENDING, created.state().orElseThrow().knownEnum());
        assertEquals("nightly", created.displayName().orElseThrow());
        JsonNode sent = server.received.get(0).json();
        assertEquals(Json.parse("""
                {"batch": {"displayName": "nightly", "inputConfig": {"requests": {"requests": [
                  {"request": {"contents": [{"parts": [{"text": "a fox"}], "role": "user"}]},
                   "metadata": {"key": "fox"}},
                  {"request": {"contents": [{"parts": [{"text": "a hare"},
                    {"fileData": {"fileUri": "https://example.com/a.png", "mimeType": "image/png"}}],
                    "role": "user"}]}}]}}}}"""),
                sent, "the model is in the path only (InlinedRequest.model unset)");

        BatchJob done = client.batches.get("batches/" + batchId, null);
        assertEquals(JobState.Known.JOB_STATE_SUCCEEDED, done.state().orElseThrow().knownEnum());
        assertEquals("models/" + MODEL, done.model().orElseThrow());
        assertEquals(Instant.parse("2026-11-23T08:02:00Z"), done.endTime().orElseThrow());
        List<InlinedResponse> results = done.dest().orElseThrow().inlinedResponses().orElseThrow();
        assertEquals(2, results.size());
        GenerateContentResponse first = results.get(0).response().orElseThrow();
        assertEquals(PRESIGNED,
                first.parts().get(1).fileData().orElseThrow().fileUri().orElseThrow());
        assertEquals(Map.of("key", "fox"), results.get(0).metadata().orElseThrow());
        assertTrue(results.get(1).response().isEmpty());
        assertEquals(3, results.get(1).error().orElseThrow().code().orElseThrow());
        assertTrue(results.get(1).error().orElseThrow().message().orElseThrow().startsWith("INVALID_REFERENCE: "));

        List<BatchJob> listed = new ArrayList<>();
        client.batches.list(ListBatchJobsConfig.builder().pageSize(10).build()).forEach(listed::add);
        assertEquals(List.of("batches/" + batchId), listed.stream().map(b -> b.name().orElseThrow()).toList());

        client.batches.cancel("batches/" + batchId, null);
        DeleteResourceJob deleted = client.batches.delete("batches/" + batchId, null);
        assertFalse(deleted.error().isPresent());
        assertEquals(List.of("POST", "GET", "GET", "POST", "DELETE"),
                server.received.stream().map(ScriptedGoogleServer.Received::method).toList());
    }

    /** A response header as the SDK hands it over (names keep the server's spelling, so look them up by any case). */
    private static String header(GenerateContentResponse response, String name) {
        return response.sdkHttpResponse().orElseThrow().headers().orElseThrow().entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst().orElse(null);
    }

    private static String param(String query, String name) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
