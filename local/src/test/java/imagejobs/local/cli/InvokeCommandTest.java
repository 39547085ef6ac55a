package imagejobs.local.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import imagejobs.local.TestPaths;

/**
 * {@code ./run-local invoke} refuses what cannot work before it starts anything: an event of another type than the
 * function's triggers send, an HTTP request for another function's route, no event at all. Each refusal names what
 * the function takes and the samples in events/ that fit it.
 */
class InvokeCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private String refusal(String... args) {
        InvokeCommand invoke = new InvokeCommand(TestPaths.root(), Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String message = assertThrows(UsageException.class, () -> invoke.run(List.of(args))).getMessage();
        assertFalse(err.toString(StandardCharsets.UTF_8).contains("starting"), "refused before any stack started");
        assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing on stdout");
        return message;
    }

    private static String sample(String name) {
        return TestPaths.root().resolve("events").resolve(name).toString();
    }

    @Test
    void anSqsEventForTheSubmitFunctionNamesTheTypeItTakes() {
        String message = refusal("SubmitFunction", "--event", sample("worker-sqs-batch.json"));
        assertTrue(message.startsWith("SubmitFunction takes an API Gateway HTTP API event (payload format 2.0) for "
                + "POST /v1/requests"), message);
        assertTrue(message.contains("worker-sqs-batch.json is an SQS event"), message);
        // (submit-generate-content.json is no sample of it any more: its route is the Google function's.)
        assertTrue(message.contains("sample events for SubmitFunction: events/submit-request-queue.json"), message);
    }

    @Test
    void anHttpEventForTheWorkerAndAnS3EventForTheDeadLetterConsumerAreRefused() {
        String worker = refusal("WorkerFunction", "--event", sample("submit-request-queue.json"));
        assertTrue(worker.contains("WorkerFunction takes an SQS event from JobsQueue"), worker);
        assertTrue(worker.contains("is an API Gateway HTTP API event"), worker);
        assertTrue(worker.contains("events/worker-sqs-batch.json"), worker);

        String deadLetter = refusal("DeadLetterFunction", "--event", sample("s3-put-edit.json"));
        assertTrue(deadLetter.contains("DeadLetterFunction takes an SQS event from JobsDeadLetterQueue"), deadLetter);
        assertTrue(deadLetter.contains("is an S3 event"), deadLetter);

        String edit = refusal("EditTriggerFunction", "--event", sample("worker-sqs-batch.json"));
        assertTrue(edit.contains("EditTriggerFunction takes an S3 event from bucket"), edit);
    }

    @Test
    void aRequestForAnotherFunctionsRouteNamesThatFunction() {
        String message = refusal("SubmitFunction", "--event", sample("status-get.json"));
        assertTrue(message.contains("a request for StatusFunction (route GET /v1/requests/{request_id}), not for "
                + "SubmitFunction: ./run-local invoke StatusFunction --event "), message);
    }

    @Test
    void anEventOfNoTriggerAndNoEventAtAllAreRefused(@TempDir Path dir) throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.json"), "{}");
        String unknown = refusal("StatusFunction", "--event", empty.toString());
        assertTrue(unknown.contains("is not an event any trigger of the template sends"), unknown);

        String missing = refusal("WorkerFunction");
        assertTrue(missing.startsWith("invoke WorkerFunction needs --event FILE: an SQS event from JobsQueue"),
                missing);

        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"version\":");
        assertTrue(refusal("SubmitFunction", "--event", broken.toString()).endsWith("broken.json is not valid JSON"));

        String function = refusal("NoSuchFunction", "--event", sample("status-get.json"));
        assertTrue(function.contains("no function NoSuchFunction in the template; functions: ")
                && function.contains("SubmitFunction"), function);
    }
}
