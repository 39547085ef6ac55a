package imagejobs.it.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import imagejobs.it.ServiceStack;
import imagejobs.local.LocalStack;
import imagejobs.adapters.dynamo.JobItemMapper;
import imagejobs.shared.json.Json;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * Enqueue failure on the emulators: the packaged submit function with its own wiring against the stack's DynamoDB
 * Local and S3Proxy, its SQS calls failing (a queue URL ElasticMQ does not know; an SQS endpoint answering 500).
 * The caller gets 503 with Retry-After; the job item exists, {@code failed} with ENQUEUE_FAILED, so no job looks
 * queued without a message; no message is in the queue; and the same Idempotency-Key may be sent again (to the
 * stack's healthy front door) for a new job that runs to the end.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EnqueueFailureIntegrationTest {
    private static final String FLASH = "gemini-2.5-flash-image";

    private static LocalStack stack;

    @BeforeAll
    static void start() {
        stack = ServiceStack.get();
    }

    @Test
    void aQueueThatDoesNotExistFailsTheJobAnd503s() {
        String missing = stack.sqsEndpoint() + "/" + stack.context().accountId() + "/it-submit-missing-"
                + UUID.randomUUID();
        try (SubmitRig rig = SubmitRig.start(stack, Map.of("JOBS_QUEUE_URL", missing))) {
            submitFailsWith503(rig, "missing-queue");
            // ElasticMQ did not create the queue on the way: the message has nowhere it could be.
            String name = missing.substring(missing.lastIndexOf('/') + 1);
            assertThrows(QueueDoesNotExistException.class, () -> stack.sqs().getQueueUrl(r -> r.queueName(name)));
        }
    }

    @Test
    void anSqsOutageFailsTheJobAnd503sAndTheQueueStaysEmpty() {
        String queueUrl = stack.sqs().createQueue(r -> r.queueName("it-submit-outage-" + UUID.randomUUID())).queueUrl();
        try (FailingSqs outage = FailingSqs.start();
             SubmitRig rig = SubmitRig.start(stack, Map.of("JOBS_QUEUE_URL", queueUrl,
                     "AWS_ENDPOINT_URL_SQS", outage.url()))) {
            String id = submitFailsWith503(rig, "sqs-outage");

            List<String> sends = outage.calls.stream().filter(c -> c.startsWith("AmazonSQS.SendMessage ")).toList();
            assertFalse(sends.isEmpty(), "the function tried to send: " + outage.calls);
            assertTrue(sends.stream().allMatch(c -> c.contains(id)), "each try carried the job id: " + sends);
            assertTrue(SubmitApiIntegrationTest.drain(queueUrl).isEmpty(), "no message in the queue");
            assertEquals("0", stack.sqs().getQueueAttributes(r -> r.queueUrl(queueUrl)
                    .attributeNamesWithStrings("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"))
                    .attributesAsStrings().get("ApproximateNumberOfMessages"));
        } finally {
            stack.sqs().deleteQueue(r -> r.queueUrl(queueUrl));
        }
    }

    /**
     * Submits through the rig with an Idempotency-Key, expects 503 ENQUEUE_FAILED and a failed job, then submits
     * again with the same key to the stack's own front door. Returns the failed job's id.
     */
    private static String submitFailsWith503(SubmitRig rig, String purpose) {
        TestTenant tenant = TestTenant.create(stack, purpose);
        String marker = purpose + "-" + UUID.randomUUID();
        String body = Json.write(Json.object().put("model", FLASH)
                .set("payload", Json.object().put("prompt", "a paper boat " + marker)));
        String[] headers = FrontDoor.with(FrontDoor.bearer(tenant.key()), "Idempotency-Key", "k-" + marker);

        ServiceStack.Response refused = rig.client().post("/v1/requests", body, headers);
        assertEquals(503, refused.status(), refused.raw().body());
        assertEquals("ENQUEUE_FAILED", refused.body().at("/error/code").asText(), refused.raw().body());
        assertTrue(refused.body().at("/error/message").asText().contains("submit it again"), refused.raw().body());
        assertEquals("1", refused.header("retry-after"));
        assertEquals(null, refused.header("location"));

        // The job was written first and is now failed: never queued without a message.
        List<Map<String, AttributeValue>> jobs = tenant.jobItems(stack);
        assertEquals(1, jobs.size(), "the job item exists");
        Map<String, AttributeValue> job = jobs.get(0);
        String id = job.get(JobItemMapper.REQUEST_ID).s();
        assertEquals("failed", job.get(JobItemMapper.STATUS).s());
        assertEquals("ENQUEUE_FAILED", job.get(JobItemMapper.ERROR_CODE).s());
        assertTrue(job.get(JobItemMapper.ERROR_RETRYABLE).bool());
        assertTrue(job.containsKey(JobItemMapper.COMPLETED_AT), "a failed job is finished: " + job.keySet());

        // The tenant sees it so.
        ServiceStack.Response polled = new FrontDoor(stack.apiUrl()).get("/v1/requests/" + id,
                FrontDoor.bearer(tenant.key()));
        assertEquals(200, polled.status(), polled.raw().body());
        assertEquals("failed", polled.body().path("status").asText());
        assertEquals("ENQUEUE_FAILED", polled.body().at("/error/code").asText());

        // The key was freed: sent again to the healthy stack, the same request becomes a new job that runs.
        FrontDoor healthy = new FrontDoor(stack.apiUrl());
        ServiceStack.Response retried = healthy.post("/v1/requests", body, headers);
        assertEquals(202, retried.status(), retried.raw().body());
        String retriedId = retried.body().path("request_id").asText();
        assertNotEquals(id, retriedId);
        JsonNode done = healthy.awaitTerminal(retriedId, tenant.key(), Duration.ofSeconds(60));
        assertEquals("success", done.path("status").asText(), done.toString());
        assertEquals(1, ServiceStack.simulatorCalls(marker).size(), "Gemini ran for the retried job only");
        assertEquals("failed", tenant.jobItem(stack, id).get(JobItemMapper.STATUS).s(), "the failed job stays failed");
        return id;
    }

    /** An SQS endpoint that is down: every call answers 500 InternalError (AWS JSON protocol); calls are recorded. */
    private static final class FailingSqs implements AutoCloseable {
        final List<String> calls = new CopyOnWriteArrayList<>();
        private final HttpServer server;

        private FailingSqs(HttpServer server) {
            this.server = server;
        }

        static FailingSqs start() {
            try {
                HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
                FailingSqs sqs = new FailingSqs(server);
                server.createContext("/", sqs::handle);
                server.start();
                return sqs;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        private void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                calls.add(exchange.getRequestHeaders().getFirst("X-Amz-Target") + " " + body);
                byte[] error = "{\"__type\":\"com.amazonaws.sqs#InternalError\",\"message\":\"injected outage\"}"
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.0");
                exchange.sendResponseHeaders(500, error.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(error);
                }
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
