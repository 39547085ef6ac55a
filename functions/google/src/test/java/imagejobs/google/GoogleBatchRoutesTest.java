package imagejobs.google;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.auth.Authenticator;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.google.BatchJobView;
import imagejobs.shared.google.BatchLimits;
import imagejobs.shared.google.BatchService;
import imagejobs.shared.google.GenerateContentView;
import imagejobs.shared.google.OutcomeImages;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;
import imagejobs.shared.status.ListCursors;
import imagejobs.shared.submit.InputSpiller;
import imagejobs.shared.submit.JobIntake;
import imagejobs.shared.validation.ImageReferences;
import imagejobs.shared.validation.RequestValidator;
import imagejobs.testing.InMemoryBatchStore;
import imagejobs.testing.InMemoryJobQueue;
import imagejobs.testing.InMemoryJobStore;
import imagejobs.testing.InMemoryKeyStore;
import imagejobs.testing.InMemoryObjectStore;
import imagejobs.testing.MutableClock;

/**
 * The batch routes of the Google function on the HTTP API's sample event (its path, method and body changed per
 * route), on in-memory stores: what google-genai's {@code batches.*} receive, on {@code /v1beta} and {@code /v1},
 * and every refusal in Google's error shape.
 */
class GoogleBatchRoutesTest {
    private static final String API_EVENT = "../../events/google-generate-content.json";
    /** The function URL's events are the route's sample with the route key {@code $default}. */
    private static final String URL_EVENT = "../../events/google-stream-v1.json";
    private static final String KEY = "ij_local_example_key_0000000000000000";
    private static final String BUCKET = "imagejobs-images-test";
    private static final String BODY = "{\"batch\":{\"displayName\":\"nightly\",\"inputConfig\":{\"requests\":"
            + "{\"requests\":[{\"request\":{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a fox\"}]}]},"
            + "\"metadata\":{\"key\":\"fox\"}}]}}}}";

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-02T10:15:30Z"));
    private final InMemoryKeyStore keys = new InMemoryKeyStore();
    private final InMemoryJobStore jobs = new InMemoryJobStore();
    private final InMemoryJobQueue queue = new InMemoryJobQueue(clock);
    private final InMemoryBatchStore batches = new InMemoryBatchStore();
    private final GoogleHandler handler;

