package imagejobs.google;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.auth.Authenticator;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.gemini.GeminiClient;
import imagejobs.shared.gemini.GeminiException;
import imagejobs.shared.gemini.GeminiResponse;
import imagejobs.shared.google.GenerateContentView;
import imagejobs.shared.google.OutcomeImages;
import imagejobs.shared.image.TestImages;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;
import imagejobs.shared.log.Metrics;
import imagejobs.shared.status.JobView;
import imagejobs.shared.submit.InputSpiller;
import imagejobs.shared.submit.SubmitService;
import imagejobs.shared.sync.SyncRunner;
import imagejobs.shared.validation.ImageReferences;
import imagejobs.shared.validation.RequestValidator;
import imagejobs.shared.worker.Backoff;
import imagejobs.shared.worker.JobProcessor;
import imagejobs.shared.worker.WorkerPolicy;
import imagejobs.shared.worker.WorkerPorts;
import imagejobs.testing.InMemoryJobQueue;
import imagejobs.testing.InMemoryJobStore;
import imagejobs.testing.InMemoryKeyStore;
import imagejobs.testing.InMemoryObjectStore;
import imagejobs.testing.MutableClock;

/**
 * The Google function on the sample events of {@code events/} (the /v1beta and /v1 HTTP API routes; the function URL
 * as the same events with the route key {@code $default}), on
 * in-memory stores, a fake clock and a scripted Gemini: what an SDK user receives for success, streaming, refusals,
 * bad input and the bound.
 */
class GoogleHandlerTest {
    private static final String API_EVENT = "../../events/google-generate-content.json";
    private static final String STREAM_EVENT = "../../events/google-stream-v1.json";
    private static final String KEY = "ij_local_example_key_0000000000000000";
    private static final String BUCKET = "imagejobs-images-test";

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-02T10:15:30Z"));
    private final InMemoryKeyStore keys = new InMemoryKeyStore();
    private final InMemoryJobStore jobs = new InMemoryJobStore();
    private final InMemoryJobQueue queue = new InMemoryJobQueue(clock);
    private final InMemoryObjectStore objects = new InMemoryObjectStore(BUCKET);
    private final GeminiClient gemini = mock(GeminiClient.class);
    private final GoogleHandler handler;

