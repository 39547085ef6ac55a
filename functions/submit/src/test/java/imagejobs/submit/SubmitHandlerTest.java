package imagejobs.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.mockito.ArgumentCaptor;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.auth.ApiKey;
import imagejobs.shared.auth.Authenticator;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.auth.KeyStore;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.json.Json;
import imagejobs.shared.queue.JobQueue;
import imagejobs.shared.status.JobView;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.storage.PresignedUrl;
import imagejobs.shared.submit.InputSpiller;
import imagejobs.shared.submit.SubmitService;
import imagejobs.shared.submit.SubmitWait;
import imagejobs.shared.validation.ImageReferences;
import imagejobs.shared.validation.RequestValidator;
import imagejobs.testing.MutableClock;

/**
 * The submit handler on the sample events of {@code events/} (the files {@code sam local invoke} and the local stack
 * use), with the stores, queue and bucket mocked: an event that stops working breaks this test.
 */
class SubmitHandlerTest {
    private static final String REQUEST_QUEUE_EVENT = "../../events/submit-request-queue.json";
    private static final String GENERATE_CONTENT_EVENT = "../../events/submit-generate-content.json";
    /** The key the sample events carry. */
    private static final String EVENT_KEY = "ij_local_example_key_0000000000000000";

    private KeyStore keys;
    private JobStore jobs;
    private JobQueue queue;
    private ObjectStore store;
    private SubmitHandler handler;

    @BeforeEach
    void wire() {
        keys = mock(KeyStore.class);
        jobs = mock(JobStore.class);
        queue = mock(JobQueue.class);
        store = mock(ObjectStore.class);
        when(store.bucket()).thenReturn("imagejobs-images-test");
        String hash = ApiKey.hash(EVENT_KEY);
        when(keys.findByHash(anyString())).thenReturn(Optional.empty());
        when(keys.findByHash(hash)).thenReturn(Optional.of(
                new KeyRecord(hash, ApiKey.idForHash(hash), "tenant-local", true, null, Instant.EPOCH, "sample")));
        when(keys.tryAcquire(eq(hash), any(), anyInt(), any())).thenReturn(true);
        when(jobs.create(any())).thenReturn(true);
        when(jobs.createIdempotent(any(), anyString(), any())).thenAnswer(call ->
                new JobStore.IdempotentCreate.Created(call.getArgument(0)));
        when(jobs.findIdempotencyKey(anyString(), any())).thenReturn(Optional.empty());
        Clock clock = Clock.fixed(Instant.parse("2026-03-02T10:15:30.250Z"), ZoneOffset.UTC);
        SubmitService service = new SubmitService(new Authenticator(keys),
                new RequestValidator(ModelCatalog.load(), new ImageReferences(store.bucket())), new InputSpiller(store),
                jobs, queue, new JobView(store.bucket(), null, null), new Settings(new Environment(Map.of())), clock);
        handler = new SubmitHandler(service);
    }

    private static JsonNode body(APIGatewayV2HTTPResponse response) {
        return Json.parse(response.getBody());
    }

    @ParameterizedTest
    @Event(value = REQUEST_QUEUE_EVENT, type = APIGatewayV2HTTPEvent.class)
    void requestQueueEventIsQueued(APIGatewayV2HTTPEvent event) {
        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

        assertEquals(202, response.getStatusCode(), response.getBody());
        JsonNode job = body(response);
        String id = job.path("request_id").asText();
        assertEquals("queued", job.path("status").asText());
        assertEquals("gemini-2.5-flash-image", job.path("model").asText());
        assertEquals("/v1/requests/" + id, response.getHeaders().get("location"));
        assertEquals("application/json", response.getHeaders().get("content-type"));

        // The sample carries an Idempotency-Key: the job is created together with its binding.
        ArgumentCaptor<Job> stored = ArgumentCaptor.forClass(Job.class);
        verify(jobs).createIdempotent(stored.capture(), anyString(), any());
        assertEquals(JobStatus.QUEUED, stored.getValue().status());
        assertEquals("tenant-local", stored.getValue().tenant());
        assertEquals("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"A cozy reading nook with warm light,"
                + " watercolor\"}]}],\"generationConfig\":{\"imageConfig\":{\"aspectRatio\":\"4:5\"}}}",
                stored.getValue().request());
        verify(queue).send(id, "tenant-local"); // the tenant is the message group (SQS fair queues)
    }