    GoogleBatchRoutesTest() {
        keys.add(KEY, "tenant-local", true, null);
        keys.add("ij_other_tenant_key_000000000000000000", "tenant-other", true, null);
        Settings settings = new Settings(new Environment(Map.of(Settings.DEFAULT_RATE_PER_MINUTE, "1000")));
        InMemoryObjectStore objects = new InMemoryObjectStore(BUCKET);
        GenerateContentView view = new GenerateContentView(BUCKET, OutcomeImages.of(objects, Duration.ofHours(1)),
                k -> null, GenerateContentView.MAX_RESPONSE_BYTES);
        BatchService service = new BatchService(new Authenticator(keys),
                new RequestValidator(ModelCatalog.load(), new ImageReferences(BUCKET)),
                new JobIntake(new InputSpiller(objects), jobs, queue, settings, clock), jobs, batches,
                new BatchJobView(view), new BatchLimits(2, 2048, 512),
                new ListCursors("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII)), settings,
                clock);
        // The synchronous runner is not reached by these routes.
        handler = new GoogleHandler(new GoogleRoutes(null, view, Duration.ofSeconds(25), Duration.ofSeconds(600),
                new GoogleBatchRoutes(service)));
    }

    private APIGatewayV2HTTPResponse call(String method, String path, String body, String key) {
        return call(API_EVENT, method, path, body, key);
    }

    private APIGatewayV2HTTPResponse call(String sample, String method, String path, String body, String key) {
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent(sample);
        event.setRawQueryString("");
        event.setQueryStringParameters(null);
        event.setRawPath(path);
        event.getRequestContext().getHttp().setPath(path);
        event.getRequestContext().getHttp().setMethod(method);
        event.setBody(body);
        if (sample.equals(URL_EVENT)) {
            event.setRouteKey("$default");
        }
        event.getHeaders().put("x-goog-api-key", key);
        event.getHeaders().remove("content-length");
        return handler.handleRequest(event, null);
    }

    private APIGatewayV2HTTPResponse call(String method, String path, String body) {
        return call(method, path, body, KEY);
    }

    private static JsonNode json(APIGatewayV2HTTPResponse response) {
        return Json.parse(response.getBody());
    }

    @Test
    void createGetListCancelDeleteAnswerWhatTheSdkReads() {
        APIGatewayV2HTTPResponse created = call("POST",
                "/v1beta/models/gemini-2.5-flash-image:batchGenerateContent", BODY);
        assertEquals(200, created.getStatusCode(), created.getBody());
        String name = json(created).path("name").asText();
        assertTrue(name.startsWith("batches/"), name);
        assertEquals("BATCH_STATE_PENDING", json(created).at("/metadata/state").asText());
        assertEquals(1, jobs.jobs.size(), "one job per request");

        for (String version : new String[] {"v1beta", "v1"}) {
            APIGatewayV2HTTPResponse got = call("GET", "/" + version + "/" + name, null);
            assertEquals(200, got.getStatusCode(), got.getBody());
            assertEquals(name, json(got).path("name").asText());
            APIGatewayV2HTTPResponse listed = call("GET", "/" + version + "/batches", null);
            assertEquals(name, json(listed).at("/operations/0/name").asText(), listed.getBody());
        }

        APIGatewayV2HTTPResponse cancelled = call("POST", "/v1/" + name + ":cancel", "{}");
        assertEquals(200, cancelled.getStatusCode(), cancelled.getBody());
        assertEquals("{}", cancelled.getBody());
        assertEquals(JobStatus.CANCELLED, jobs.jobs.values().iterator().next().status());
        assertEquals("BATCH_STATE_CANCELLED", json(call("GET", "/v1beta/" + name, null)).at("/metadata/state")
                .asText());

        APIGatewayV2HTTPResponse deleted = call("DELETE", "/v1beta/" + name, null);
        assertEquals(200, deleted.getStatusCode(), deleted.getBody());
        assertEquals("{}", deleted.getBody());
        APIGatewayV2HTTPResponse gone = call("GET", "/v1beta/" + name, null);
        assertEquals(404, gone.getStatusCode());
        assertEquals("NOT_FOUND", json(gone).at("/error/status").asText(), gone.getBody());
    }

    @Test
    void refusalsAreInGooglesShapeWithTheFieldAndOurCode() {
        String three = BODY.replace("]}}}}", ",{\"request\":{\"contents\":[{\"parts\":[{\"text\":\"b\"}]}]}},"
                + "{\"request\":{\"contents\":[{\"parts\":[{\"text\":\"c\"}]}]}}]}}}}");
        APIGatewayV2HTTPResponse tooLarge = call("POST",
                "/v1beta/models/gemini-2.5-flash-image:batchGenerateContent", three);

        assertEquals(400, tooLarge.getStatusCode(), tooLarge.getBody());
        JsonNode error = json(tooLarge).path("error");
        assertEquals(400, error.path("code").asInt());
        assertEquals("INVALID_ARGUMENT", error.path("status").asText());
        assertTrue(error.path("message").asText().contains("at most 2 requests"), error.toString());
        assertTrue(error.toString().contains("\"reason\":\"BATCH_TOO_LARGE\""), error.toString());
        assertTrue(error.toString().contains("\"field\":\"batch.inputConfig.requests.requests\""), error.toString());
        assertTrue(jobs.jobs.isEmpty());

        APIGatewayV2HTTPResponse unknownModel = call("POST", "/v1beta/models/gemini-9:batchGenerateContent", BODY);
        assertEquals(404, unknownModel.getStatusCode(), unknownModel.getBody());

        APIGatewayV2HTTPResponse noKey = call("GET", "/v1beta/batches", null, "ij_nobody_0000000000000000000000000");
        assertEquals(401, noKey.getStatusCode());
        assertEquals("UNAUTHENTICATED", json(noKey).at("/error/status").asText());

        APIGatewayV2HTTPResponse wrongMethod = call("PUT", "/v1beta/batches/01M845FN4JPK0DK5JMRA5AC1AC", "{}");
        assertEquals(404, wrongMethod.getStatusCode());
        assertTrue(json(wrongMethod).at("/error/message").asText().contains(":cancel"), wrongMethod.getBody());
        assertFalse(wrongMethod.getBody().contains("imagejobs.shared"), "no class names");
    }

    /** The function URL (long-call base, no route table) serves the same routes: a big batch may take a while. */
    @Test
    void theFunctionUrlServesTheBatchRoutesToo() {
        APIGatewayV2HTTPResponse created = call(URL_EVENT, "POST",
                "/v1beta/models/gemini-2.5-flash-image:batchGenerateContent", BODY, KEY);
        assertEquals(200, created.getStatusCode(), created.getBody());
        String name = json(created).path("name").asText();
        APIGatewayV2HTTPResponse got = call(URL_EVENT, "GET", "/v1beta/" + name, null, KEY);
        assertEquals(200, got.getStatusCode(), got.getBody());
        assertEquals("nightly", json(got).at("/metadata/displayName").asText());
    }

    @Test
    void anotherTenantsBatchIsNotFound() {
        String name = json(call("POST", "/v1beta/models/gemini-2.5-flash-image:batchGenerateContent", BODY))
                .path("name").asText();
        String other = "ij_other_tenant_key_000000000000000000";

        APIGatewayV2HTTPResponse get = call("GET", "/v1beta/" + name, null, other);
        APIGatewayV2HTTPResponse unknown = call("GET", "/v1beta/batches/01M845FN4JPK0DK5JMRA5AC1AC", null, other);
        assertEquals(404, get.getStatusCode());
        assertEquals(unknown.getBody(), get.getBody(), "the same answer as an id that does not exist");
        assertEquals(404, call("POST", "/v1beta/" + name + ":cancel", "{}", other).getStatusCode());
        assertEquals(404, call("DELETE", "/v1beta/" + name, null, other).getStatusCode());
        assertEquals(JobStatus.QUEUED, jobs.jobs.values().iterator().next().status(), "nothing was cancelled");
        assertEquals(0, json(call("GET", "/v1beta/batches", null, other)).path("operations").size());
    }
}
