package imagejobs.shared.status;

import static imagejobs.shared.status.TestJobs.NOW;
import static imagejobs.shared.status.TestJobs.TENANT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import imagejobs.status.StatusRouter;
import imagejobs.shared.auth.ApiKey;
import imagejobs.shared.auth.Authenticator;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.auth.KeyStore;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.errors.Rejection;
import imagejobs.lambda.http.ApiRequest;
import imagejobs.lambda.http.ApiResponse;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.json.Json;
import imagejobs.shared.storage.PresignedUrl;
import imagejobs.testing.InMemoryJobStore;
import imagejobs.testing.InMemoryWebhookSecretStore;
import imagejobs.adapters.crypto.AesGcmSecretSealer;
import imagejobs.adapters.crypto.ServiceKeys;
import imagejobs.shared.webhooks.TenantWebhookSecrets;
import imagejobs.shared.webhooks.WebhookSecretQueries;
import java.security.SecureRandom;
import java.util.List;

class StatusRouterTest {
    private static final String KEY = "ij_0123456789abcdef";

    private final KeyStore keys = mock(KeyStore.class);
    private final InMemoryJobStore store = new InMemoryJobStore();
    private final Job job = TestJobs.queued(TestJobs.id(1), TENANT, NOW);
    private final InMemoryWebhookSecretStore secretStore = new InMemoryWebhookSecretStore();
    private final TenantWebhookSecrets secrets = new TenantWebhookSecrets(secretStore,
            new AesGcmSecretSealer(() -> ServiceKeys.of("a service key for the router tests, 32+ chars", List.of()),
                    new SecureRandom()), new SecureRandom(), Clock.fixed(NOW, ZoneOffset.UTC));
    private StatusRouter router;

    @BeforeEach
    void setUp() {
        KeyRecord record = new KeyRecord(ApiKey.hash(KEY), ApiKey.idForHash(ApiKey.hash(KEY)), TENANT, true, null, NOW,
                "test");
        when(keys.findByHash(any())).thenReturn(Optional.empty());
        when(keys.findByHash(ApiKey.hash(KEY))).thenReturn(Optional.of(record));
        store.put(job);
        JobQueries jobs = new JobQueries(store, new JobView("bucket", k -> new PresignedUrl("https://u", NOW), k -> null),
                new ListCursors("a cursor key that is long enough".getBytes(StandardCharsets.UTF_8)),
                Clock.fixed(NOW, ZoneOffset.UTC));
        router = new StatusRouter(new Authenticator(keys), jobs, new ModelQueries(ModelCatalog.load()),
                new WebhookSecretQueries(secrets));
    }

    @Test
    void routesEachPath() {
        assertEquals(job.requestId(), body(call("GET", "/v1/requests/" + job.requestId(),
                Map.of("request_id", job.requestId()), Map.of())).path("request_id").asText());
        assertEquals(1, body(call("GET", "/v1/requests", Map.of(), Map.of())).path("data").size());
        assertEquals("gemini-2.5-flash-image", body(call("GET", "/v1/models/gemini-2.5-flash-image",
                Map.of("model", "gemini-2.5-flash-image"), Map.of())).path("id").asText());
        assertEquals(4, body(call("GET", "/v1/models", Map.of(), Map.of())).path("data").size());
        assertEquals("cancelled", body(call("POST", "/v1/requests/" + job.requestId() + "/cancel",
                Map.of("request_id", job.requestId()), Map.of())).path("status").asText());
    }

    @Test
    void theV1ModelRoutesAlsoAnswerGooglesModelFieldsForTheJava2Sdk() {
        com.fasterxml.jackson.databind.JsonNode one = body(call("GET", "/v1/models/gemini-3-pro-image-preview",
                Map.of("model", "gemini-3-pro-image-preview"), Map.of()));
        assertEquals("gemini-3-pro-image-preview", one.path("id").asText());
        assertEquals("models/gemini-3-pro-image-preview", one.path("name").asText());
        assertEquals("Gemini 3 Pro Image Preview", one.path("displayName").asText());
        com.fasterxml.jackson.databind.JsonNode list = body(call("GET", "/v1/models", Map.of(),
                Map.of("pageSize", "50")));
        assertEquals(4, list.path("models").size());
        assertEquals(list.path("data"), list.path("models"));
        assertTrue(list.path("nextPageToken").isMissingNode());
    }

