package imagejobs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.local.LocalStack;
import imagejobs.local.TestPaths;
import imagejobs.local.http.RouteTable;
import imagejobs.local.runtime.InvocationResult;
import imagejobs.local.template.FunctionDefinition;
import imagejobs.shared.json.Json;

/**
 * Every sample event in events/ (the files `./run-local invoke` and `sam local invoke` take) runs through its handler
 * on the shared service stack, so a sample that stops matching its handler breaks the build. The samples carry
 * example keys and ids that do not exist here: HTTP events must answer a client error, never a 5xx; queue and S3
 * events must finish without a function error. HTTP events then run once more as a real tenant, where each route
 * must give the answer a client would expect.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EventsEndToEndTest {
    /** Which function each sample is for, by file name prefix. A new sample needs a line here. */
    private static final Map<String, String> FUNCTION_BY_PREFIX = Map.of(
            "submit-", "SubmitFunction",
            "status-", "StatusFunction",
            "models-", "StatusFunction",
            "worker-", "WorkerFunction",
            "dead-letter-", "DeadLetterFunction",
            "s3-", "EditTriggerFunction");

    /**
     * The status each HTTP sample answers when sent with a real tenant's key: its ids do not exist (404), the rest
     * succeeds. Samples whose body references images on the internet are left out: the worker would try to fetch
     * them, and tests never leave this machine.
     */
    private static final Map<String, Integer> STATUS_AS_TENANT = Map.of(
            "submit-request-queue.json", 202,
            "status-get.json", 404,
            "status-list.json", 200,
            "status-cancel.json", 404,
            "models-list.json", 200,
            "models-get.json", 200);

    private final LocalStack stack = ServiceStack.get();

    static Stream<String> events() {
        try (Stream<Path> files = Files.list(eventsDirectory())) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted()
                    .toList();
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
        } else if (isS3(json)) {
            assertTrue(response.isTextual(), file + ": the edit trigger's summary, got " + response);
            List<String> outcomes = List.of(response.asText().split(","));
            assertEquals(json.path("Records").size(), outcomes.size(), file + ": one outcome per record: " + response);
            assertFalse(outcomes.contains("ERROR"), file + ": " + response);
        } else {
            throw new AssertionError(file + " is neither an HTTP API, an SQS nor an S3 event");
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
        ((ObjectNode) event.path("headers")).put("authorization", "Bearer " + ServiceStack.TENANT_A.key());
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
        JsonNode body = Json.parse(response.path("body").asText());
        switch (file) {
            case "submit-request-queue.json" -> assertEquals("queued", body.path("status").asText(), body.toString());
            case "status-list.json" -> assertTrue(body.path("data").isArray(), body.toString());
            case "models-list.json" -> assertTrue(body.path("data").size() >= 1, body.toString());
            case "models-get.json" -> assertEquals(json.path("pathParameters").path("model").asText(),
                    body.path("id").asText(), body.toString());
            default -> assertEquals("NOT_FOUND", body.path("error").path("code").asText(), body.toString());
        }
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

        // Both submit forms, and queue / bucket events for the functions they trigger.
        assertTrue(files.containsAll(List.of("submit-request-queue.json", "submit-generate-content.json",
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
