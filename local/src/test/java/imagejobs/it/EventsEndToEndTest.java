package imagejobs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.local.LocalStack;
import imagejobs.local.TestPaths;
import imagejobs.local.cli.InvokeCommand;
import imagejobs.local.http.RouteTable;
import imagejobs.local.runtime.InvocationResult;
import imagejobs.local.template.FunctionDefinition;
import imagejobs.shared.edits.S3Upload;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;
import imagejobs.shared.queue.JobMessage;

/**
 * Every sample event in events/ (the files `./run-local invoke` and `sam local invoke` take) runs through its handler
 * on the shared service stack, so a sample that stops matching its handler breaks the build. The samples carry
 * example keys and ids that do not exist here: HTTP events must answer a client error, never a 5xx; queue and S3
 * events must finish without a function error. HTTP events then run once more as a real tenant, where each route
 * must give the answer a client would expect.
 *
 * <p>Then each sample goes through what {@code ./run-local invoke} does (a private stack seeded with what the event
 * names, see {@link InvokeCommand}) and must do what it is for: the README lists each one with its outcome.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EventsEndToEndTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    /**
     * The submit function's native-form sample: its route (POST /v1beta/models/{model}) now belongs to the Google
     * function, so no invoke of SubmitFunction accepts it; SubmitHandlerTest still reads it for the handler's own
     * native-form code.
     */
    private static final String UNROUTED_SUBMIT_SAMPLE = "submit-generate-content.json";

    /** Which function each sample is for, by file name prefix. A new sample needs a line here. */
    private static final Map<String, String> FUNCTION_BY_PREFIX = Map.of(
            "submit-", "SubmitFunction",
            "google-", "GoogleFunction",
            "status-", "StatusFunction",
            "models-", "StatusFunction",
            "worker-", "WorkerFunction",
            "dead-letter-", "DeadLetterFunction",
            "s3-", "EditTriggerFunction",
            "webhook-dispatch-", "WebhookDispatchFunction",
            "webhook-delivery-", "WebhookDeliveryFunction");

    /**
     * The status each HTTP sample answers when sent with a real tenant's key: its ids do not exist (404), the rest
     * succeeds. Samples whose body references images on the internet are left out: the worker would try to fetch
     * them, and tests never leave this machine.
     */
    private static final Map<String, Integer> STATUS_AS_TENANT = Map.ofEntries(
            Map.entry("submit-request-queue.json", 202),
            Map.entry("status-get.json", 404),
            Map.entry("status-list.json", 200),
            Map.entry("status-cancel.json", 404),
            Map.entry("models-list.json", 200),
            Map.entry("models-get.json", 200),
            Map.entry("status-webhook-secret.json", 200),
            Map.entry("status-google-model.json", 200),
            Map.entry("status-google-models.json", 200),
            Map.entry("google-generate-content.json", 200),
            Map.entry("google-stream-v1.json", 200),
            Map.entry("google-batches-list.json", 200),
            Map.entry("google-batch-get.json", 404),
            Map.entry("google-batch-cancel.json", 404),
            Map.entry("google-batch-delete.json", 404),
            Map.entry("google-batches-list-v1.json", 200),
            Map.entry("google-batch-get-v1.json", 404),
            Map.entry("google-batch-cancel-v1.json", 404),
            Map.entry("google-batch-delete-v1.json", 404));

    private final LocalStack stack = ServiceStack.get();

    /** The stack `./run-local invoke` starts (configured by {@link InvokeCommand#privateStack}), one for the class. */
    private static LocalStack invokeStack;

    private static synchronized LocalStack invokeStack() {
        if (invokeStack == null) {
            invokeStack = LocalStack.start(InvokeCommand.privateStack(TestPaths.root(), Map.of())
                    .out(new PrintStream(OutputStream.nullOutputStream())).build());
        }
        return invokeStack;
    }

    @AfterAll
    static void stopInvokeStack() {
        if (invokeStack != null) {
            invokeStack.close();
        }
    }

    static Stream<String> events() {
        try (Stream<Path> files = Files.list(eventsDirectory())) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json"))
                    .filter(n -> !n.equals(UNROUTED_SUBMIT_SAMPLE)).sorted().toList();
            assertFalse(names.isEmpty(), "events/ holds sample events");
            return names.stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("events")
    void eachSampleEventRunsThroughItsHandler(String file) {
        String function = functionFor(file);
        String event = read(file);
        JsonNode json = Json.parse(event);
        InvocationResult result = invoke(function, event);
        assertFalse(result.functionError(), file + " → " + function + " failed: " + result.payload());
        JsonNode response = Json.parse(result.payload());

        if (isHttp(json)) {
            int status = response.path("statusCode").asInt();
            assertTrue(status >= 200 && status < 500, file + " → " + function + " answered " + status + ": "
                    + result.payload());
            if (status >= 400) {
                JsonNode error = Json.parse(response.path("body").asText()).path("error");
                assertFalse(error.path("code").asText().isEmpty(), file + ": error body " + response.path("body"));
                assertFalse(error.path("message").asText().isEmpty(), file + ": error body " + response.path("body"));
            }
        } else if (isSqs(json)) {
            // The sample ids are not jobs here and the poison message is dropped: nothing comes back for a retry.
            assertTrue(response.path("batchItemFailures").isArray(), file + ": an SQSBatchResponse, got " + response);
            assertEquals(0, response.path("batchItemFailures").size(), file + ": " + response);
        } else if (isDynamoDbStream(json)) {
            // Every change's event was enqueued: nothing for the stream to read again.
            assertTrue(response.path("batchItemFailures").isArray(), file + ": a StreamsEventResponse, got " + response);
            assertEquals(0, response.path("batchItemFailures").size(), file + ": " + response);
        } else if (isS3(json)) {
            assertTrue(response.isTextual(), file + ": the edit trigger's summary, got " + response);
            List<String> outcomes = List.of(response.asText().split(","));
            assertEquals(json.path("Records").size(), outcomes.size(), file + ": one outcome per record: " + response);
            assertFalse(outcomes.contains("ERROR"), file + ": " + response);
        } else {
            throw new AssertionError(file + " is neither an HTTP API, an SQS, a DynamoDB stream nor an S3 event");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("events")
    void httpSamplesAnswerARealTenantAsAClientExpects(String file) {
        JsonNode json = Json.parse(read(file));
        if (!isHttp(json) || !STATUS_AS_TENANT.containsKey(file)) {
            assertTrue(!isHttp(json) || read(file).contains("https://"), file + " needs an entry in "
                    + "STATUS_AS_TENANT (only samples that reference internet images are left out)");
            return;
        }
        ObjectNode event = (ObjectNode) json;
        ObjectNode headers = (ObjectNode) event.path("headers");
        if (headers.has("x-goog-api-key")) {
            headers.put("x-goog-api-key", ServiceStack.TENANT_A.key()); // one key: two different ones are a 401
        } else {
            headers.put("authorization", "Bearer " + ServiceStack.TENANT_A.key());
        }
        InvocationResult result = invoke(functionFor(file), Json.write(event));
        assertFalse(result.functionError(), file + ": " + result.payload());
        JsonNode response = Json.parse(result.payload());
        if (response.path("statusCode").asInt() == 429) {
            // The other suites on this stack submit as the same tenant: wait out its per-minute window once.
            sleepSeconds(response.path("headers").path("retry-after").asInt(60));
            result = invoke(functionFor(file), Json.write(event));
            response = Json.parse(result.payload());
        }
        assertEquals(STATUS_AS_TENANT.get(file).intValue(), response.path("statusCode").asInt(),
                file + " as " + ServiceStack.TENANT_A.tenant() + ": " + result.payload());
        if (file.startsWith("google-batch")) {
            // Google's batch routes, in Google's shapes: no batch has the sample's id; the list is the tenant's.
            JsonNode answer = Json.parse(response.path("body").asText());
            assertEquals(file.startsWith("google-batches-list"), !answer.has("error"), file + ": " + answer);
            return;
        }
        if (file.startsWith("google-")) {
            // Gemini's GenerateContentResponse (as JSON, or as one server-sent event): the job, run while waiting.
            String answer = response.path("body").asText();
            assertTrue(answer.contains("\"responseId\"") && answer.contains("\"inlineData\""), file);
            return;
        }
        JsonNode body = Json.parse(response.path("body").asText());
        switch (file) {
            case "submit-request-queue.json" -> assertEquals("queued", body.path("status").asText(), body.toString());
            case "status-list.json" -> assertTrue(body.path("data").isArray(), body.toString());
            case "models-list.json" -> assertTrue(body.path("data").size() >= 1, body.toString());
            case "models-get.json" -> assertEquals(json.path("pathParameters").path("model").asText(),
                    body.path("id").asText(), body.toString());
            case "status-webhook-secret.json" -> assertTrue(body.path("key").asText().startsWith("whsec_"),
                    "the tenant's webhook secret, not printed here");
            case "status-google-model.json" -> assertEquals("models/" + json.path("pathParameters").path("model")
                    .asText(), body.path("name").asText(), body.toString());
            case "status-google-models.json" -> assertTrue(body.path("models").size() >= 1, body.toString());
            default -> assertEquals("NOT_FOUND", body.path("error").path("code").asText(), body.toString());
        }
    }

    /**
     * What each sample is for, through {@code ./run-local invoke}'s seeding on its kind of stack. The README's
     * "Other local commands" names the same outcome next to each sample.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("events")
    void eachSampleDoesWhatItIsForThroughInvoke(String file) {
        LocalStack seeded = invokeStack();
        InvokeCommand.Outcome outcome = new InvokeCommand(TestPaths.root(), Map.of(), QUIET, QUIET)
                .invoke(seeded, functionFor(file), read(file), true);
        InvocationResult result = outcome.result();
        assertFalse(result.functionError(), file + ": " + result.payload());
        JsonNode response = Json.parse(result.payload());
        JsonNode event = Json.parse(read(file));
        JsonNode body = isHttp(event) && (!file.startsWith("google-") || file.startsWith("google-batch"))
                ? Json.parse(response.path("body").asText()) : null;
        int status = response.path("statusCode").asInt();
        String context = file + " → " + result.payload() + " seeded " + outcome.seeded() + " jobs " + outcome.jobs();
        switch (file) {
            case "submit-request-queue.json", "submit-generate-content.json" -> {
                assertEquals(202, status, context);
                assertEquals("queued", body.path("status").asText(), context);
                Job job = outcome.jobs().get(body.path("request_id").asText()).orElseThrow(() ->
                        new AssertionError(context));
                assertEquals(JobStatus.QUEUED, job.status(), context);
                assertEquals("dev", job.tenant(), "the event's key was seeded for the dev tenant: " + context);
            }
            case "google-generate-content.json", "google-stream-v1.json" -> {
                assertEquals(200, status, context);
                String answer = response.path("body").asText();
                assertTrue(answer.contains("\"responseId\"") && answer.contains("\"inlineData\""), context);
                assertEquals(file.contains("stream"), answer.startsWith("data: "), context);
            }
            case "status-get.json" -> {
                assertEquals(200, status, context);
                assertEquals(event.path("pathParameters").path("request_id").asText(), body.path("request_id")
                        .asText(), context);
            }
            case "status-cancel.json" -> {
                assertEquals(200, status, context);
                assertEquals("cancelled", body.path("status").asText(), context);
                assertEquals(JobStatus.CANCELLED, onlyJob(outcome).status(), context);
            }
            case "status-list.json" -> {
                assertEquals(200, status, context);
                assertTrue(body.path("data").isArray(), context);
            }
            case "models-list.json" -> {
                assertEquals(200, status, context);
                assertTrue(body.path("data").size() >= 1, context);
            }
            case "models-get.json" -> {
                assertEquals(200, status, context);
                assertEquals(event.path("pathParameters").path("model").asText(), body.path("id").asText(), context);
            }
            case "status-google-model.json" -> {
                assertEquals(200, status, context);
                assertEquals("models/" + event.path("pathParameters").path("model").asText(),
                        body.path("name").asText(), context);
            }
            case "status-google-models.json" -> {
                assertEquals(200, status, context);
                assertTrue(body.path("models").size() >= 1, context);
                assertTrue(body.path("models").path(0).path("name").asText().startsWith("models/"), context);
            }
            case "google-batches-list.json", "google-batches-list-v1.json" -> {
                assertEquals(200, status, context);
                assertFalse(body.has("error"), context);
            }
            case "google-batch-get.json", "google-batch-get-v1.json", "google-batch-cancel.json",
                    "google-batch-cancel-v1.json", "google-batch-delete.json", "google-batch-delete-v1.json" -> {
                // No batch of that id: the seeder makes jobs, not batches.
                assertEquals(404, status, context);
                assertEquals("NOT_FOUND", body.path("error").path("status").asText(), context);
            }
            case "status-webhook-secret.json" -> {
                assertEquals(200, status, "the seeded tenant's webhook secret, made on this first call");
                assertTrue(body.path("key").asText().matches("whsec_[A-Za-z0-9+/]{43}="), "a whsec_ secret");
            }
            case "worker-sqs-batch.json" -> {
                assertEquals(0, response.path("batchItemFailures").size(), context);
                assertEquals(jobIdsIn(event), outcome.jobs().keySet(), context);
                for (Optional<Job> job : outcome.jobs().values()) {
                    Job done = job.orElseThrow(() -> new AssertionError(context));
                    assertEquals(JobStatus.SUCCESS, done.status(), context);
                    String key = done.outcome().path("images").path(0).path("key").asText();
                    assertTrue(key.startsWith("outputs/dev/" + done.requestId() + "/"), context);
                    assertTrue(seeded.s3().headObject(r -> r.bucket(seeded.bucketName("ImagesBucket")).key(key))
                            .contentLength() > 0, "image in S3: " + key);
                }
            }
            case "dead-letter-batch.json" -> {
                assertEquals(0, response.path("batchItemFailures").size(), context);
                assertEquals(jobIdsIn(event), outcome.jobs().keySet(), context);
                for (Optional<Job> job : outcome.jobs().values()) {
                    Job failed = job.orElseThrow(() -> new AssertionError(context));
                    assertEquals(JobStatus.FAILED, failed.status(), context);
                    assertEquals("DEAD_LETTERED", failed.error().code(), context);
                }
            }
            case "s3-put-edit.json" -> {
                assertEquals("QUEUED", response.asText(), context);
                Job job = onlyJob(outcome);
                assertEquals(JobStatus.QUEUED, job.status(), context);
                assertEquals(S3Upload.decodeKey(event.path("Records").path(0).path("s3").path("object").path("key")
                        .asText()), job.sourceKey(), context);
            }
            case "webhook-dispatch-stream.json" -> {
                // The private stack has no pollers: the first attempts wait in the delivery queue, one per event fired
                // (a job's start and completed, an edit born failed, a cancel), none for the other records.
                assertEquals(0, response.path("batchItemFailures").size(), context);
                List<String> queued = drain(seeded, "WebhookDeliveryQueue", 4);
                assertEquals(List.of("01JQ4Z8B6N6M3W9Q2Y7K5T1D0A completed", "01JQ4Z8B6N6M3W9Q2Y7K5T1D0A start",
                        "01JQ4Z8B6N6M3W9Q2Y7K5T1D0C completed", "01JQ4Z8B6N6M3W9Q2Y7K5T1D0D completed"),
                        queued.stream().sorted().toList(), context + " (the queue does not keep their order)");
            }
            case "webhook-delivery-sqs.json" -> {
                // The jobs are the dev tenant's (seeded, or left by other samples on this stack) and ask for no
                // webhook: the messages (tenant-a's) are dropped, the one not due yet is sent on (delayed), the poison
                // one is dropped; no delivery is recorded on any job.
                assertEquals(0, response.path("batchItemFailures").size(), context);
                assertEquals(3, outcome.jobs().size(), context);
                for (Optional<Job> job : outcome.jobs().values()) {
                    Job untouched = job.orElseThrow(() -> new AssertionError(context));
                    assertEquals("dev", untouched.tenant(), context);
                    assertEquals(null, untouched.webhookCompleted(), context);
                }
            }
            default -> throw new AssertionError(file + " needs its intended outcome here and in the README's "
                    + "\"Other local commands\"");
        }
    }

    /** The README's invoke examples: every sample, each for the function it is named for. */
    @Test
    void theReadmeShowsAnInvokeOfEverySampleAimedAtItsFunction() throws IOException {
        Matcher m = Pattern.compile("\\./run-local invoke (\\S+) --event events/([a-z0-9-]+\\.json)")
                .matcher(Files.readString(TestPaths.root().resolve("README.md")));
        Set<String> shown = new TreeSet<>();
        while (m.find()) {
            assertEquals(functionFor(m.group(2)), m.group(1), "README: " + m.group());
            shown.add(m.group(2));
        }
        assertEquals(new TreeSet<>(events().toList()), shown, "README shows an invoke of every sample in events/");
    }

    /** The README's first example as a user types it: the whole command, its own private stack, exit code 0. */
    @Test
    void theReadmeSubmitExampleAnswers202() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new InvokeCommand(TestPaths.root(), Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(List.of("SubmitFunction", "--event",
                eventsDirectory().resolve("submit-request-queue.json").toString()));
        String printed = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, printed);
        JsonNode response = Json.parse(out.toString(StandardCharsets.UTF_8));
        assertEquals(202, response.path("statusCode").asInt(), printed);
        assertTrue(printed.contains("seeded for this event") && printed.contains(": queued (tenant dev"), printed);
    }

    private static Job onlyJob(InvokeCommand.Outcome outcome) {
        assertEquals(1, outcome.jobs().size(), outcome.jobs().toString());
        return outcome.jobs().values().iterator().next().orElseThrow();
    }

    /** The request ids an SQS event's messages carry (poison messages carry none). */
    private static Set<String> jobIdsIn(JsonNode event) {
        Set<String> ids = new java.util.LinkedHashSet<>();
        for (JsonNode record : event.path("Records")) {
            JobMessage.requestId(record.path("body").asText()).ifPresent(ids::add);
        }
        return ids;
    }

    /** An event for every function and for every route of the template, each aimed at the right function. */
    @Test
    void everyFunctionAndRouteHasASampleEvent() {
        List<String> files = events().toList();
        Set<String> functionsWithEvents = files.stream().map(EventsEndToEndTest::functionFor)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> functions = stack.definition().functions().stream().map(FunctionDefinition::logicalId)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(functions, functionsWithEvents, "every function of the template has a sample event");

        RouteTable routes = RouteTable.from(stack.definition().functions());
        Set<String> routeKeysWithEvents = new TreeSet<>();
        for (String file : files) {
            JsonNode json = Json.parse(read(file));
            if (!isHttp(json)) {
                continue;
            }
            String method = json.path("requestContext").path("http").path("method").asText();
            String path = json.path("rawPath").asText();
            RouteTable.RouteMatch match = routes.match(method, path).orElseThrow(() ->
                    new AssertionError(file + ": no route serves " + method + " " + path));
            assertEquals(match.route().routeKey(), json.path("routeKey").asText(), file + ": routeKey");
            assertEquals(match.route().routeKey(), json.path("requestContext").path("routeKey").asText(), file);
            assertEquals(match.route().functionLogicalId(), functionFor(file), file + " is named for another function");
            routeKeysWithEvents.add(match.route().routeKey());
        }
        Set<String> routeKeys = routes.routes().stream().map(RouteTable.Route::routeKey)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(routeKeys, routeKeysWithEvents, "every route has a sample event");

        // The request-queue submit, Google's generateContent, and queue / bucket events for the functions they trigger.
        assertTrue(files.containsAll(List.of("submit-request-queue.json", "google-generate-content.json",
                "worker-sqs-batch.json", "dead-letter-batch.json", "s3-put-edit.json")), files.toString());
    }

    /**
     * One invocation; a cold start that overran Lambda's 10 s initialisation allowance is tried once more (the jar's
     * classes are loaded by then). Only a loaded test machine gets there; a handler failure is never retried.
     */
    private InvocationResult invoke(String function, String event) {
        InvocationResult result = stack.function(function).invokeWithResult(event);
        if (result.timedOut() && result.coldStart()) {
            result = stack.function(function).invokeWithResult(event);
        }
        return result;
    }

    static String functionFor(String file) {
        List<String> matches = FUNCTION_BY_PREFIX.keySet().stream().filter(file::startsWith).toList();
        assertEquals(1, matches.size(), file + ": name it with one of the prefixes " + FUNCTION_BY_PREFIX.keySet());
        return FUNCTION_BY_PREFIX.get(matches.get(0));
    }

    private static void sleepSeconds(int seconds) {
        try {
            Thread.sleep(Math.min(61, Math.max(1, seconds)) * 1000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean isHttp(JsonNode json) {
        return "2.0".equals(json.path("version").asText()) && json.has("routeKey");
    }

    private static boolean isSqs(JsonNode json) {
        return "aws:sqs".equals(json.path("Records").path(0).path("eventSource").asText());
    }

    private static boolean isDynamoDbStream(JsonNode json) {
        return "aws:dynamodb".equals(json.path("Records").path(0).path("eventSource").asText());
    }

    /** "request_id event" of each message received from the stack's queue, up to {@code expected} (bounded polls). */
    private static List<String> drain(LocalStack stack, String queue, int expected) {
        String url = stack.queueUrl(queue);
        List<String> got = new java.util.ArrayList<>();
        for (int polls = 0; polls < 10 && got.size() < expected; polls++) {
            for (var m : stack.sqs().receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1))
                    .messages()) {
                JsonNode body = Json.parse(m.body());
                got.add(body.path("request_id").asText() + " " + body.path("event").asText());
                stack.sqs().deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()));
            }
        }
        return got;
    }

    private static boolean isS3(JsonNode json) {
        return "aws:s3".equals(json.path("Records").path(0).path("eventSource").asText());
    }

    private static Path eventsDirectory() {
        return TestPaths.root().resolve("events");
    }

    private static String read(String file) {
        try {
            String text = Files.readString(eventsDirectory().resolve(file), StandardCharsets.UTF_8);
            assertNotNull(Json.parse(text), file);
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