    GoogleHandlerTest() {
        keys.add(KEY, "tenant-local", true, null);
        Settings settings = new Settings(new Environment(Map.of(Settings.DEFAULT_RATE_PER_MINUTE, "1000")));
        ModelCatalog catalog = ModelCatalog.load();
        SubmitService submit = new SubmitService(new Authenticator(keys),
                new RequestValidator(catalog, new ImageReferences(BUCKET)), new InputSpiller(objects), jobs, queue,
                new JobView(BUCKET, null, null), settings, clock);
        WorkerPorts ports = new WorkerPorts(jobs, objects, queue, gemini, url -> null, catalog, Metrics.NONE, clock);
        JobProcessor processor = new JobProcessor(ports, new WorkerPolicy(3, Duration.ofSeconds(720),
                new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5), b -> 0), Duration.ofHours(6)));
        SyncRunner runner = new SyncRunner(submit, processor, jobs, Runnable::run, clock, clock::advance);
        GenerateContentView view = new GenerateContentView(BUCKET, OutcomeImages.of(objects, Duration.ofHours(1)),
                k -> null, GenerateContentView.MAX_RESPONSE_BYTES);
        handler = new GoogleHandler(new GoogleRoutes(runner, view, Duration.ofSeconds(25), Duration.ofSeconds(600)));
    }

    /** Gemini fails {@code failures} times (retryable, each taking {@code each}), then draws a JPEG with text. */
    private AtomicInteger gemini(int failures, Duration each) throws GeminiException {
        AtomicInteger calls = new AtomicInteger();
        doAnswer(inv -> {
            clock.advance(each);
            if (calls.incrementAndGet() <= failures) {
                throw new GeminiException(GeminiException.Kind.UNAVAILABLE, 503, "HTTP 503 UNAVAILABLE", null);
            }
            Path file = Files.write(((Path) inv.getArgument(3)).resolve("image-0.bin"), TestImages.jpeg(64, 64));
            return new GeminiResponse(List.of(
                    new GeminiResponse.Part("Here is your image", null, null, 0, "c2lnLTE=", false),
                    new GeminiResponse.Part(null, file, "image/jpeg", Files.size(file), "c2lnLTI=", false)),
                    "STOP", null, null, null, (ObjectNode) Json.parse("{\"promptTokenCount\":7}"), "v1", "r1", 1);
        }).when(gemini).generate(anyString(), any(), any(), any());
        return calls;
    }

    private static APIGatewayV2HTTPEvent event(String file) {
        return EventLoader.loadApiGatewayHttpEvent(file);
    }

    private static JsonNode json(APIGatewayV2HTTPResponse response) {
        return Json.parse(response.getBody());
    }

    private static String header(APIGatewayV2HTTPResponse response, String name) {
        return response.getHeaders().get(name);
    }

    @Test
    void generateContentAnswersTheFinishedJobWithItsImageInline() throws Exception {
        gemini(0, Duration.ofSeconds(3));

        APIGatewayV2HTTPResponse response = handler.handleRequest(event(API_EVENT), null);

        assertEquals(200, response.getStatusCode(), response.getBody());
        JsonNode body = json(response);
        Job job = jobs.jobs.values().iterator().next();
        assertEquals(JobStatus.SUCCESS, job.status(), "a normal job, finished");
        assertEquals(job.requestId(), body.path("responseId").asText());
        assertEquals(job.requestId(), header(response, "x-request-id"));
        assertEquals("/v1/requests/" + job.requestId(), header(response, "location"));
        JsonNode parts = body.at("/candidates/0/content/parts");
        assertEquals("Here is your image", parts.get(0).path("text").asText());
        assertEquals("c2lnLTE=", parts.get(0).path("thoughtSignature").asText());
        byte[] image = java.util.Base64.getDecoder().decode(parts.get(1).at("/inlineData/data").asText());
        assertEquals("image/jpeg", parts.get(1).at("/inlineData/mimeType").asText());
        String key = job.outcome().path("images").get(0).path("key").asText();
        assertTrue(java.util.Arrays.equals(objects.get(key).orElseThrow().bytes(), image), "the stored image's bytes");
        assertEquals("STOP", body.at("/candidates/0/finishReason").asText());
    }

    @Test
    void streamGenerateContentOnTheFunctionUrlIsOneServerSentEvent() throws Exception {
        gemini(0, Duration.ofSeconds(50));

        // The same call through the function URL: its event carries the route key $default.
        APIGatewayV2HTTPEvent event = event(STREAM_EVENT);
        event.setRouteKey(GoogleHandler.FUNCTION_URL_ROUTE_KEY);
        event.getRequestContext().setRouteKey(GoogleHandler.FUNCTION_URL_ROUTE_KEY);
        event.setPathParameters(null);
        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

        assertEquals(200, response.getStatusCode(), response.getBody());
        assertEquals("text/event-stream", header(response, "content-type"));
        String body = response.getBody();
        assertTrue(body.startsWith("data: ") && body.endsWith("\r\n\r\n"), body.substring(0, 20));
        assertEquals(1, body.split("\r\n\r\n").length, "one event");
        JsonNode sent = Json.parse(body.substring("data: ".length()).strip());
        assertEquals(header(response, "x-request-id"), sent.path("responseId").asText());
        assertTrue(sent.at("/candidates/0/content/parts/1/inlineData/data").asText().length() > 100);
    }

    @Test
    void theBoundReachedAnswers504WithTheRequestIdAndTheJobCarriesOn() throws Exception {
        // The first call takes 30 s and fails: past the API route's 25 s bound.
        gemini(1, Duration.ofSeconds(30));

        APIGatewayV2HTTPResponse response = handler.handleRequest(event(API_EVENT), null);

        assertEquals(504, response.getStatusCode(), response.getBody());
        JsonNode error = json(response).path("error");
        assertEquals(504, error.path("code").asInt());
        assertEquals("DEADLINE_EXCEEDED", error.path("status").asText());
        Job job = jobs.jobs.values().iterator().next();
        assertFalse(job.status().terminal(), "the job carries on");
        assertTrue(error.path("message").asText().contains(job.requestId()), error.path("message").asText());
        assertTrue(error.path("message").asText().contains("/v1/requests/" + job.requestId()));
        assertEquals(job.requestId(), header(response, "x-request-id"));
        JsonNode info = error.path("details").get(0);
        assertEquals("SYNC_WAIT_EXCEEDED", info.path("reason").asText());
        assertEquals(job.requestId(), info.at("/metadata/request_id").asText());
        assertEquals("/v1/requests/" + job.requestId(), info.at("/metadata/poll_url").asText());
    }

    @Test
    void theSameSlowCallOnTheFunctionUrlWaitsLongerAndSucceeds() throws Exception {
        gemini(1, Duration.ofSeconds(30));
        APIGatewayV2HTTPEvent event = event(API_EVENT);
        event.setRouteKey(GoogleHandler.FUNCTION_URL_ROUTE_KEY);

        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

        assertEquals(200, response.getStatusCode(), response.getBody());
        assertEquals(2, jobs.jobs.values().iterator().next().attempts());
    }

    @Test
    void aRefusalIsGeminisTwoHundredShapeWithOurCodeInAHeader() throws Exception {
        doAnswer(inv -> {
            clock.advance(Duration.ofSeconds(2));
            return new GeminiResponse(List.of(), "IMAGE_SAFETY", null, null, null, (ObjectNode) Json.parse("{}"),
                    "v1", "r1", 1);
        }).when(gemini).generate(anyString(), any(), any(), any());

        APIGatewayV2HTTPResponse response = handler.handleRequest(event(API_EVENT), null);

        assertEquals(200, response.getStatusCode(), response.getBody());
        assertEquals("SAFETY_BLOCKED", header(response, "x-imagejobs-error-code"));
        assertFalse(json(response).at("/candidates/0/finishReason").asText("").isEmpty());
        assertTrue(json(response).at("/candidates/0/content/parts").isMissingNode(), "no content");
    }

    @Test
    void badInputIsAGoogleShaped400WithTheFieldPathAndNothingIsStored() {
        APIGatewayV2HTTPEvent event = event(API_EVENT);
        event.setBody("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"x\"}]}],"
                + "\"generationConfig\":{\"imageConfig\":{\"imageSize\":\"8K\"}}}");

        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

        assertEquals(400, response.getStatusCode(), response.getBody());
        JsonNode error = json(response).path("error");
        assertEquals("INVALID_ARGUMENT", error.path("status").asText());
        JsonNode violation = error.path("details").findValue("fieldViolations").get(0);
        assertEquals("generationConfig.imageConfig.imageSize", violation.path("field").asText());
        assertTrue(jobs.jobs.isEmpty());
        assertTrue(queue.sent.isEmpty());
    }

    @Test
    void anUnknownModelIs404AndAMissingKey401InGooglesShape() {
        APIGatewayV2HTTPEvent unknown = event(API_EVENT);
        unknown.setRawPath("/v1beta/models/imagen-9:generateContent");
        APIGatewayV2HTTPResponse notFound = handler.handleRequest(unknown, null);
        assertEquals(404, notFound.getStatusCode(), notFound.getBody());
        assertEquals("NOT_FOUND", json(notFound).at("/error/status").asText());

        APIGatewayV2HTTPEvent anonymous = event(API_EVENT);
        anonymous.getHeaders().remove("x-goog-api-key");
        APIGatewayV2HTTPResponse unauthenticated = handler.handleRequest(anonymous, null);
        assertEquals(401, unauthenticated.getStatusCode());
        assertEquals("UNAUTHENTICATED", json(unauthenticated).at("/error/status").asText());
        assertEquals(401, json(unauthenticated).at("/error/code").asInt());
    }

    @Test
    void theJavaSdk2PathAndUnknownMethodsAreServedOrRefusedInGooglesShape() throws Exception {
        gemini(0, Duration.ofSeconds(1));
        APIGatewayV2HTTPEvent v1 = event(API_EVENT);
        v1.setRawPath("/v1/models/gemini-2.5-flash-image:generateContent");
        assertEquals(200, handler.handleRequest(v1, null).getStatusCode());

        APIGatewayV2HTTPEvent countTokens = event(API_EVENT);
        countTokens.setRawPath("/v1beta/models/gemini-2.5-flash-image:countTokens");
        APIGatewayV2HTTPResponse response = handler.handleRequest(countTokens, null);
        assertEquals(404, response.getStatusCode());
        assertEquals("NOT_FOUND", json(response).at("/error/status").asText());
        assertNotNull(json(response).at("/error/message").asText(null));
    }

    @Test
    void aStreamWithoutAltSseIsAJsonArrayOfOneResponse() throws Exception {
        gemini(0, Duration.ofSeconds(1));
        APIGatewayV2HTTPEvent event = event(STREAM_EVENT);
        event.setRawQueryString("");
        event.setQueryStringParameters(null);

        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);

        assertEquals(200, response.getStatusCode(), response.getBody());
        JsonNode body = json(response);
        assertTrue(body.isArray() && body.size() == 1);
        assertEquals(header(response, "x-request-id"), body.get(0).path("responseId").asText());
        assertEquals(StandardCharsets.UTF_8.name(), "UTF-8");
    }
}