    @Test
    void worksWithoutPathParametersAndUnderAStagePrefix() {
        assertEquals(job.requestId(), body(call("GET", "/prod/v1/requests/" + job.requestId(), Map.of(), Map.of()))
                .path("request_id").asText());
        assertEquals("gemini-2.5-flash-image", body(call("GET", "/v1/models/gemini-2.5-flash-image", Map.of(), Map.of()))
                .path("id").asText());
    }

    @Test
    void everyRouteNeedsAKeyAndNothingIsReadWithout() {
        JobStore jobs = mock(JobStore.class);
        StatusRouter guarded = new StatusRouter(new Authenticator(keys),
                new JobQueries(jobs, new JobView("b", null, null), new ListCursors(new byte[32]), Clock.systemUTC()),
                new ModelQueries(ModelCatalog.load()), new WebhookSecretQueries(secrets));
        for (String[] route : new String[][] {{"GET", "/v1/requests"}, {"GET", "/v1/requests/" + job.requestId()},
                {"POST", "/v1/requests/" + job.requestId() + "/cancel"}, {"GET", "/v1/models"},
                {"GET", "/v1/models/gemini-2.5-flash-image"}, {"GET", "/v1/webhooks/default/secret"}}) {
            Rejection none = assertThrows(Rejection.class, () -> guarded.route(
                    new ApiRequest(route[0], route[1], Map.of(), Map.of(), Map.of(), null, "1.2.3.4", "r")));
            assertEquals(401, ApiResponse.error(none).status());
            Rejection wrong = assertThrows(Rejection.class, () -> guarded.route(
                    new ApiRequest(route[0], route[1], Map.of("authorization", "Bearer ij_wrong"), Map.of(), Map.of(),
                            null, "1.2.3.4", "r")));
            assertEquals(401, ApiResponse.error(wrong).status());
        }
        verifyNoInteractions(jobs);
        assertEquals(null, secretStore.stored(TENANT), "no secret made for an unauthenticated caller");
    }

    @Test
    void theWebhookSecretRouteShowsTheTenantsSecretMadeOnFirstUse() {
        String key = body(call("GET", "/v1/webhooks/default/secret", Map.of(), Map.of())).path("key").asText();
        assertTrue(key.matches("whsec_[A-Za-z0-9+/]{43}="), key);
        assertEquals(key, body(call("GET", "/prod/v1/webhooks/default/secret", Map.of(), Map.of())).path("key")
                .asText(), "the same secret on the next call");
        assertFalse(secretStore.stored(TENANT).current().contains(key.substring(6)), "stored only sealed");
        assertEquals(key, secrets.current(TENANT).reveal());
        assertTrue(!key.equals(secrets.current("another-tenant").reveal()), "each tenant has its own");
    }

    @Test
    void anUnknownRouteIs404() {
        Rejection e = assertThrows(Rejection.class, () -> call("DELETE", "/v1/requests/" + job.requestId(),
                Map.of("request_id", job.requestId()), Map.of()));
        assertEquals(Rejection.Kind.NOT_FOUND, e.kind());
    }

    private ApiResponse call(String method, String path, Map<String, String> pathParameters, Map<String, String> query) {
        return router.route(new ApiRequest(method, path, Map.of("authorization", "Bearer " + KEY), query, pathParameters,
                null, "1.2.3.4", "r"));
    }

    private static com.fasterxml.jackson.databind.JsonNode body(ApiResponse response) {
        assertEquals(200, response.status(), response.body());
        return Json.parse(response.body());
    }
}
