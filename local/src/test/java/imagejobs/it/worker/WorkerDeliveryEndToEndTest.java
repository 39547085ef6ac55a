package imagejobs.it.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.Deadline;
import imagejobs.shared.queue.JobMessage;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * SQS delivers at least once and Lambda may die at any line; every job still ends in exactly one terminal state with
 * Gemini called once per attempt that needed it. On the embedded stack: real ElasticMQ redeliveries and redrive, the
 * packaged worker and dead-letter functions, DynamoDB Local and S3Proxy.
 *
 * <p>Some tests pause the worker's event source to hold a job's message themselves: they hand it to an in-process
 * worker that dies at a chosen line ({@link CrashingWorker}), or receive it until SQS moves it to the dead-letter
 * queue.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WorkerDeliveryEndToEndTest {
    private static final String MODEL = "gemini-2.5-flash-image";
    private static WorkerStack.Tenant tenant;

    @BeforeAll
    static void tenant() {
        tenant = WorkerStack.tenant("wdelivery");
    }

    @Test
    void theSameMessageDeliveredThreeTimesAtOnceCallsGeminiOnce() {
        String marker = WorkerStack.marker("a slow owl");
        String id;
        try (WorkerStack.Pause paused = WorkerStack.pauseWorker()) {
            id = WorkerStack.submit(tenant, WorkerStack.simple(MODEL, marker + " [sim:delay=1000]"));
            // Two more copies of the very message submit sent, waiting with it for the event source.
            WorkerStack.send(WorkerStack.JOBS_QUEUE, JobMessage.body(id));
            WorkerStack.send(WorkerStack.JOBS_QUEUE, JobMessage.body(id));
            Deadline.await(Duration.ofSeconds(10), "three visible copies", () ->
                    WorkerStack.queueCounts(WorkerStack.JOBS_QUEUE)[0] >= 3);
        }
        JsonNode job = WorkerStack.awaitTerminal(tenant, id);

        assertEquals("success", job.path("status").asText(), job::toString);
        assertEquals(1, job.path("attempts").asInt(), "one claim: the copies never started an attempt");
        assertEquals(1, WorkerStack.upstreamCalls(marker), "one call to Gemini");
        assertEquals(List.of(WorkerStack.outputPrefix(tenant.name(), id) + "0.png"),
                WorkerStack.imageKeys(tenant.name(), id), "one set of objects");
        assertEquals(1, job.at("/outcome/images").size());
        Map<String, AttributeValue> item = WorkerStack.item(id).orElseThrow();
        assertEquals("success", item.get("status").s());
        assertEquals("1", item.get("attempts").n());
        assertEquals("1", item.get("image_count").n());
    }

    @Test
    void aWorkerDyingAfterGeminiAnsweredAndBeforeTheStatusWriteIsFinishedByTheRedeliveryWithoutAnotherCall() {
        String marker = WorkerStack.marker("a lighthouse");
        String id;
        Map<String, String> stagedObjects;
        try (WorkerStack.Pause paused = WorkerStack.pauseWorker()) {
            id = WorkerStack.submit(tenant, WorkerStack.simple(MODEL, marker));
            Message message = WorkerStack.receiveJobMessage(id, 30);
            CrashingWorker worker = CrashingWorker.beforeStatusWrite();
            assertThrows(CrashingWorker.Crash.class, () -> worker.process(id, message.receiptHandle()));

            // What the dead worker left: the job processing under its (short) lease, images and outcome in S3.
            JsonNode meanwhile = tenant.api().get("/v1/requests/" + id).body();
            assertEquals("processing", meanwhile.path("status").asText(), meanwhile::toString);
            assertEquals(1, meanwhile.path("attempts").asInt());
            stagedObjects = WorkerStack.outputs(tenant.name(), id);
            String prefix = WorkerStack.outputPrefix(tenant.name(), id);
            assertEquals(List.of(prefix + "0.png", prefix + "outcome.json"), List.copyOf(stagedObjects.keySet()));
            assertEquals(1, WorkerStack.upstreamCalls(marker));
        }
        // SQS brings the message back once the visibility the dead worker set (lease + 5 s) runs out; the stack's
        // worker takes the expired lease over and finishes from the staged outcome.
        JsonNode job = WorkerStack.awaitTerminal(tenant, id);

        assertEquals("success", job.path("status").asText(), job::toString);
        assertEquals(2, job.path("attempts").asInt(), "the redelivery was the second attempt");
        assertEquals(1, WorkerStack.upstreamCalls(marker), "Gemini was not called again");
        assertEquals(stagedObjects, WorkerStack.outputs(tenant.name(), id), "same keys, same bytes, nothing added");
        assertEquals(1, job.at("/outcome/images").size());
        assertTrue(job.at("/outcome/images/0/s3_uri").asText().endsWith(WorkerStack.outputPrefix(tenant.name(), id)
                + "0.png"));
        assertEquals(200, imagejobs.it.ServiceStack.download(job.at("/outcome/media_urls/0/url").asText())
                .statusCode());
    }

    @Test
    void aWorkerDyingWhileStoringTheImagesLeavesNoDuplicatesAfterTheRedelivery() {
        String marker = WorkerStack.marker("a comic strip");
        String id;
        String prefix;
        try (WorkerStack.Pause paused = WorkerStack.pauseWorker()) {
            id = WorkerStack.submit(tenant, WorkerStack.simple(MODEL, marker + " [sim:images=2]"));
            prefix = WorkerStack.outputPrefix(tenant.name(), id);
            Message message = WorkerStack.receiveJobMessage(id, 30);
            CrashingWorker worker = CrashingWorker.beforePut(key -> key.endsWith("/1.png"));
            assertThrows(CrashingWorker.Crash.class, () -> worker.process(id, message.receiptHandle()));
            assertEquals(List.of(prefix + "0.png"), List.copyOf(WorkerStack.outputs(tenant.name(), id).keySet()),
                    "the first image was stored, the second and the outcome not");
        }
        JsonNode job = WorkerStack.awaitTerminal(tenant, id);

        assertEquals("success", job.path("status").asText(), job::toString);
        assertEquals(2, job.path("attempts").asInt());
        assertEquals(2, WorkerStack.upstreamCalls(marker), "nothing was staged, so the redelivery asked again");
        assertEquals(List.of(prefix + "0.png", prefix + "1.png"), WorkerStack.imageKeys(tenant.name(), id),
                "the same keys, overwritten, not duplicated");
        assertEquals(2, job.at("/outcome/images").size());
        assertEquals(2, job.at("/outcome/media_urls").size());
    }

    @Test
    void aMessageSqsMovesToTheDeadLetterQueueFailsItsJob() {
        String marker = WorkerStack.marker("a fox");
        String id;
        int receives = 0;
        try (WorkerStack.Pause paused = WorkerStack.pauseWorker()) {
            id = WorkerStack.submit(tenant, WorkerStack.simple(MODEL, marker));
            // Received and given up on again and again (visibility 0), as a worker crashing at once would: past the
            // redrive policy's maxReceiveCount SQS moves it to the dead-letter queue.
            WorkerStack.receiveJobMessage(id, 0);
            receives = 1;
            for (int i = 0; i < 20; i++) {
                List<Message> got = WorkerStack.stack().sqs().receiveMessage(r -> r
                        .queueUrl(WorkerStack.queueUrl(WorkerStack.JOBS_QUEUE)).maxNumberOfMessages(10)
                        .waitTimeSeconds(1).visibilityTimeout(0)).messages();
                String mine = id;
                if (got.stream().noneMatch(m -> JobMessage.requestId(m.body()).filter(mine::equals).isPresent())) {
                    break;
                }
                receives++;
            }
        }
        assertEquals(10, receives, "the template's maxReceiveCount");
        JsonNode job = WorkerStack.awaitTerminal(tenant, id);

        assertEquals("failed", job.path("status").asText(), job::toString);
        assertEquals("DEAD_LETTERED", job.at("/error/code").asText());
        assertTrue(job.at("/error/message").asText().contains("could not be processed after repeated deliveries"),
                job::toString);
        assertTrue(job.at("/error/retryable").asBoolean());
        assertEquals(0, job.path("attempts").asInt());
        assertEquals(0, WorkerStack.upstreamCalls(marker));
        assertEquals(List.of(), WorkerStack.imageKeys(tenant.name(), id));
    }

    @Test
    void aDeadLetterForAJobWaitingToBeRetriedFailsItWithItsLastError() {
        String marker = WorkerStack.marker("a wolf");
        // Fails once with 503 and waits 30 s (Gemini's Retry-After) for its next delivery.
        String id = WorkerStack.submit(tenant, WorkerStack.simple(MODEL, marker
                + " [sim:status=503] [sim:retry-after=30]"));
        JsonNode waiting = tenant.api().awaitStatus(id, "queued", Duration.ofSeconds(30));
        Deadline.await(Duration.ofSeconds(30), "the first attempt to fail", () ->
                tenant.api().get("/v1/requests/" + id).body().has("last_error"));

        WorkerStack.send(WorkerStack.DEAD_LETTER_QUEUE, JobMessage.body(id));
        JsonNode job = WorkerStack.awaitTerminal(tenant, id);

        assertEquals("failed", job.path("status").asText(), job::toString);
        assertEquals("DEAD_LETTERED", job.at("/error/code").asText());
        assertTrue(job.at("/error/message").asText().contains("last error: UPSTREAM_UNAVAILABLE"), job::toString);
        assertEquals(1, job.path("attempts").asInt());
        assertEquals(1, WorkerStack.upstreamCalls(marker));
        assertFalse(waiting.has("error"));
    }

    @Test
    void aDeadLetterForAJobAWorkerHoldsIsLeftToThatWorker() {
        String marker = WorkerStack.marker("a heron");
        int keptBefore = WorkerStack.queueCounts(WorkerStack.DEAD_LETTER_QUEUE)[1];
        String id = WorkerStack.submit(tenant, WorkerStack.simple(MODEL, marker + " [sim:delay=4000]"));
        tenant.api().awaitStatus(id, "processing", Duration.ofSeconds(30));

        WorkerStack.send(WorkerStack.DEAD_LETTER_QUEUE, JobMessage.body(id));
        // The dead-letter function saw the live lease and kept the message for later instead of failing the job.
        Deadline.await(Duration.ofSeconds(20), "the dead letter to be kept", () ->
                WorkerStack.queueCounts(WorkerStack.DEAD_LETTER_QUEUE)[1] > keptBefore);
        JsonNode job = WorkerStack.awaitTerminal(tenant, id);

        assertEquals("success", job.path("status").asText(), job::toString);
        assertFalse(job.has("error"));
        assertEquals(1, job.path("attempts").asInt());
        assertEquals(1, WorkerStack.upstreamCalls(marker));
    }

    @Test
    void aJobThatCrashesTheWorkerOnEveryAttemptFailsAfterTheLastOne() {
        String marker = WorkerStack.marker("a poison pill");
        String id;
        try (WorkerStack.Pause paused = WorkerStack.pauseWorker()) {
            id = WorkerStack.submit(tenant, WorkerStack.simple(MODEL, marker));
            // A request document the worker cannot read: every attempt dies with an internal error.
            WorkerStack.stack().dynamoDb().updateItem(r -> r.tableName(WorkerStack.stack().tableName("JobsTable"))
                    .key(Map.of("request_id", AttributeValue.fromS(id)))
                    .updateExpression("SET #r = :bad")
                    .expressionAttributeNames(Map.of("#r", "request"))
                    .expressionAttributeValues(Map.of(":bad", AttributeValue.fromS("{not json"))));
        }
        JsonNode job = WorkerStack.awaitTerminal(tenant, id);

        assertEquals("failed", job.path("status").asText(), job::toString);
        assertEquals("WORKER_FAILED", job.at("/error/code").asText());
        assertTrue(job.at("/error/message").asText().contains("gave up after 4 attempts; last error: an internal error in the worker"),
                job::toString);
        assertEquals(4, job.path("attempts").asInt(), "each redelivery was an attempt, up to MAX_ATTEMPTS");
        assertEquals(0, WorkerStack.upstreamCalls(marker));
    }
}
