package imagejobs.it.webhooks;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;

import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.it.ServiceStack;
import imagejobs.it.ServiceStack.Api;
import imagejobs.it.ServiceStack.Response;
import imagejobs.it.webhooks.WebhookReceiver.Delivery;
import imagejobs.local.Deadline;
import imagejobs.local.LocalStack;
import imagejobs.local.cli.KeysCommand;
import imagejobs.local.resources.LocalKey;
import imagejobs.shared.auth.ApiKey;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.json.Json;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Webhook deliveries on the running local stack, as a receiver sees them: the job's final view, POSTed once per
 * event with Standard Webhooks headers that the reference library ({@code com.standardwebhooks:standardwebhooks})
 * verifies with the tenant's secret from {@code GET /v1/webhooks/default/secret}; retried with the same
 * {@code webhook-id} (the shared stack runs the test retry schedule {@code WEBHOOK_TEST_RETRY_WAITS}); never
 * following redirects; and the job's own {@code webhook} object telling the delivery state.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class WebhookDeliveryEndToEndTest {
    private static final String MODEL = "gemini-2.5-flash-image";
    private static final Duration WAIT = Duration.ofSeconds(60);

    private WebhookReceiver receiver;
    private String secret;
    private final Api api = ServiceStack.api(ServiceStack.TENANT_A);
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    void start() throws Exception {
        receiver = new WebhookReceiver();
        secret = api.get("/v1/webhooks/default/secret").body().path("key").asText();
    }

    @AfterAll
    void stop() {
        receiver.close();
    }

    private String submit(String url, List<String> events, String prompt) {
        ObjectNode body = Json.object().put("model", MODEL).put("webhook", url);
        body.set("payload", Json.object().put("prompt", prompt + " " + run));
        if (events != null) {
            events.forEach(body.putArray("webhook_events_filter")::add);
        }
        Response r = api.post("/v1/requests", body);
        assertEquals(202, r.status(), r.raw().body());
        return r.body().path("request_id").asText();
    }

    private List<Delivery> awaitDeliveries(String url, int count) {
        Deadline.await(WAIT, count + " deliveries to " + url, () -> receiver.to(url).size() >= count);
        return receiver.to(url);
    }

    private JsonNode awaitWebhookState(String id, String state) {
        JsonNode[] last = new JsonNode[1];
        Deadline.await(WAIT, "request " + id + "'s webhook to be " + state, () -> {
            last[0] = api.get("/v1/requests/" + id).body();
            return state.equals(last[0].path("webhook").path("state").asText());
        });
        return last[0];
    }

    /** The reference library's verdict on a delivery, with the headers exactly as they arrived. */
    private static void verify(String secret, Delivery d) throws WebhookVerificationException {
        try {
            new Webhook(secret).verify(d.text(), d.headers());
        } catch (com.standardwebhooks.exceptions.EmptyWebhookSecretException e) {
            throw new AssertionError("no secret", e);
        }
    }

    @Test
    void aFinishedJobIsPostedOnceSignedWithItsFinalView() throws Exception {
        String url = receiver.url("ok", "final-" + run);
        String id = submit(url, null, "a lighthouse");
        JsonNode done = api.awaitTerminal(id, WAIT);
        assertEquals("success", done.path("status").asText(), done.toString());

        Delivery d = awaitDeliveries(url, 1).get(0);
        assertDoesNotThrow(() -> verify(secret, d));
        assertEquals("msg_" + id + "_completed", d.header("webhook-id"));
        long timestamp = Long.parseLong(d.header("webhook-timestamp"));
        assertTrue(Math.abs(Instant.now().getEpochSecond() - timestamp) < 300, "a fresh timestamp");
        assertTrue(d.header("webhook-signature").startsWith("v1,"), d.header("webhook-signature"));
        assertTrue(d.header("content-type").startsWith("application/json"), d.header("content-type"));

        JsonNode body = Json.parse(d.text());
        assertEquals(id, body.path("request_id").asText());
        assertEquals("success", body.path("status").asText());
        assertEquals(done.path("outcome").path("images").get(0).path("s3_uri"),
                body.path("outcome").path("images").get(0).path("s3_uri"), "the job's view, images included");
        String presigned = body.path("outcome").path("images").get(0).path("url").asText();
        assertEquals(200, ServiceStack.download(presigned).statusCode(), "a working presigned URL");
        assertEquals(url, body.path("webhook").path("url").asText());

        JsonNode after = awaitWebhookState(id, "delivered");
        assertEquals(1, after.path("webhook").path("attempts").asInt());
        assertEquals(200, after.path("webhook").path("last_status").asInt());
        assertEquals("[\"completed\"]", after.path("webhook").path("events").toString());
        assertEquals(done.path("updated_at"), after.path("updated_at"), "delivery never changes the job");
        assertEquals(1, receiver.to(url).size(), "exactly one POST");
        assertThrows(WebhookVerificationException.class, () -> verify(
                api.get("/v1/webhooks/default/secret").body().path("key").asText().equals(secret)
                        ? otherTenantsSecret() : secret, d), "another tenant's secret does not verify it");
    }

    private String otherTenantsSecret() {
        return ServiceStack.api(ServiceStack.TENANT_B).get("/v1/webhooks/default/secret").body().path("key").asText();
    }

    @Test
    void startAndCompletedAreTwoEventsWithTheirOwnIds() throws Exception {
        String url = receiver.url("ok", "both-" + run);
        String id = submit(url, List.of("start", "completed"), "a fox");
        List<Delivery> both = awaitDeliveries(url, 2);
        Set<String> ids = new HashSet<>();
        for (Delivery d : both) {
            verify(secret, d);
            ids.add(d.header("webhook-id"));
        }
        assertEquals(Set.of("msg_" + id + "_start", "msg_" + id + "_completed"), ids);
        Delivery completed = both.stream().filter(d -> d.header("webhook-id").endsWith("_completed")).findFirst()
                .orElseThrow();
        assertEquals("success", Json.parse(completed.text()).path("status").asText());
    }

    @Test
    void aReceiverThatFailsTwiceGetsTheSameIdThreeTimes() throws Exception {
        String url = receiver.url("flaky", "flaky-" + run);
        String id = submit(url, null, "a heron");
        List<Delivery> three = awaitDeliveries(url, 3);
        assertEquals(3, three.size());
        for (Delivery d : three) {
            assertEquals("msg_" + id + "_completed", d.header("webhook-id"));
            verify(secret, d);
        }
        JsonNode view = awaitWebhookState(id, "delivered");
        assertEquals(3, view.path("webhook").path("attempts").asInt());
        assertEquals(200, view.path("webhook").path("last_status").asInt());
        assertEquals("success", view.path("status").asText());
    }

    @Test
    void aReceiverThatHangsIsTimedOutAndTriedAgain() throws Exception {
        String url = receiver.url("hang", "hang-" + run);
        String id = submit(url, null, "an owl");
        List<Delivery> two = awaitDeliveries(url, 2);
        assertEquals(two.get(0).header("webhook-id"), two.get(1).header("webhook-id"));
        JsonNode view = awaitWebhookState(id, "delivered");
        assertEquals(2, view.path("webhook").path("attempts").asInt());
    }

    @Test
    void redirectsAreNotFollowed() {
        String url = receiver.url("redirect", "redirect-" + run);
        String id = submit(url, null, "a wren");
        awaitDeliveries(url, 1);
        JsonNode[] view = new JsonNode[1];
        Deadline.await(WAIT, "the 302 to be recorded", () -> {
            view[0] = api.get("/v1/requests/" + id).body();
            return view[0].path("webhook").path("last_status").asInt() == 302;
        });
        assertNotEquals("delivered", view[0].path("webhook").path("state").asText());
        assertTrue(receiver.to(receiver.url("ok", "redirected")).isEmpty(), "the Location was never fetched");
    }

    @Test
    void aCancelledJobSendsCompletedWithItsStatusAndARefusedCancelSendsNothing() throws Exception {
        // Held queued: the simulator answers the first call 429 with a 30 s Retry-After, so the job waits (queued,
        // no attempt spent) and a cancel takes it back, as in the README's walkthrough. Its own model: the 429 pauses
        // the model for every job.
        String cancelledUrl = receiver.url("ok", "cancel-" + run);
        ObjectNode held = Json.object().put("model", ServiceStack.THROTTLED_MODEL).put("webhook", cancelledUrl);
        held.set("payload", Json.object().put("prompt", "a kestrel " + run + " [sim:status=429][sim:retry-after=30]"));
        Response submitted = api.post("/v1/requests", held);
        assertEquals(202, submitted.status(), submitted.raw().body());
        String cancelledId = submitted.body().path("request_id").asText();
        int[] cancel = new int[1];
        try {
            Deadline.await(WAIT, "the held job to be cancelled", () -> {
                cancel[0] = api.post("/v1/requests/" + cancelledId + "/cancel", "").status();
                return cancel[0] == 200;
            });
        } finally {
            ServiceStack.forgetUpstreamState(ServiceStack.THROTTLED_MODEL);
        }
        Delivery d = awaitDeliveries(cancelledUrl, 1).get(0);
        verify(secret, d);
        assertEquals("cancelled", Json.parse(d.text()).path("status").asText());

        // A finished job: the cancel is refused (409) and fires nothing more than its one completed.
        String url = receiver.url("ok", "refused-" + run);
        String id = submit(url, null, "a plover");
        api.awaitTerminal(id, WAIT);
        awaitDeliveries(url, 1);
        assertEquals(409, api.post("/v1/requests/" + id + "/cancel", "").status());
        awaitWebhookState(id, "delivered");
        String control = receiver.url("ok", "refused-control-" + run);
        String controlId = submit(control, null, "a dunlin");
        api.awaitTerminal(controlId, WAIT);
        awaitDeliveries(control, 1); // later events have gone through the pipeline by now
        assertEquals(1, receiver.to(url).size(), "the refused cancel sent nothing");
        assertEquals("success", Json.parse(receiver.to(url).get(0).text()).path("status").asText());
    }

    @Test
    void anS3EditWithWebhookMetadataIsPosted() throws Exception {
        String url = receiver.url("ok", "edit-" + run);
        String key = "edits/tenantA/" + run + "/hook.png";
        LocalStack stack = ServiceStack.get();
        stack.s3().putObject(r -> r.bucket(ServiceStack.bucket()).key(key).contentType("image/png")
                .metadata(Map.of("prompt", "add a hat", "webhook", url)), RequestBody.fromBytes(png()));
        Delivery d = awaitDeliveries(url, 1).get(0);
        verify(secret, d);
        JsonNode body = Json.parse(d.text());
        assertEquals(key, body.path("source_key").asText());
        assertEquals("s3", body.path("source").asText());
        assertEquals("success", body.path("status").asText(), body.toString());
    }

    @Test
    void ssrfTargetsAreRefusedAtSubmitWithTheirField() {
        for (String target : List.of("https://10.0.0.7/hook", "https://169.254.169.254/latest/meta-data",
                "https://[fd00::1]/hook", "https://user:pw@hooks.example.com/")) {
            ObjectNode body = Json.object().put("model", MODEL).put("webhook", target);
            body.set("payload", Json.object().put("prompt", "x"));
            Response r = api.post("/v1/requests", body);
            assertEquals(400, r.status(), target + " " + r.raw().body());
            assertEquals("INVALID_WEBHOOK", r.body().path("error").path("code").asText(), target);
            assertEquals("webhook", r.body().path("error").path("field").asText(), target);
        }
    }

    @Test
    void rotationSignsWithBothSecretsDuringTheGrace() throws Exception {
        LocalStack stack = ServiceStack.get();
        String name = "hookrot" + run.replace("-", "");
        Api rotating = newTenant(name, null);
        String old = rotating.get("/v1/webhooks/default/secret").body().path("key").asText();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        assertEquals(0, new KeysCommand(Map.of("IMAGEJOBS_DYNAMODB_PORT",
                Integer.toString(stack.emulators().dynamoDb().port())), print, print)
                .run(List.of("rotate-webhook-secret", "--tenant", name, "--grace", "1h")), out.toString());
        String fresh = rotating.get("/v1/webhooks/default/secret").body().path("key").asText();
        assertNotEquals(old, fresh);

        String url = receiver.url("ok", "rotation-" + run);
        ObjectNode body = Json.object().put("model", MODEL).put("webhook", url);
        body.set("payload", Json.object().put("prompt", "a tern " + run));
        assertEquals(202, rotating.post("/v1/requests", body).status());
        Delivery d = awaitDeliveries(url, 1).get(0);
        assertEquals(2, d.header("webhook-signature").split(" ").length, d.header("webhook-signature"));
        verify(fresh, d);
        verify(old, d);
    }

    @Test
    void twoHundredJobsFinishingTogetherGiveTwoHundredDeliveries() throws Exception {
        String url = receiver.url("ok", "many-" + run);
        // A tenant of its own, allowed 200 submits in a burst (the default key rate is 60 a minute).
        Api many = newTenant("hookmany" + run.replace("-", ""), 1000);
        String manySecret = many.get("/v1/webhooks/default/secret").body().path("key").asText();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            ObjectNode body = Json.object().put("model", MODEL).put("webhook", url);
            body.set("payload", Json.object().put("prompt", "bird " + i + " " + run));
            Response r = many.post("/v1/requests", body);
            assertEquals(202, r.status(), r.raw().body());
            ids.add(r.body().path("request_id").asText());
        }
        Deadline.await(Duration.ofSeconds(240), "200 deliveries to " + url, () -> distinctIds(url).size() >= 200);
        Set<String> expected = new HashSet<>();
        ids.forEach(id -> expected.add("msg_" + id + "_completed"));
        assertEquals(expected, distinctIds(url), "one event per job, none missing, none foreign");
        for (Delivery d : receiver.to(url)) {
            verify(manySecret, d);
        }
        // Duplicates are allowed only as retries: a receiver that always answers 200 gets each id once.
        assertEquals(200, receiver.to(url).size(), "no duplicates");
    }

    private Set<String> distinctIds(String url) {
        Set<String> seen = new HashSet<>();
        receiver.to(url).forEach(d -> seen.add(d.header("webhook-id")));
        return seen;
    }

    /** A tenant of its own, with a key allowed {@code ratePerMinute} submits (null: the default). */
    private static Api newTenant(String name, Integer ratePerMinute) {
        LocalStack stack = ServiceStack.get();
        String key = ApiKey.generate();
        String hash = ApiKey.hash(key);
        new DynamoKeyStore(stack.dynamoDb(), stack.tableName("KeysTable")).put(new KeyRecord(hash,
                ApiKey.idForHash(hash), name, true, ratePerMinute, Instant.now(), "webhook test"));
        return ServiceStack.api(new LocalKey(name, key));
    }

    private static byte[] png() throws Exception {
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(32, 32,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        javax.imageio.ImageIO.write(image, "png", bytes);
        return bytes.toByteArray();
    }
}
