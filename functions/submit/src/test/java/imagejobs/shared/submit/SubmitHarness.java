package imagejobs.shared.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.auth.Authenticator;
import imagejobs.submit.SubmitHandler;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.json.Json;
import imagejobs.shared.status.JobView;
import imagejobs.shared.validation.ImageReferences;
import imagejobs.shared.validation.RequestValidator;
import imagejobs.testing.InMemoryJobStore;
import imagejobs.testing.InMemoryObjectStore;
import imagejobs.testing.InMemoryJobQueue;
import imagejobs.testing.InMemoryKeyStore;
import imagejobs.testing.MutableClock;

/** The submit function (its handler and SubmitService) on in-memory fakes, invoked as Lambda invokes it, answering what a client would see. */
final class SubmitHarness {
    static final String BUCKET = "imagejobs-images-test";
    static final String TENANT = "tenant-a";
    static final String KEY = "ij_test_key_tenant_a";
    static final String OTHER_TENANT = "tenant-b";
    static final String OTHER_KEY = "ij_test_key_tenant_b";
    static final String DISABLED_KEY = "ij_test_key_disabled";
    static final String SLOW_KEY = "ij_test_key_two_per_minute";
    static final String REQUESTS = "/v1/requests";
    /** Room for a 7 MB image's base64 (and then some), so the per-image limit is reachable below the body cap. */
    static final int MAX_BODY_BYTES = 12 * 1024 * 1024;
    static final ModelCatalog CATALOG = ModelCatalog.load();

    final InMemoryKeyStore keys = new InMemoryKeyStore();
    final InMemoryJobStore jobs = new InMemoryJobStore();
    final InMemoryJobQueue queue = new InMemoryJobQueue();
    final InMemoryObjectStore objects = new InMemoryObjectStore(BUCKET);
    final MutableClock clock = new MutableClock(Instant.parse("2026-03-02T10:15:30.250Z"));
    final SubmitService service;
    final SubmitHandler handler;

    SubmitHarness() {
        keys.add(KEY, TENANT, true, null);
        keys.add(OTHER_KEY, OTHER_TENANT, true, null);
        keys.add(DISABLED_KEY, TENANT, false, null);
        keys.add(SLOW_KEY, TENANT, true, 2);
        Settings settings = new Settings(new Environment(Map.of(
                Settings.MAX_BODY_BYTES, Integer.toString(MAX_BODY_BYTES),
                Settings.DEFAULT_RATE_PER_MINUTE, "1000")));
        service = new SubmitService(new Authenticator(keys),
                new RequestValidator(CATALOG, new ImageReferences(BUCKET)),
                new InputSpiller(objects), jobs, queue, new JobView(BUCKET, null, null), settings, clock);
        handler = new SubmitHandler(service);
    }

    /** What the client sees. */
    record Answer(int status, Map<String, String> headers, JsonNode body) {
        String code() {
            return body.path("error").path("code").asText(null);
        }

        String field() {
            return body.path("error").path("field").asText(null);
        }

        String message() {
            return body.path("error").path("message").asText(null);
        }

        String requestId() {
            return body.path("request_id").asText(null);
        }

        @Override
        public String toString() {
            return status + " " + Json.write(body);
        }
    }

    static Map<String, String> auth(String key) {
        Map<String, String> headers = new HashMap<>();
        headers.put("authorization", "Bearer " + key);
        headers.put("content-type", "application/json");
        return headers;
    }

    static String generatePath(String model) {
        return "/v1beta/models/" + model + ":generateContent";
    }

    Answer submit(String body) {
        return call(REQUESTS, auth(KEY), body);
    }

    Answer generate(String model, String body) {
        return call(generatePath(model), auth(KEY), body);
    }

    Answer call(String path, Map<String, String> headers, String body) {
        return call(path, headers, body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8));
    }

    /** Through the submit function's own handler, as API Gateway invokes it: the generateContent path carries the model. */
    Answer call(String path, Map<String, String> headers, byte[] body) {
        return call(path, null, headers, body);
    }

    /** With a query string, as API Gateway delivers it: raw and parsed. */
    Answer call(String path, String rawQuery, Map<String, String> headers, byte[] body) {
        Map<String, String> lower = new LinkedHashMap<>();
        headers.forEach((k, v) -> lower.put(k.toLowerCase(java.util.Locale.ROOT), v));
        APIGatewayV2HTTPEvent event = new APIGatewayV2HTTPEvent();
        event.setRawPath(path);
        event.setHeaders(lower);
        if (rawQuery != null) {
            event.setRawQueryString(rawQuery);
            Map<String, String> parameters = new LinkedHashMap<>();
            for (String pair : rawQuery.split("&")) {
                String[] nameValue = pair.split("=", 2);
                parameters.put(nameValue[0], nameValue.length > 1 ? nameValue[1] : "");
            }
            event.setQueryStringParameters(parameters);
        }
        event.setBody(Base64.getEncoder().encodeToString(body));
        event.setIsBase64Encoded(true);
        if (!path.equals(REQUESTS)) {
            event.setPathParameters(Map.of("model", path.substring("/v1beta/models/".length())));
        }
        APIGatewayV2HTTPEvent.RequestContext context = new APIGatewayV2HTTPEvent.RequestContext();
        APIGatewayV2HTTPEvent.RequestContext.Http http = new APIGatewayV2HTTPEvent.RequestContext.Http();
        http.setMethod("POST");
        http.setSourceIp("198.51.100.7");
        context.setHttp(http);
        context.setRequestId("gw-1");
        event.setRequestContext(context);
        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);
        return new Answer(response.getStatusCode(), response.getHeaders(), Json.parse(response.getBody()));
    }

    /** The stored request document of a job, wherever it was put. */
    ObjectNode storedRequest(String requestId) {
        Job job = jobs.get(requestId).orElseThrow();
        if (job.request() != null) {
            return (ObjectNode) Json.parse(job.request());
        }
        try {
            return (ObjectNode) Json.MAPPER.readTree(objects.get(job.requestKey()).orElseThrow().bytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void assertNothingPersisted(String because) {
        assertTrue(jobs.jobs.isEmpty(), because + ": no job may be stored, got " + jobs.jobs.keySet());
        assertTrue(jobs.bindings.isEmpty(), because + ": no idempotency key may be bound");
        assertTrue(queue.sent.isEmpty(), because + ": nothing may be enqueued, got " + queue.sent);
        assertTrue(objects.objects.isEmpty(), because + ": nothing may be uploaded, got " + objects.objects.keySet());
    }

    void assertOneQueuedJob(Answer answer) {
        assertEquals(202, answer.status(), answer.toString());
        assertEquals(1, jobs.jobs.size(), "one job");
        assertEquals(java.util.List.of(answer.requestId()), queue.sent, "one message, carrying the job id");
    }
}