    @ParameterizedTest
    @Event(value = GENERATE_CONTENT_EVENT, type = APIGatewayV2HTTPEvent.class)
    void generateContentEventIsQueuedForThePathsModel(APIGatewayV2HTTPEvent event) {
        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

        assertEquals(202, response.getStatusCode(), response.getBody());
        assertEquals("gemini-2.5-flash-image-preview-hd", body(response).path("model").asText());
        ArgumentCaptor<Job> stored = ArgumentCaptor.forClass(Job.class);
        verify(jobs).create(stored.capture());
        assertEquals("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Put a hat on the cat\"},{\"fileData\":"
                + "{\"mimeType\":\"image/png\",\"fileUri\":\"https://tos.gptproto.com/resource/cat.png\"}}]}],"
                + "\"generationConfig\":{\"imageConfig\":{\"aspectRatio\":\"1:1\",\"imageSize\":\"1K\"}}}",
                stored.getValue().request());
        verify(queue).send(body(response).path("request_id").asText(), stored.getValue().tenant());
    }

    @Test
    void aBase64EncodedBodyIsDecoded() {
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent(REQUEST_QUEUE_EVENT);
        event.setBody(Base64.getEncoder().encodeToString(event.getBody().getBytes(StandardCharsets.UTF_8)));
        event.setIsBase64Encoded(true);
        assertEquals(202, handler.handleRequest(event, null).getStatusCode());
    }

    @Test
    void withoutAKeyTheEventIs401AndNothingIsTouched() {
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent(GENERATE_CONTENT_EVENT);
        Map<String, String> headers = new HashMap<>(event.getHeaders());
        headers.remove("authorization");
        event.setHeaders(headers);

        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

        assertEquals(401, response.getStatusCode());
        assertEquals("UNAUTHENTICATED", body(response).path("error").path("code").asText());
        verifyNoInteractions(jobs, queue);
        verify(store, never()).put(anyString(), any(byte[].class), anyString(), any());
    }

    @Test
    void invalidPayloadIs400WithTheField() {
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent(REQUEST_QUEUE_EVENT);
        event.setBody("{\"model\":\"gemini-2.5-flash-image\",\"payload\":{\"prompt\":\"x\",\"aspect_ratio\":\"8:1\"}}");

        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

        assertEquals(400, response.getStatusCode());
        JsonNode error = body(response).path("error");
        assertEquals("UNSUPPORTED_ASPECT_RATIO", error.path("code").asText());
        assertEquals("payload.aspect_ratio", error.path("field").asText());
        verifyNoInteractions(jobs, queue);
    }

    @Test
    void streamingIsExplainedAndOtherMethodsAreNotFound() {
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent(GENERATE_CONTENT_EVENT);
        event.setPathParameters(Map.of("model", "gemini-2.5-flash-image:streamGenerateContent"));
        APIGatewayV2HTTPResponse stream = handler.handleRequest(event, null);
        assertEquals(400, stream.getStatusCode());
        assertEquals("UNSUPPORTED_METHOD", body(stream).path("error").path("code").asText());

        event.setPathParameters(Map.of("model", "gemini-2.5-flash-image:countTokens"));
        assertEquals(404, handler.handleRequest(event, null).getStatusCode());
        event.setPathParameters(Map.of("model", "gemini-2.5-flash-image"));
        assertEquals(404, handler.handleRequest(event, null).getStatusCode());
        verifyNoInteractions(jobs, queue);
    }

    @Test
    void anUnexpectedFailureIs500WithoutDetails() {
        when(keys.findByHash(anyString())).thenThrow(new IllegalStateException("secret internal detail"));
        APIGatewayV2HTTPResponse response = handler.handleRequest(
                EventLoader.loadApiGatewayHttpEvent(REQUEST_QUEUE_EVENT), null);
        assertEquals(500, response.getStatusCode());
        assertEquals("INTERNAL", body(response).path("error").path("code").asText());
        assertFalse(response.getBody().contains("secret"));
        assertTrue(response.getBody().contains("retry later"));
    }

    /** The handler with Prefer: wait honoured; the worker's progress is what {@code jobs.get} answers. */
    private SubmitHandler waitingHandler(MutableClock clock, List<java.time.Duration> pauses) {
        SubmitService service = new SubmitService(new Authenticator(keys),
                new RequestValidator(ModelCatalog.load(), new ImageReferences(store.bucket())), new InputSpiller(store),
                jobs, queue, new JobView(store.bucket(), null, null), new Settings(new Environment(Map.of())), clock);
        JobView finished = new JobView(store.bucket(), key -> new PresignedUrl("https://signed.example/" + key,
                clock.instant().plusSeconds(3600)), null);
        return new SubmitHandler(service, new SubmitWait(jobs, finished, 25, clock, pause -> {
            pauses.add(pause);
            clock.advance(pause);
        }));
    }

