package imagejobs.local.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

/** The request log, the API key check and the simulator's lifecycle. */
class GeminiSimulatorControlTest {
    private static final String FLASH = "gemini-2.5-flash-image";
    private static final String KEY = "test-key-123";

    private static GeminiSimulator sim;
    private static SimHttp http;

    @BeforeAll
    static void start() {
        sim = GeminiSimulator.start(GeminiSimulatorConfig.defaults().withApiKey(KEY));
        http = new SimHttp(sim.baseUrl());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @BeforeEach
    void clear() {
        sim.clearRequests();
    }

    @Test
    void baseUrlIsLoopbackWithTheChosenPort() {
        assertTrue(sim.port() > 0);
        assertEquals("http://127.0.0.1:" + sim.port(), sim.baseUrl());
    }

    @Test
    void healthEndpoint() {
        SimHttp.Reply reply = http.send(http.request("/__sim/health").GET().build());

        assertEquals(200, reply.status());
        assertTrue(http.send(http.request("/__sim/requests").GET().build()).json().isEmpty(),
                "control calls are not logged");
    }

    @Test
    void requestLogShowsWhatWasSentOldestFirst() {
        http.generate(FLASH, SimHttp.prompt("first"), "x-goog-api-key", KEY, "X-Trace-Id", "abc");
        http.send(http.request("/v1beta/models/" + FLASH + ":generateContent?key=" + KEY + "&alt=json")
                .POST(HttpRequest.BodyPublishers.ofString("not json")).build());

        JsonNode log = http.send(http.request("/__sim/requests").GET().build()).json();

        assertEquals(2, log.size());
        JsonNode first = log.get(0);
        assertEquals("POST", first.path("method").asText());
        assertEquals("/v1beta/models/" + FLASH + ":generateContent", first.path("path").asText());
        assertTrue(first.path("query").isNull());
        assertEquals(KEY, first.path("headers").path("x-goog-api-key").asText());
        assertEquals("abc", first.path("headers").path("x-trace-id").asText(), "names are lower-case");
        assertEquals("first", first.path("body").path("contents").path(0).path("parts").path(0).path("text").asText());
        Instant.parse(first.path("received_at").asText());

        JsonNode second = log.get(1);
        assertEquals("key=" + KEY + "&alt=json", second.path("query").asText());
        assertTrue(second.path("body").isNull(), "a body that is not JSON is logged as null");

        List<JsonNode> viaJava = sim.requests();
        assertEquals(2, viaJava.size());
        assertEquals(first, viaJava.get(0));
        assertEquals(second, viaJava.get(1));
    }

    @Test
    void deleteClearsTheLog() {
        http.generate(FLASH, SimHttp.prompt("to be forgotten"), "x-goog-api-key", KEY);

        assertEquals(200, http.send(http.request("/__sim/requests").DELETE().build()).status());

        assertTrue(sim.requests().isEmpty());
    }

    @Test
    void logKeepsTheNewestWithinItsBounds() {
        try (GeminiSimulator small = GeminiSimulator.start(GeminiSimulatorConfig.defaults()
                .withRequestLog(3, 1 << 20))) {
            SimHttp client = new SimHttp(small.baseUrl());
            for (int i = 0; i < 5; i++) {
                client.generate(FLASH, SimHttp.prompt("n" + i + " [sim:status=500]"));
            }

            List<JsonNode> log = small.requests();

            assertEquals(3, log.size());
            assertTrue(log.get(0).path("body").toString().contains("n2"));
            assertTrue(log.get(2).path("body").toString().contains("n4"));
        }
    }

    @Test
    void keyInGoogleHeaderBearerOrQueryIsAccepted() {
        assertEquals(200, http.generate(FLASH, SimHttp.prompt("x"), "x-goog-api-key", KEY).status());
        assertEquals(200, http.generate(FLASH, SimHttp.prompt("x"), "Authorization", "Bearer " + KEY).status());
        assertEquals(200, http.send(http.request("/v1beta/models/" + FLASH + ":generateContent?key=" + KEY)
                .POST(HttpRequest.BodyPublishers.ofString(SimHttp.prompt("x").toString())).build()).status());
    }

    @Test
    void noKeyIsPermissionDenied() {
        SimHttp.Reply reply = http.generate(FLASH, SimHttp.prompt("x"));

        assertEquals(403, reply.status());
        assertEquals("PERMISSION_DENIED", reply.error().path("status").asText());
        assertTrue(reply.error().path("message").asText().startsWith("Method doesn't allow unregistered callers"));
    }

    @Test
    void wrongKeyIsApiKeyInvalid() {
        SimHttp.Reply reply = http.generate(FLASH, SimHttp.prompt("x"), "x-goog-api-key", "wrong");

        assertEquals(400, reply.status());
        JsonNode error = reply.error();
        assertEquals("INVALID_ARGUMENT", error.path("status").asText());
        assertEquals("API key not valid. Please pass a valid API key.", error.path("message").asText());
        JsonNode info = error.path("details").path(0);
        assertEquals("type.googleapis.com/google.rpc.ErrorInfo", info.path("@type").asText());
        assertEquals("API_KEY_INVALID", info.path("reason").asText());
        assertEquals(400, http.generate(FLASH, SimHttp.prompt("x"), "Authorization", "Bearer wrong").status());
    }

    @Test
    void keyIsCheckedBeforeTheModel() {
        assertEquals(403, http.generate("no-such-model", SimHttp.prompt("x")).status());
    }

    @Test
    void anyKeyWhenNoneIsConfigured() {
        try (GeminiSimulator open = GeminiSimulator.start()) {
            SimHttp client = new SimHttp(open.baseUrl());
            assertEquals(200, client.generate(FLASH, SimHttp.prompt("x")).status());
            assertEquals(200, client.generate(FLASH, SimHttp.prompt("x"), "x-goog-api-key", "anything").status());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS) // a close that hangs fails here rather than stalling the build
    void closeFreesThePortAndLeavesNoThreads() throws Exception {
        long dispatchersBefore = dispatcherThreads();
        GeminiSimulator shortLived = GeminiSimulator.start();
        int port = shortLived.port();
        assertEquals(200, new SimHttp(shortLived.baseUrl()).generate(FLASH, SimHttp.prompt("x")).status());

        shortLived.close();
        shortLived.close(); // idempotent

        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
        // HttpServer's dispatcher is the one non-daemon thread; it must be gone so a JVM can exit.
        for (int i = 0; i < 20 && dispatcherThreads() > dispatchersBefore; i++) {
            Thread.sleep(50);
        }
        assertEquals(dispatchersBefore, dispatcherThreads());
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && !t.isDaemon() && t.getName().startsWith("gemini-sim-")));
    }

    private static long dispatcherThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !t.isDaemon() && t.getName().startsWith("HTTP-Dispatcher")).count();
    }

    @Test
    void standaloneConfigReadsArgumentsThenEnvironment() {
        assertEquals(9123, GeminiSimulatorConfig.standalone(new String[] {"9123"}, Map.of()).port());
        assertEquals(9124, GeminiSimulatorConfig.standalone(new String[0],
                Map.of(GeminiSimulatorConfig.PORT_ENV, "9124")).port());
        GeminiSimulatorConfig defaults = GeminiSimulatorConfig.standalone(new String[0], Map.of());
        assertEquals(8090, defaults.port());
        assertNull(defaults.expectedApiKey());
        assertEquals("k", GeminiSimulatorConfig.standalone(new String[0],
                Map.of(GeminiSimulatorConfig.API_KEY_ENV, "k")).expectedApiKey());
        assertFalse(defaults.withApiKey("secret").toString().contains("secret"), "keys stay out of logs");
    }

    @Test
    void unknownControlPathIs404() {
        assertEquals(404, http.send(http.request("/__sim/nope").GET().build()).status());
        assertEquals(404, http.send(http.request("/v1beta/other").GET().build()).status());
    }
}
