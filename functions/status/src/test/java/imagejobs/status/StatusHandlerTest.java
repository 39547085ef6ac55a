package imagejobs.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mockito.ArgumentCaptor;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.auth.ApiKey;
import imagejobs.shared.auth.Authenticator;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.auth.KeyStore;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.jobs.JobStore.JobPage;
import imagejobs.shared.jobs.JobStore.ListQuery;
import imagejobs.shared.jobs.JobStore.Position;
import imagejobs.shared.jobs.Timestamps;
import imagejobs.shared.json.Json;
import imagejobs.shared.status.JobQueries;
import imagejobs.shared.status.JobView;
import imagejobs.shared.status.ListCursors;
import imagejobs.shared.status.ModelQueries;
import imagejobs.shared.storage.PresignedUrl;
import imagejobs.shared.webhooks.SecretSealer;
import imagejobs.shared.webhooks.TenantWebhookSecrets;
import imagejobs.shared.webhooks.WebhookSecret;
import imagejobs.shared.webhooks.WebhookSecretQueries;

/** The sample events in events/ (the ones `sam local invoke` uses) through the handler, collaborators mocked. */
class StatusHandlerTest {
    private static final Path EVENTS = Path.of("../../events");
    private static final String KEY = "ij_4f9c2b7a1e5d8c3f6a0b9e2d7c4f1a8b5e3d6c9f2a7b4e1d";
    private static final String REQUEST_ID = "01KAT8Y3M5Q9V2C4D6E8F0G1H2";
    private static final String TENANT = "tenant-events";
    private static final Instant NOW = Instant.parse("2026-11-23T08:15:30Z");

    private final KeyStore keys = mock(KeyStore.class);
    private final JobStore jobs = mock(JobStore.class);
    private final TenantWebhookSecrets secrets = mock(TenantWebhookSecrets.class);
    private final Context context = mock(Context.class);
    private StatusHandler handler;

