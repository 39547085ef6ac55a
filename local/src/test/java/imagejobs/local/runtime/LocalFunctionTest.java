package imagejobs.local.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.fixtures.ContextFixtureHandler;
import imagejobs.local.template.FunctionDefinition;
import imagejobs.shared.json.Json;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalFunctionTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
    private static final String CONTEXT_HANDLER = "imagejobs.local.fixtures.ContextFixtureHandler::handleRequest";

    private static FunctionDefinition definition(String handler, int timeoutSeconds) {
        return new FunctionDefinition("FixtureFunction", handler, Path.of("unused.jar"), Map.of("GREETING", "hi"),
                timeoutSeconds, 512, List.of(), List.of(), List.of());
    }

    private static LocalFunction function(String handler, int timeoutSeconds, int maxInstances) {
        FunctionDefinition def = definition(handler, timeoutSeconds);
        return new LocalFunction(def, FunctionCode.classLoader(LocalFunctionTest.class.getClassLoader()),
                def::environment, maxInstances, "us-east-1", "000000000000", QUIET);
    }

    @Test
    void handlerSeesContextEnvironmentAndItsOwnContextClassLoader() {
        try (LocalFunction f = function(CONTEXT_HANDLER, 5, 4)) {
            InvocationResult result = f.invokeWithResult("{}");
            assertTrue(result.succeeded(), result.payload());
            assertTrue(result.coldStart());
            JsonNode out = Json.parse(result.payload());
            assertEquals("FixtureFunction", out.get("functionName").asText());
            assertEquals(result.requestId(), out.get("requestId").asText());
            assertEquals(512, out.get("memory").asInt());
            int remaining = out.get("remainingMs").asInt();
            assertTrue(remaining > 3000 && remaining <= 5000, "remaining " + remaining);
            assertEquals("hi", out.get("environment").get("GREETING").asText());
            assertTrue(out.get("contextClassLoaderIsHandlers").asBoolean());
        }
    }

    @Test
    void warmInstanceIsReusedAndParallelCallsGetInstancesOfTheirOwn() throws Exception {
        try (LocalFunction f = function(CONTEXT_HANDLER, 5, 8)) {
            int first = Json.parse(f.invoke("{}")).get("instance").asInt();
            int second = Json.parse(f.invoke("{}")).get("instance").asInt();
            assertEquals(first, second);
            assertEquals(1, f.coldStarts());

            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<String>> calls = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    calls.add(pool.submit(() -> f.invoke("{\"sleepMs\": 400}")));
                }
                List<Integer> instances = new ArrayList<>();
                for (Future<String> c : calls) {
                    instances.add(Json.parse(c.get(10, TimeUnit.SECONDS)).get("instance").asInt());
                }
                assertEquals(4, instances.stream().distinct().count(), "one invocation at a time per instance");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void instancesAreBoundedAndExtraCallersWait() throws Exception {
        try (LocalFunction f = function(CONTEXT_HANDLER, 5, 2)) {
            ExecutorService pool = Executors.newFixedThreadPool(5);
            try {
                List<Future<InvocationResult>> calls = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    calls.add(pool.submit(() -> f.invokeWithResult("{\"sleepMs\": 200}")));
                }
                for (Future<InvocationResult> c : calls) {
                    assertTrue(c.get(10, TimeUnit.SECONDS).succeeded());
                }
                assertTrue(f.coldStarts() <= 2, "cold starts " + f.coldStarts());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void exceptionsComeBackAsLambdaErrorJson() {
        try (LocalFunction f = function(CONTEXT_HANDLER, 5, 2)) {
            InvocationResult result = f.invokeWithResult("{\"throw\": \"bad input\"}");
            assertTrue(result.functionError());
            JsonNode error = Json.parse(result.payload());
            assertEquals("bad input", error.get("errorMessage").asText());
            assertEquals("java.lang.IllegalArgumentException", error.get("errorType").asText());
            assertTrue(error.get("stackTrace").get(0).asText().contains("ContextFixtureHandler"));
            assertEquals("the cause", error.get("cause").get("errorMessage").asText());

            InvocationResult assertion = f.invokeWithResult("{\"error\": true}");
            assertEquals("java.lang.AssertionError", Json.parse(assertion.payload()).get("errorType").asText());
            // A handled exception leaves the instance warm, as on Lambda.
            assertEquals(1, f.coldStarts());
        }
    }

    @Test
    void timeoutIsReportedLikeLambdaAndTheInstanceIsDiscarded() {
        try (LocalFunction f = function(CONTEXT_HANDLER, 1, 2)) {
            f.invoke("{}"); // warm up so the timeout is not stretched by the cold-start allowance
            // Without the 1 s timeout the 5 s sleep would end normally: the result says which happened.
            InvocationResult result = f.invokeWithResult("{\"sleepMs\": 5000}");
            assertTrue(result.timedOut());
            JsonNode error = Json.parse(result.payload());
            assertEquals("Sandbox.Timedout", error.get("errorType").asText());
            assertTrue(error.get("errorMessage").asText().endsWith("Task timed out after 1.00 seconds"),
                    error.toString());
            assertTrue(f.invokeWithResult("{}").coldStart(), "a timed-out instance is not reused");
        }
    }

    @Test
    void failedColdStartIsAnErrorAndIsRetriedNextTime() {
        try (LocalFunction f = function("imagejobs.local.fixtures.BrokenConstructorHandler", 5, 2)) {
            InvocationResult first = f.invokeWithResult("{}");
            assertTrue(first.functionError());
            assertEquals("environment variable JOBS_TABLE is required",
                    Json.parse(first.payload()).get("errorMessage").asText());
            assertTrue(f.invokeWithResult("{}").coldStart());
        }
    }

    @Test
    void unknownHandlerClassIsRuntimeHandlerNotFound() {
        try (LocalFunction f = function("imagejobs.local.fixtures.NoSuchHandler::handleRequest", 5, 2)) {
            InvocationResult result = f.invokeWithResult("{}");
            assertEquals("Runtime.HandlerNotFound", result.errorType());
            assertEquals("Runtime.HandlerNotFound", Json.parse(result.payload()).get("errorType").asText());
        }
    }

    @Test
    void streamHandlersGetTheRawEvent() {
        try (LocalFunction f = function("imagejobs.local.fixtures.StreamFixtureHandler::handleRequest", 5, 2)) {
            assertEquals("{\"A\":\"B\"}", f.invoke("{\"a\":\"b\"}"));
        }
    }

    @Test
    void sqsEventsAreDeserializedWithLambdasEventSerializer() throws IOException {
        String event = resource("/events/sqs-event.json");
        try (LocalFunction f = function("imagejobs.local.fixtures.SqsFixtureHandler::handleRequest", 5, 2)) {
            JsonNode response = Json.parse(f.invoke(event));
            assertEquals("059f36b4-87a3-44ab-83d2-661975830a7d",
                    response.get("batchItemFailures").get(0).get("itemIdentifier").asText());
        }
    }

    /**
     * The real path: a function jar in a class loader whose parent is the platform loader. The jar here holds the
     * fixture handler and aws-lambda-java-core, nothing of the stack's classpath.
     */
    @Test
    void jarFunctionsRunIsolatedFromTheStacksClasspath(@TempDir Path dir) throws Exception {
        Path jar = dir.resolve("fixture.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            copyClass(out, ContextFixtureHandler.class);
            copyJar(out, Path.of(Context.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        }
        FunctionDefinition def = definition(CONTEXT_HANDLER, 5);
        try (LocalFunction f = new LocalFunction(def, FunctionCode.jar(jar), def::environment, 2, "us-east-1",
                "000000000000", QUIET)) {
            InvocationResult result = f.invokeWithResult("{}");
            assertTrue(result.succeeded(), result.payload());
            assertEquals("FixtureFunction", Json.parse(result.payload()).get("functionName").asText());
        }
        FunctionCode code = FunctionCode.jar(jar);
        try {
            Class<?> isolated = code.classLoader().loadClass(ContextFixtureHandler.class.getName());
            assertNotEquals(ContextFixtureHandler.class, isolated);
            assertFalse(isolated.getClassLoader().getParent() == LocalFunctionTest.class.getClassLoader());
        } finally {
            code.close();
        }
    }

    @Test
    void missingJarIsAClearError() {
        FunctionDefinition def = definition(CONTEXT_HANDLER, 5);
        try (LocalFunction f = new LocalFunction(def, FunctionCode.jar(Path.of("/nonexistent/fn.jar")),
                def::environment, 2, "us-east-1", "000000000000", QUIET)) {
            InvocationResult result = f.invokeWithResult("{}");
            assertTrue(Json.parse(result.payload()).get("errorMessage").asText().contains("/nonexistent/fn.jar"));
        }
    }

    private static void copyClass(JarOutputStream out, Class<?> type) throws IOException {
        String name = type.getName().replace('.', '/') + ".class";
        out.putNextEntry(new JarEntry(name));
        try (InputStream in = type.getClassLoader().getResourceAsStream(name)) {
            in.transferTo(out);
        }
        out.closeEntry();
    }

    private static void copyJar(JarOutputStream out, Path source) throws IOException {
        try (JarFile jar = new JarFile(source.toFile())) {
            var entries = jar.entries();
            while (entries.hasMoreElements()) {
                JarEntry e = entries.nextElement();
                if (e.isDirectory() || e.getName().startsWith("META-INF/")) {
                    continue;
                }
                out.putNextEntry(new JarEntry(e.getName()));
                try (InputStream in = jar.getInputStream(e)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
    }

    static String resource(String name) throws IOException {
        try (InputStream in = LocalFunctionTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

}
