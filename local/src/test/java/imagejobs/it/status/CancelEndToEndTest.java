package imagejobs.it.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.it.ServiceStack;
import imagejobs.it.ServiceStack.Api;
import imagejobs.it.ServiceStack.Response;
import imagejobs.local.Deadline;
import imagejobs.local.LocalStack;
import imagejobs.local.resources.LocalKey;
import imagejobs.local.sqs.SqsEventSourcePoller;
import imagejobs.local.template.FunctionDefinition;
import imagejobs.shared.json.Json;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * POST /v1/requests/{id}/cancel on the running service.
 *
 * <p>A job cancelled while queued must never reach Gemini. To make "while queued" deterministic rather than a race
 * against the pollers, that test runs on a second stack started without its SQS event source pollers: the jobs wait
 * in JobsQueue, are cancelled, and only then does the test start the worker's poller (the same
 * {@link SqsEventSourcePoller} the stack would have started), so the worker does receive the cancelled job's
 * message. The other cases run on the shared stack: a processing job (simulator delay) answers 409 and still
 * succeeds; finished jobs answer 409 with their status. They run first, while the second stack starts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CancelEndToEndTest {
    private static final String MODEL = "gemini-2.5-flash-image";
    private static final Duration FINISH = Duration.ofSeconds(60);
    private static final LocalKey PAUSED_KEY = new LocalKey("cancelpaused", "ij_test_key_cancel_paused");

    /** A stack whose worker does not poll until a test starts it; it starts while the shared-stack tests run. */
    private CompletableFuture<LocalStack> pausedStack;
    private LocalStack paused;
    private SqsEventSourcePoller worker;

    @BeforeAll
    void startPausedStack() {
        pausedStack = StatusFixtures.startInBackground(
                StatusFixtures.secondStack(List.of(PAUSED_KEY)).startSqsPollers(false).build());
    }

    @AfterAll
    void stopPausedStack() {
        if (worker != null) {
            worker.close();
        }
        StatusFixtures.close(pausedStack);
    }

    @Test
    @Order(3)
    void aJobCancelledWhileQueuedIsNeverSentToGeminiAndCancellingAgainAnswers200() {
        paused = pausedStack.join();
        StackClient api = new StackClient(paused, PAUSED_KEY);
        String marker = "cancel-queued-" + UUID.randomUUID();
        String cancelled = api.submit(MODEL, "a kestrel " + marker + "-cancelled");
        String control = api.submit(MODEL, "a heron " + marker + "-control");
        assertEquals(2, messages(paused, "JobsQueue"), "both jobs wait in the queue: nothing polls it yet");

        Response first = api.post("/v1/requests/" + cancelled + "/cancel", "");
        assertEquals(200, first.status(), first.raw().body());
        assertEquals("cancelled", first.body().path("status").asText());
        assertEquals(cancelled, first.body().path("request_id").asText());
        assertTrue(first.body().hasNonNull("completed_at"), first.raw().body());
        // Cancelling a cancelled job: 200 again, the same job (not cancelled a second time: same completed_at).
        Response again = api.post("/v1/requests/" + cancelled + "/cancel", "");
        assertEquals(200, again.status(), again.raw().body());
        assertEquals(first.body(), again.body());

        // Now the worker polls, as Lambda's event source mapping would: it receives both messages.
        worker = startWorkerPoller(paused);
        JsonNode ran = api.awaitTerminal(control, FINISH);
        assertEquals("success", ran.path("status").asText(), ran.toString());
        Deadline.await(Duration.ofSeconds(30), "JobsQueue to be empty (both messages handled and deleted)",
                () -> messages(paused, "JobsQueue") == 0);
        assertEquals(0, messages(paused, "JobsDeadLetterQueue"));

        // Gemini saw the control job once and the cancelled job never.
        assertEquals(1, calls(marker + "-control"));
        assertEquals(0, calls(marker + "-cancelled"));
        JsonNode job = api.get("/v1/requests/" + cancelled).body();
        assertEquals("cancelled", job.path("status").asText());
        assertEquals(0, job.path("attempts").asInt());
        assertFalse(job.has("started_at"), job.toString());
        assertFalse(job.has("outcome"), job.toString());
        assertEquals(first.body().path("completed_at"), job.path("completed_at"));
        assertEquals(200, api.post("/v1/requests/" + cancelled + "/cancel", "").status());
    }

    @Test
    @Order(1)
    void aProcessingJobAnswers409WithItsStatusAndStillSucceeds() {
        Api api = ServiceStack.api(StatusFixtures.newTenant(ServiceStack.get(), "cancelp"));
        String marker = "cancel-processing-" + UUID.randomUUID();
        String id = api.submit(MODEL, "a slow otter " + marker + " [sim:delay=3000]");
        api.awaitStatus(id, "processing", Duration.ofSeconds(30));

        Response refused = api.post("/v1/requests/" + id + "/cancel", "");
        assertNotCancellable(refused, "processing");
        assertNotEquals("cancelled", api.get("/v1/requests/" + id).body().path("status").asText());

        JsonNode done = api.awaitTerminal(id, FINISH);
        assertEquals("success", done.path("status").asText(), done.toString());
        assertEquals(1, done.path("attempts").asInt());
        assertEquals(1, done.at("/outcome/images").size(), done.toString());
        assertEquals(1, ServiceStack.simulatorCalls(marker).size());
        assertNotCancellable(api.post("/v1/requests/" + id + "/cancel", ""), "success");
    }

    @Test
    @Order(2)
    void finishedJobsAnswer409WithTheirStatus() {
        Api api = ServiceStack.api(StatusFixtures.newTenant(ServiceStack.get(), "cancelf"));
        String marker = "cancel-finished-" + UUID.randomUUID();
        String succeeded = api.submit(MODEL, "a lark " + marker);
        String failed = api.submit(MODEL, "a blocked lark " + marker + " [sim:block=SAFETY]");
        assertEquals("success", api.awaitTerminal(succeeded, FINISH).path("status").asText());
        JsonNode failure = api.awaitTerminal(failed, FINISH);
        assertEquals("failed", failure.path("status").asText(), failure.toString());

        assertNotCancellable(api.post("/v1/requests/" + succeeded + "/cancel", ""), "success");
        assertNotCancellable(api.post("/v1/requests/" + failed + "/cancel", ""), "failed");
        // Refusing changed nothing.
        assertEquals("success", api.get("/v1/requests/" + succeeded).body().path("status").asText());
        assertEquals(failure.path("error"), api.get("/v1/requests/" + failed).body().path("error"));
    }

    private static void assertNotCancellable(Response r, String current) {
        assertEquals(409, r.status(), r.raw().body());
        assertEquals("NOT_CANCELLABLE", r.body().at("/error/code").asText(), r.raw().body());
        assertEquals(current, r.body().at("/error/current_status").asText(), r.raw().body());
        assertTrue(r.body().at("/error/message").asText().contains(current), r.raw().body());
    }

    /** The worker's SQS event source as the stack declares it, polling now. */
    private static SqsEventSourcePoller startWorkerPoller(LocalStack stack) {
        FunctionDefinition worker = stack.definition().function("WorkerFunction").orElseThrow();
        FunctionDefinition.SqsEventSource source = worker.sqsEventSources().get(0);
        SqsEventSourcePoller poller = new SqsEventSourcePoller(source, stack.function("WorkerFunction"), stack.sqs(),
                stack.context().region(), stack.config().sqsWaitSeconds(), stack.config().out());
        poller.start();
        return poller;
    }

    /** Messages in a queue: waiting, in flight and delayed. */
    private static int messages(LocalStack stack, String queue) {
        Map<QueueAttributeName, String> a = stack.sqs().getQueueAttributes(r -> r.queueUrl(stack.queueUrl(queue))
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
        return a.values().stream().mapToInt(Integer::parseInt).sum();
    }

    /** Upstream calls on the paused stack's simulator whose body mentions {@code marker}. */
    private long calls(String marker) {
        return paused.geminiSimulator().orElseThrow().requests().stream()
                .filter(r -> Json.write(r.path("body")).contains(marker)).count();
    }
}