    @BeforeEach
    void setUp() {
        when(keys.findByHash(anyString())).thenReturn(Optional.empty());
        when(keys.findByHash(ApiKey.hash(KEY))).thenReturn(Optional.of(
                new KeyRecord(ApiKey.hash(KEY), ApiKey.idForHash(ApiKey.hash(KEY)), TENANT, true, null, NOW, "events")));
        when(context.getAwsRequestId()).thenReturn("7a9e3c1d-0000-4000-8000-000000000001");
        JobView view = new JobView("imagejobs-images", key -> new PresignedUrl(
                "https://imagejobs-images.s3.eu-west-1.amazonaws.com/" + key + "?X-Amz-Signature=abc", NOW.plusSeconds(3600)),
                key -> null);
        StatusRouter router = new StatusRouter(new Authenticator(keys),
                new JobQueries(jobs, view, new ListCursors("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8)),
                        Clock.fixed(NOW, ZoneOffset.UTC)),
                new ModelQueries(ModelCatalog.load()), new WebhookSecretQueries(secrets));
        handler = new StatusHandler(router);
    }

    @Test
    void getAnswersTheJobWithPresignedUrls() {
        when(jobs.get(REQUEST_ID)).thenReturn(Optional.of(succeeded(job(REQUEST_ID, TENANT))));
        APIGatewayV2HTTPResponse response = handle("status-get.json");
        assertEquals(200, response.getStatusCode());
        assertEquals("application/json", response.getHeaders().get("content-type"));
        assertEquals("no-store", response.getHeaders().get("cache-control"));
        JsonNode body = Json.parse(response.getBody());
        assertEquals(REQUEST_ID, body.path("request_id").asText());
        assertEquals("success", body.path("status").asText());
        JsonNode image = body.path("outcome").path("images").get(0);
        assertTrue(image.path("url").asText().startsWith("https://imagejobs-images.s3."), image.toString());
        assertEquals("s3://imagejobs-images/outputs/" + TENANT + "/" + REQUEST_ID + "/0.png", image.path("s3_uri").asText());
        assertEquals("2026-11-23T09:15:30.000Z", body.path("outcome").path("url_expires_at").asText());
    }

    @Test
    void getOfAnotherTenantsJobIsTheSame404AsAnUnknownOne() {
        when(jobs.get(REQUEST_ID)).thenReturn(Optional.of(job(REQUEST_ID, "someone-else")));
        APIGatewayV2HTTPResponse theirs = handle("status-get.json");
        when(jobs.get(REQUEST_ID)).thenReturn(Optional.empty());
        APIGatewayV2HTTPResponse unknown = handle("status-get.json");
        assertEquals(404, theirs.getStatusCode());
        assertEquals(unknown.getStatusCode(), theirs.getStatusCode());
        assertEquals(unknown.getBody(), theirs.getBody());
        assertEquals(unknown.getHeaders(), theirs.getHeaders());
    }

    @Test
    void listPassesTheJoinedStatusesAndAnswersAPage() {
        Job a = job("01KAT8Y3M5Q9V2C4D6E8F0G1H3", TENANT);
        Job b = job("01KAT8Y3M5Q9V2C4D6E8F0G1H4", TENANT);
        when(jobs.list(eq(TENANT), any())).thenReturn(new JobPage(List.of(a, b),
                new Position(Timestamps.format(b.createdAt()), b.requestId())));
        APIGatewayV2HTTPResponse response = handle("status-list.json");
        assertEquals(200, response.getStatusCode(), response.getBody());

        ArgumentCaptor<ListQuery> query = ArgumentCaptor.forClass(ListQuery.class);
        verify(jobs).list(eq(TENANT), query.capture());
        assertEquals(EnumSet.of(JobStatus.QUEUED, JobStatus.FAILED), query.getValue().statuses());
        assertEquals(2, query.getValue().limit());
        assertEquals(NOW, query.getValue().visibleAt());

        JsonNode body = Json.parse(response.getBody());
        assertEquals(2, body.path("data").size());
        assertEquals(a.requestId(), body.path("data").get(0).path("request_id").asText());
        assertFalse(body.path("data").get(0).has("outcome"));
        assertTrue(body.path("has_more").asBoolean());
        assertTrue(body.path("next_cursor").asText().matches("[A-Za-z0-9_-]+"));
    }

    @Test
    void listWithABadFilterIs400AndReadsNothing() {
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent(EVENTS.resolve("status-list.json").toString());
        event.setQueryStringParameters(Map.of("status", "queued,bogus"));
        APIGatewayV2HTTPResponse response = handler.handleRequest(event, context);
        assertEquals(400, response.getStatusCode());
        JsonNode error = Json.parse(response.getBody()).path("error");
        assertEquals("INVALID_PARAMETER", error.path("code").asText());
        assertEquals("status", error.path("field").asText());
        verify(jobs, never()).list(anyString(), any());
    }

    @Test
    void cancelAnswersTheCancelledJob() {
        Job queued = job(REQUEST_ID, TENANT);
        when(jobs.get(REQUEST_ID)).thenReturn(Optional.of(queued));
        when(jobs.cancel(eq(REQUEST_ID), any())).thenReturn(Optional.of(queued.withStatus(JobStatus.CANCELLED)));
        APIGatewayV2HTTPResponse response = handle("status-cancel.json");
        assertEquals(200, response.getStatusCode(), response.getBody());
        assertEquals("cancelled", Json.parse(response.getBody()).path("status").asText());
    }

    @Test
    void cancelOfAProcessingJobIs409() {
        when(jobs.get(REQUEST_ID)).thenReturn(Optional.of(job(REQUEST_ID, TENANT).withStatus(JobStatus.PROCESSING)));
        APIGatewayV2HTTPResponse response = handle("status-cancel.json");
        assertEquals(409, response.getStatusCode());
        JsonNode error = Json.parse(response.getBody()).path("error");
        assertEquals("NOT_CANCELLABLE", error.path("code").asText());
        assertEquals("processing", error.path("current_status").asText());
        assertEquals("ABORTED", error.path("status").asText(), "Google's name for a 409, added to /v1 errors");
        verify(jobs, never()).cancel(anyString(), any());
    }

    @Test
    void modelsListAndGet() {
        APIGatewayV2HTTPResponse list = handle("models-list.json");
        assertEquals(200, list.getStatusCode());
        assertEquals(ModelCatalog.load().ids().size(), Json.parse(list.getBody()).path("data").size());
        APIGatewayV2HTTPResponse one = handle("models-get.json");
        assertEquals(200, one.getStatusCode());
        JsonNode model = Json.parse(one.getBody());
        assertEquals("gemini-3-pro-image-preview", model.path("id").asText());
        assertEquals(14, model.path("capabilities").path("max_reference_images").asInt());
        verifyNoInteractions(jobs);
    }

    @ParameterizedTest
    @ValueSource(strings = {"status-get.json", "status-list.json", "status-cancel.json", "models-list.json", "models-get.json",
            "status-webhook-secret.json"})
    void everyEventWithoutItsKeyIs401(String file) {
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent(EVENTS.resolve(file).toString());
        Map<String, String> headers = new HashMap<>(event.getHeaders());
        headers.remove("authorization");
        event.setHeaders(headers);
        APIGatewayV2HTTPResponse response = handler.handleRequest(event, context);
        assertEquals(401, response.getStatusCode());
        assertEquals("UNAUTHENTICATED", Json.parse(response.getBody()).path("error").path("code").asText());
        verifyNoInteractions(jobs);
    }

    @ParameterizedTest
    @ValueSource(strings = {"status-get.json", "status-list.json", "status-cancel.json", "models-list.json", "models-get.json",
            "status-webhook-secret.json"})
    void everyEventIsAPayload2EventForARouteOfTheStatusFunction(String file) throws IOException {
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent(EVENTS.resolve(file).toString());
        assertEquals("2.0", event.getVersion());
        assertEquals(event.getRouteKey(), event.getRequestContext().getRouteKey());
        String[] route = event.getRouteKey().split(" ", 2);
        assertEquals(route[0], event.getRequestContext().getHttp().getMethod());
        assertEquals(event.getRawPath(), event.getRequestContext().getHttp().getPath());
        String template = Files.readString(Path.of("../../template.yaml"));
        String status = template.substring(template.indexOf("  StatusFunction:"), template.indexOf("  WorkerFunction:"));
        assertTrue(status.contains("Method: " + route[0] + "\n            Path: " + route[1]), event.getRouteKey());
    }

    @Test
    void anUnexpectedFailureIsA500ThatGivesNothingAway() {
        when(jobs.get(REQUEST_ID)).thenThrow(new IllegalStateException("table jobs-prod unreachable at 10.0.0.7"));
        APIGatewayV2HTTPResponse response = handle("status-get.json");
        assertEquals(500, response.getStatusCode());
        assertFalse(response.getBody().contains("10.0.0.7") || response.getBody().contains("jobs-prod"));
        assertTrue(response.getBody().contains("7a9e3c1d-0000-4000-8000-000000000001"));
    }

    @Test
    void theWebhookSecretEventAnswersTheTenantsSecret() {
        when(secrets.current(TENANT)).thenReturn(WebhookSecret.parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw6Ht2KZVeoAY="));
        APIGatewayV2HTTPResponse response = handle("status-webhook-secret.json");
        assertEquals(200, response.getStatusCode());
        assertEquals("no-store", response.getHeaders().get("cache-control"));
        assertEquals("{\"key\":\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw6Ht2KZVeoAY=\"}", response.getBody());
        verifyNoInteractions(jobs);
    }

    @Test
    void aWebhookSecretThatDoesNotOpenIsA500ThatGivesNothingAway() {
        when(secrets.current(TENANT)).thenThrow(new SecretSealer.Broken(
                "the stored webhook secret does not open: it was altered or is another tenant's"));
        APIGatewayV2HTTPResponse response = handle("status-webhook-secret.json");
        assertEquals(500, response.getStatusCode());
        assertEquals("INTERNAL", Json.parse(response.getBody()).path("error").path("code").asText());
        assertFalse(response.getBody().contains("secret"), response.getBody());
    }

    @Test
    void googlesModelRouteAnswersInGooglesShape() {
        APIGatewayV2HTTPResponse response = handle("status-google-model.json");
        assertEquals(200, response.getStatusCode(), response.getBody());
        JsonNode model = Json.parse(response.getBody());
        assertEquals("models/gemini-3-pro-image-preview", model.path("name").asText());
        assertEquals(32768, model.path("outputTokenLimit").asInt());
    }

    @Test
    void googlesModelsRouteRefusesInGooglesShape() {
        APIGatewayV2HTTPEvent unknown = EventLoader.loadApiGatewayHttpEvent(
                EVENTS.resolve("status-google-model.json").toString());
        unknown.setRawPath("/v1beta/models/gemini-0-image");
        unknown.setPathParameters(java.util.Map.of("model", "gemini-0-image"));
        APIGatewayV2HTTPResponse notFound = handler.handleRequest(unknown, context);
        assertEquals(404, notFound.getStatusCode());
        JsonNode error = Json.parse(notFound.getBody()).path("error");
        assertEquals(404, error.path("code").asInt());
        assertEquals("NOT_FOUND", error.path("status").asText());

        APIGatewayV2HTTPEvent keyless = EventLoader.loadApiGatewayHttpEvent(
                EVENTS.resolve("status-google-model.json").toString());
        keyless.setHeaders(java.util.Map.of("accept", "application/json"));
        APIGatewayV2HTTPResponse unauthenticated = handler.handleRequest(keyless, context);
        assertEquals(401, unauthenticated.getStatusCode());
        assertEquals("UNAUTHENTICATED", Json.parse(unauthenticated.getBody()).path("error").path("status").asText());
    }

    @Test
    void googlesRoutesAnswerAnOutageAndABugInGooglesShapeToo() {
        when(keys.findByHash(anyString())).thenThrow(new imagejobs.shared.errors.DependencyFailure(
                imagejobs.shared.errors.DependencyFailure.Dependency.KEYS_TABLE, true,
                new IllegalStateException("connection refused by 10.0.0.7")));
        APIGatewayV2HTTPResponse outage = handle("status-google-model.json");
        assertEquals(503, outage.getStatusCode(), outage.getBody());
        JsonNode unavailable = Json.parse(outage.getBody()).path("error");
        assertEquals(503, unavailable.path("code").asInt());
        assertEquals("UNAVAILABLE", unavailable.path("status").asText());
        assertEquals("SERVICE_UNAVAILABLE", unavailable.at("/details/0/reason").asText());
        assertEquals("2", outage.getHeaders().get("retry-after"));
        assertFalse(outage.getBody().contains("10.0.0.7"), outage.getBody());

        org.mockito.Mockito.doThrow(new IllegalStateException("table keys-prod at 10.0.0.7")).when(keys)
                .findByHash(anyString());
        APIGatewayV2HTTPResponse bug = handle("status-google-model.json");
        assertEquals(500, bug.getStatusCode(), bug.getBody());
        JsonNode internal = Json.parse(bug.getBody()).path("error");
        assertEquals(500, internal.path("code").asInt());
        assertEquals("INTERNAL", internal.path("status").asText());
        assertTrue(internal.path("message").asText().contains("7a9e3c1d-0000-4000-8000-000000000001"));
        assertFalse(bug.getBody().contains("10.0.0.7") || bug.getBody().contains("keys-prod"), bug.getBody());
    }

    @Test
    void googlesModelListPagesWithoutATokenOnTheLastPage() {
        APIGatewayV2HTTPEvent list = EventLoader.loadApiGatewayHttpEvent(
                EVENTS.resolve("status-google-model.json").toString());
        list.setRawPath("/v1beta/models");
        list.setPathParameters(null);
        list.setQueryStringParameters(java.util.Map.of("pageSize", "3", "key", KEY));
        list.setHeaders(java.util.Map.of("accept", "application/json"));
        JsonNode first = Json.parse(handler.handleRequest(list, context).getBody());
        assertEquals(3, first.path("models").size(), first.toString());
        String token = first.path("nextPageToken").asText();
        assertFalse(token.isEmpty(), first.toString());

        list.setQueryStringParameters(java.util.Map.of("pageSize", "3", "pageToken", token, "key", KEY));
        JsonNode last = Json.parse(handler.handleRequest(list, context).getBody());
        assertEquals(1, last.path("models").size(), last.toString());
        assertFalse(last.has("nextPageToken"), last.toString());
    }

    private APIGatewayV2HTTPResponse handle(String file) {
        return handler.handleRequest(EventLoader.loadApiGatewayHttpEvent(EVENTS.resolve(file).toString()), context);
    }

    private static Job job(String id, String tenant) {
        return Job.queued(id, tenant, "gemini-2.5-flash-image", Job.SOURCE_API, null, "{}", null, "h",
                NOW.minusSeconds(60), NOW.plusSeconds(86400));
    }

    private static Job succeeded(Job job) {
        ObjectNode outcome = Json.object();
        outcome.putArray("images").addObject().put("key", "outputs/" + job.tenant() + "/" + job.requestId() + "/0.png")
                .put("mime_type", "image/png").put("width", 1024).put("height", 1024).put("bytes", 1234567);
        outcome.put("finish_reason", "STOP");
        return new Job(job.requestId(), job.tenant(), job.model(), JobStatus.SUCCESS, job.source(), job.sourceKey(),
                job.createdAt(), NOW, job.createdAt(), NOW, 1, null, null, job.request(), null, job.requestHash(),
                outcome, null, null, job.expiresAt());
    }
}
