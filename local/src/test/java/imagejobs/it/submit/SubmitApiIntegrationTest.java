package imagejobs.it.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.it.ServiceStack;
import imagejobs.local.LocalStack;
import imagejobs.adapters.dynamo.JobItemMapper;
import imagejobs.shared.json.Json;
import imagejobs.shared.queue.JobMessage;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The submit front door on the running stack, as a client meets it: who may submit (401 without or with an unknown
 * key, 403 with a disabled one, Bearer or x-api-key), how often (429 with Retry-After past the key's rate), what
 * an accepted submit answers (202, the job, a Location to poll), Idempotency-Key (the same request → the same job,
 * one job and one message; another request under the key → 409), and that a refused request leaves nothing behind:
 * no job, no upload, no message, no Gemini call. Each test has a tenant and key of its own in the KeysTable.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SubmitApiIntegrationTest {
    private static final String FLASH = "gemini-2.5-flash-image";
    private static final Duration FINISH = Duration.ofSeconds(60);

    private static LocalStack stack;
    private static FrontDoor api;

    @BeforeAll
    static void start() {
        stack = ServiceStack.get();
        api = new FrontDoor(stack.apiUrl());
    }

    private static String simple(String prompt) {
        return Json.write(Json.object().put("model", FLASH).set("payload", Json.object().put("prompt", prompt)));
    }

    private static String marker(String what) {
        return what + "-" + UUID.randomUUID();
    }

    private static void assertError(ServiceStack.Response r, int status, String code, String field) {
        if (r.body().path("error").path("code").isInt()) {
            assertGoogleError(r, status, code, field);
            return;
        }
        assertEquals(status, r.status(), r.raw().body());
        JsonNode error = r.body().path("error");
        assertEquals(code, error.path("code").asText(), r.raw().body());
        assertFalse(error.path("message").asText().isBlank(), "an error says what was wrong: " + r.raw().body());
        if (field == null) {
            assertTrue(error.path("field").isMissingNode() || error.path("field").isNull(), r.raw().body());
        } else {
            assertEquals(field, error.path("field").asText(), r.raw().body());
        }
        assertNull(r.header("location"), "a refused submit points at no job");
    }

    /**
     * The Google routes' refusals ({@code :generateContent}): the same refusal in Google's shape, our code as the
     * ErrorInfo reason and the field as a BadRequest field violation.
     */
    private static void assertGoogleError(ServiceStack.Response r, int status, String code, String field) {
        assertEquals(status, r.status(), r.raw().body());
        JsonNode error = r.body().path("error");
        assertEquals(status, error.path("code").asInt(), r.raw().body());
        assertFalse(error.path("status").asText().isBlank(), r.raw().body());
        assertFalse(error.path("message").asText().isBlank(), "an error says what was wrong: " + r.raw().body());
        assertEquals(code, error.path("details").findValue("reason").asText(), r.raw().body());
        JsonNode violations = error.path("details").findValue("fieldViolations");
        if (field == null) {
            assertTrue(violations == null, r.raw().body());
        } else {
            assertEquals(field, violations.get(0).path("field").asText(), r.raw().body());
        }
        assertNull(r.header("location"), "a refused submit points at no job");
    }

    @Test
    void withoutAValidKeyTheAnswerIs401AndNothingIsStored() {
        TestTenant tenant = TestTenant.create(stack, "auth");
        String marker = marker("no-key");
        String body = simple("a fox " + marker);

        assertError(api.post("/v1/requests", body), 401, "UNAUTHENTICATED", null);
        assertError(api.post("/v1/requests", body, "Authorization", "Basic " + tenant.key()), 401,
                "UNAUTHENTICATED", null);
        assertError(api.post("/v1/requests", body, FrontDoor.bearer("ij_not_a_key_anyone_has_" + UUID.randomUUID())),
                401, "UNAUTHENTICATED", null);
        assertError(api.post("/v1/requests", body, "x-api-key", "ij_unknown_" + UUID.randomUUID()), 401,
                "UNAUTHENTICATED", null);
        assertError(api.post("/v1beta/models/" + FLASH + ":generateContent",
                "{\"contents\":[{\"parts\":[{\"text\":\"" + marker + "\"}]}]}"), 401, "UNAUTHENTICATED", null);

        String jobs = stack.dynamoDb().scan(r -> r.tableName(stack.tableName("JobsTable"))).items().toString();
        assertFalse(jobs.contains(marker), "no job was stored for an unauthenticated submit");
        assertTrue(tenant.jobItems(stack).isEmpty());
    }

    @Test
    void aDisabledKeyIs403() {
        TestTenant disabled = TestTenant.create(stack, "disabled", false, null);

        assertError(api.post("/v1/requests", simple("a fox " + marker("disabled")), FrontDoor.bearer(disabled.key())),
                403, "KEY_DISABLED", null);
        assertError(api.post("/v1/requests", simple("a fox"), "x-api-key", disabled.key()), 403, "KEY_DISABLED",
                null);
        assertTrue(disabled.jobItems(stack).isEmpty());
    }

    @Test
    void anAcceptedSubmitIs202WithTheJobAndALocationToPoll() {
        TestTenant tenant = TestTenant.create(stack, "accept");
        String marker = marker("accepted");

        // x-api-key works as well as Authorization: Bearer.
        ServiceStack.Response submitted = api.post("/v1/requests", simple("a lighthouse " + marker),
                "x-api-key", tenant.key());
        assertEquals(202, submitted.status(), submitted.raw().body());
        String id = submitted.body().path("request_id").asText();
        assertEquals("queued", submitted.body().path("status").asText());
        assertEquals(FLASH, submitted.body().path("model").asText());
        assertFalse(submitted.body().path("created_at").asText().isEmpty());
        assertEquals("/v1/requests/" + id, submitted.header("location"));

        ServiceStack.Response polled = api.get(submitted.header("location"), FrontDoor.bearer(tenant.key()));
        assertEquals(200, polled.status(), polled.raw().body());
        assertEquals(id, polled.body().path("request_id").asText());
        assertEquals(submitted.body().path("created_at"), polled.body().path("created_at"));
        assertEquals("success", api.awaitTerminal(id, tenant.key(), FINISH).path("status").asText());
        assertEquals(1, ServiceStack.simulatorCalls(marker).size());
    }

    @Test
    void pastTheKeysRateTheAnswerIs429WithRetryAfter() {
        int rate = 2;
        TestTenant tenant = TestTenant.create(stack, "rate", true, rate);
        String marker = marker("rate");

        // The counter is per key and minute: the first `rate` submits pass; a 429 follows at once, or, when a new
        // minute starts on the way, within the next `rate` submits.
        int accepted = 0;
        ServiceStack.Response limited = null;
        for (int i = 0; i < 2 * rate + 1 && limited == null; i++) {
            ServiceStack.Response r = api.post("/v1/requests", simple("a fox " + i + " " + marker),
                    FrontDoor.bearer(tenant.key()));
            if (r.status() == 429) {
                assertTrue(i >= rate, "the first " + rate + " submits are within the rate; #" + (i + 1) + " was 429");
                limited = r;
            } else {
                assertEquals(202, r.status(), r.raw().body());
                accepted++;
            }
        }
        assertNotNull(limited, "a submit past " + rate + " per minute is refused");
        assertError(limited, 429, "RATE_LIMITED", null);
        assertTrue(limited.body().at("/error/message").asText().contains(rate + " requests per minute"),
                limited.raw().body());
        String retryAfter = limited.header("retry-after");
        assertNotNull(retryAfter, "429 carries Retry-After");
        int seconds = Integer.parseInt(retryAfter);
        assertTrue(seconds >= 1 && seconds <= 60, "Retry-After within the minute window: " + seconds);
        assertEquals(accepted, tenant.jobItems(stack).size(), "the refused submit stored no job");

        // Other keys are not slowed down by this one.
        TestTenant other = TestTenant.create(stack, "rate-other", true, rate);
        assertEquals(202, api.post("/v1/requests", simple("a fox " + marker), FrontDoor.bearer(other.key())).status());
    }

    @Test
    void theSameIdempotencyKeyAndBodyGiveTheSameJobAndADifferentBodyIs409() {
        TestTenant tenant = TestTenant.create(stack, "idem");
        String marker = marker("idempotent");
        String key = "order-" + UUID.randomUUID();
        String body = simple("a red bicycle " + marker);
        String[] headers = FrontDoor.with(FrontDoor.bearer(tenant.key()), "Idempotency-Key", key);

        ServiceStack.Response first = api.post("/v1/requests", body, headers);
        assertEquals(202, first.status(), first.raw().body());
        String id = first.body().path("request_id").asText();
        assertNull(first.header("idempotent-replayed"));

        ServiceStack.Response again = api.post("/v1/requests", body, headers);
        assertEquals(202, again.status(), again.raw().body());
        assertEquals(id, again.body().path("request_id").asText());
        assertEquals("/v1/requests/" + id, again.header("location"));
        assertEquals("true", again.header("idempotent-replayed"));

        ServiceStack.Response other = api.post("/v1/requests", simple("a red bicycle, but blue " + marker), headers);
        assertError(other, 409, "IDEMPOTENCY_KEY_REUSED", "Idempotency-Key");
        assertTrue(other.body().at("/error/message").asText().contains(id), other.raw().body());

        List<Map<String, AttributeValue>> jobs = tenant.jobItems(stack);
        assertEquals(1, jobs.size(), "one job for the key");
        assertEquals(id, jobs.get(0).get(JobItemMapper.REQUEST_ID).s());

        assertEquals("success", api.awaitTerminal(id, tenant.key(), FINISH).path("status").asText());
        assertEquals(1, ServiceStack.simulatorCalls(marker).size(), "Gemini ran once for the key");
        // Replayed after the fact: the job as it is now.
        ServiceStack.Response late = api.post("/v1/requests", body, headers);
        assertEquals(202, late.status());
        assertEquals(id, late.body().path("request_id").asText());
        assertEquals("success", late.body().path("status").asText());
        assertEquals(1, tenant.jobItems(stack).size());
    }

    /**
     * The stack's worker drains JobsQueue at once, so messages are counted on a queue nobody polls: the packaged
     * submit function behind a front door of its own, sending there. The one message is then handed to JobsQueue,
     * where the worker runs the job to the end.
     */
    @Test
    void anIdempotentReplaySendsNoSecondMessageAndARefusedRequestNone() {
        TestTenant tenant = TestTenant.create(stack, "idem-queue");
        String marker = marker("idempotent-queue");
        String queueUrl = stack.sqs().createQueue(r -> r.queueName("it-submit-idem-" + UUID.randomUUID())).queueUrl();
        try (SubmitRig rig = SubmitRig.start(stack, Map.of("JOBS_QUEUE_URL", queueUrl))) {
            FrontDoor door = rig.client();
            String[] headers = FrontDoor.with(FrontDoor.bearer(tenant.key()), "Idempotency-Key", "k-" + marker);
            String body = simple("a teapot " + marker);

            ServiceStack.Response first = door.post("/v1/requests", body, headers);
            assertEquals(202, first.status(), first.raw().body());
            String id = first.body().path("request_id").asText();
            assertEquals(id, door.post("/v1/requests", body, headers).body().path("request_id").asText());
            assertError(door.post("/v1/requests", simple("a kettle " + marker), headers), 409,
                    "IDEMPOTENCY_KEY_REUSED", "Idempotency-Key");
            assertError(door.post("/v1/requests", "{\"model\":\"" + FLASH + "\",\"payload\":{\"prompt\":\"" + marker
                    + "\",\"aspect_ratio\":\"1:4\"}}", FrontDoor.bearer(tenant.key())), 400,
                    "UNSUPPORTED_ASPECT_RATIO", "payload.aspect_ratio");

            List<Message> messages = drain(queueUrl);
            assertEquals(1, messages.size(), "one message for one job: " + messages);
            assertEquals(JobMessage.body(id), messages.get(0).body(), "the message is the job id only");
            assertEquals(1, tenant.jobItems(stack).size());

            stack.sqs().sendMessage(r -> r.queueUrl(stack.queueUrl("JobsQueue")).messageBody(messages.get(0).body()));
            assertEquals("success", api.awaitTerminal(id, tenant.key(), FINISH).path("status").asText());
            assertEquals(1, ServiceStack.simulatorCalls(marker).size());
        } finally {
            stack.sqs().deleteQueue(r -> r.queueUrl(queueUrl));
        }
    }

    @Test
    void aRefusedRequestStoresNoJobUploadsNothingAndReachesNoWorker() {
        TestTenant tenant = TestTenant.create(stack, "bad");
        String png = Base64.getEncoder().encodeToString(SeedRequests.image("png", Color.GREEN));
        record Bad(String path, String body, String code, String field) {
        }
        List<String> markers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            markers.add(marker("refused-" + i));
        }
        List<Bad> bad = List.of(
                new Bad("/v1/requests", "{\"model\":\"gemini-9-ultra-image\",\"payload\":{\"prompt\":\""
                        + markers.get(0) + "\"}}", "UNKNOWN_MODEL", "model"),
                // A valid inline image in a request refused for another reason is not uploaded.
                new Bad("/v1beta/models/" + FLASH + ":generateContent", "{\"contents\":[{\"parts\":[{\"text\":\""
                        + markers.get(1) + "\"},{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"" + png
                        + "\"}}]}],\"generationConfig\":{\"imageConfig\":{\"aspectRatio\":\"1:4\"}}}",
                        "UNSUPPORTED_ASPECT_RATIO", "generationConfig.imageConfig.aspectRatio"),
                new Bad("/v1/requests", "{\"model\":\"" + FLASH + "\",\"payload\":{\"prompt\":\"" + markers.get(2)
                        + "\",\"image\":\"https://10.1.2.3/a.png\"}}", "INVALID_REFERENCE", "payload.image"),
                new Bad("/v1/requests", "{\"model\":\"" + FLASH + "\",\"payload\":{\"prompt\":\"" + markers.get(3)
                        + "\"}", "INVALID_JSON", null));
        for (Bad b : bad) {
            assertError(api.post(b.path(), b.body(), FrontDoor.bearer(tenant.key())), 400, b.code(), b.field());
        }

        assertTrue(tenant.jobItems(stack).isEmpty(), "no job stored for a refused request");
        assertEquals(0, stack.s3().listObjectsV2(r -> r.bucket(ServiceStack.bucket())
                .prefix("inputs/" + tenant.tenant() + "/")).keyCount(), "no input uploaded for a refused request");

        // A good request sent after them runs to the end; by then a message sent for any of them would have been
        // taken by the worker as well.
        String good = marker("after-refused");
        ServiceStack.Response accepted = api.post("/v1/requests", simple("a fox " + good),
                FrontDoor.bearer(tenant.key()));
        assertEquals(202, accepted.status(), accepted.raw().body());
        String id = accepted.body().path("request_id").asText();
        assertEquals("success", api.awaitTerminal(id, tenant.key(), FINISH).path("status").asText());
        for (String m : markers) {
            assertEquals(List.of(), ServiceStack.simulatorCalls(m), "Gemini never saw the refused " + m);
        }
        List<Map<String, AttributeValue>> jobs = tenant.jobItems(stack);
        assertEquals(1, jobs.size());
        assertEquals(id, jobs.get(0).get(JobItemMapper.REQUEST_ID).s());
    }

    /** Every message in a queue nobody else polls (received, so they stay hidden for a while). */
    static List<Message> drain(String queueUrl) {
        List<Message> all = new ArrayList<>();
        while (true) {
            List<Message> batch = ServiceStack.get().sqs().receiveMessage(r -> r.queueUrl(queueUrl)
                    .maxNumberOfMessages(10).visibilityTimeout(60).waitTimeSeconds(0)).messages();
            if (batch.isEmpty()) {
                return all;
            }
            all.addAll(batch);
        }
    }
}