    private static APIGatewayV2HTTPEvent withPrefer(String event, String prefer) {
        APIGatewayV2HTTPEvent e = EventLoader.loadApiGatewayHttpEvent(event);
        Map<String, String> headers = new HashMap<>(e.getHeaders());
        headers.put("Prefer", prefer);
        e.setHeaders(headers);
        return e;
    }

    @Test
    void preferWaitAnswersTheFinishedJobWith200() {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-02T10:15:30.250Z"));
        List<java.time.Duration> pauses = new ArrayList<>();
        ObjectNode outcome = Json.object();
        outcome.putArray("images").addObject().put("key", "outputs/tenant-local/x/0.png").put("mime_type", "image/png");
        when(jobs.get(anyString())).thenAnswer(call -> {
            Job job = Job.queued(call.getArgument(0), "tenant-local", "gemini-2.5-flash-image", Job.SOURCE_API, null,
                    "{}", null, "h", clock.instant(), clock.instant().plusSeconds(86400));
            return Optional.of(pauses.size() < 3 ? job.withStatus(JobStatus.PROCESSING)
                    : new Job(job.requestId(), job.tenant(), job.model(), JobStatus.SUCCESS, job.source(), null,
                            job.createdAt(), job.createdAt(), job.createdAt(), clock.instant(), 1, null, null,
                            job.request(), null, job.requestHash(), outcome, null, null, job.expiresAt()));
        });

        APIGatewayV2HTTPResponse response = waitingHandler(clock, pauses)
                .handleRequest(withPrefer(REQUEST_QUEUE_EVENT, "wait=10"), null);

        assertEquals(200, response.getStatusCode(), response.getBody());
        assertEquals("wait=10", response.getHeaders().get("preference-applied"));
        JsonNode job = body(response);
        assertEquals("success", job.path("status").asText());
        assertEquals("https://signed.example/outputs/tenant-local/x/0.png", job.at("/outcome/images/0/url").asText());
        assertEquals("/v1/requests/" + job.path("request_id").asText(), response.getHeaders().get("location"));
        assertEquals(3, pauses.size());
    }

    @Test
    void preferWaitPastTheJobIsTheUsual202SayingTheWaitApplied() {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-02T10:15:30.250Z"));
        List<java.time.Duration> pauses = new ArrayList<>();
        when(jobs.get(anyString())).thenAnswer(call -> Optional.of(Job.queued(call.getArgument(0), "tenant-local",
                "gemini-2.5-flash-image", Job.SOURCE_API, null, "{}", null, "h", clock.instant(),
                clock.instant().plusSeconds(86400))));
        Instant start = clock.instant();

        APIGatewayV2HTTPResponse response = waitingHandler(clock, pauses)
                .handleRequest(withPrefer(REQUEST_QUEUE_EVENT, "wait=60"), null);

        assertEquals(202, response.getStatusCode(), response.getBody());
        assertEquals("wait=25", response.getHeaders().get("preference-applied"), "cut to API_SYNC_WAIT_SECONDS");
        assertEquals("queued", body(response).path("status").asText());
        assertEquals(start.plusSeconds(25), clock.instant());
    }

    @Test
    void preferIsIgnoredWhenItAsksNoUsableWaitAndOnTheGeminiRoute() {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-02T10:15:30.250Z"));
        List<java.time.Duration> pauses = new ArrayList<>();
        SubmitHandler waiting = waitingHandler(clock, pauses);

        APIGatewayV2HTTPResponse bad = waiting.handleRequest(withPrefer(REQUEST_QUEUE_EVENT, "wait=soon"), null);
        assertEquals(202, bad.getStatusCode(), bad.getBody());
        assertFalse(bad.getHeaders().containsKey("preference-applied"));

        APIGatewayV2HTTPResponse google = waiting.handleRequest(withPrefer(GENERATE_CONTENT_EVENT, "wait=5"), null);
        assertEquals(202, google.getStatusCode(), google.getBody());
        assertFalse(google.getHeaders().containsKey("preference-applied"));
        assertTrue(pauses.isEmpty());
        verify(jobs, never()).get(anyString());
    }
}
