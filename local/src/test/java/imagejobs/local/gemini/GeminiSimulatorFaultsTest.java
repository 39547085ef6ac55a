package imagejobs.local.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.local.Deadline;
import imagejobs.shared.json.Json;

/** Each [sim:...] directive, as the worker will meet it from Gemini. Timings are asserted loosely. */
class GeminiSimulatorFaultsTest {
    private static final String FLASH = "gemini-2.5-flash-image";
    private static final String PRO = "gemini-3-pro-image-preview";

    private static GeminiSimulator sim;
    private static SimHttp http;

    @BeforeAll
    static void start() {
        sim = GeminiSimulator.start();
        http = new SimHttp(sim.baseUrl());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "400, INVALID_ARGUMENT",
        "403, PERMISSION_DENIED",
        "404, NOT_FOUND",
        "429, RESOURCE_EXHAUSTED",
        "500, INTERNAL",
        "502, UNAVAILABLE",
        "503, UNAVAILABLE",
        "504, DEADLINE_EXCEEDED"})
    void statusDirectiveAnswersGooglesErrorBody(int status, String name) {
        SimHttp.Reply reply = http.generate(FLASH, SimHttp.prompt("fail please [sim:status=" + status + "]"));

        assertEquals(status, reply.status());
        JsonNode error = reply.error();
        assertEquals(status, error.path("code").asInt());
        assertEquals(name, error.path("status").asText());
        assertFalse(error.path("message").asText().isBlank());
        assertEquals(1, reply.json().size(), "only the error member");
    }

    @Test
    void overloaded503SaysSo() {
        SimHttp.Reply reply = http.generate(FLASH, SimHttp.prompt("[sim:status=503] busy"));

        assertEquals("The model is overloaded. Please try again later.", reply.error().path("message").asText());
    }

    @Test
    void quota429CarriesRetryInfoOfTwoSecondsByDefault() {
        SimHttp.Reply reply = http.generate(FLASH, SimHttp.prompt("[sim:status=429]"));

        JsonNode retryInfo = detail(reply.error(), "type.googleapis.com/google.rpc.RetryInfo");
        assertEquals("2s", retryInfo.path("retryDelay").asText());
        assertTrue(reply.headers().firstValue("retry-after").isEmpty());
    }

    @Test
    void retryAfterSetsTheDelayAndTheHeader() {
        SimHttp.Reply reply = http.generate(FLASH, SimHttp.prompt("[sim:status=429] [sim:retry-after=17]"));

        assertEquals("17s", detail(reply.error(), "type.googleapis.com/google.rpc.RetryInfo")
                .path("retryDelay").asText());
        assertEquals("17", reply.headers().firstValue("retry-after").orElseThrow());
    }

    @Test
    void retryAfterOnAnotherStatusAddsRetryInfoToo() {
        SimHttp.Reply reply = http.generate(FLASH, SimHttp.prompt("[sim:status=503][sim:retry-after=3]"));

        assertEquals(503, reply.status());
        assertEquals("3s", detail(reply.error(), "type.googleapis.com/google.rpc.RetryInfo")
                .path("retryDelay").asText());
        assertEquals("3", reply.headers().firstValue("retry-after").orElseThrow());
    }

    @Test
    void failTimesFailsTheFirstCallsOfThatPromptOnly() {
        String prompt = "flaky " + System.nanoTime() + " [sim:fail-times=2]";

        String other = "other " + System.nanoTime() + " [sim:fail-times=2]";

        assertEquals(503, http.generate(FLASH, SimHttp.prompt(prompt)).status());
        assertEquals(503, http.generate(FLASH, SimHttp.prompt(other)).status(), "another prompt counts on its own");
        SimHttp.Reply second = http.generate(FLASH, SimHttp.prompt(prompt));
        assertEquals(503, second.status());
        assertEquals("UNAVAILABLE", second.error().path("status").asText());
        SimHttp.Reply third = http.generate(FLASH, SimHttp.prompt(prompt));
        assertEquals(200, third.status());
        assertEquals(1, third.images().size());
    }

    @Test
    void resetFailureCountsStartsCountingAgain() {
        String prompt = "reset " + System.nanoTime() + " [sim:fail-times=1]";
        assertEquals(503, http.generate(FLASH, SimHttp.prompt(prompt)).status());
        assertEquals(200, http.generate(FLASH, SimHttp.prompt(prompt)).status());

        sim.resetFailureCounts();

        assertEquals(503, http.generate(FLASH, SimHttp.prompt(prompt)).status());
    }

    @Test
    void delayWaitsBeforeAnswering() {
        long start = System.nanoTime();
        SimHttp.Reply reply = http.generate(FLASH, SimHttp.prompt("slow [sim:delay=400]"));
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertEquals(200, reply.status());
        assertTrue(elapsedMillis >= 350, "waited " + elapsedMillis + " ms");
    }

    @Test
    void delayedCallsDoNotHoldRequestThreads() throws Exception {
        try (GeminiSimulator oneThread = GeminiSimulator.start(GeminiSimulatorConfig.defaults().withThreads(1))) {
            SimHttp client = new SimHttp(oneThread.baseUrl());
            // Delayed far beyond the quick call's own timeout: were the one request thread held, the quick call
            // could only time out.
            CompletableFuture<HttpResponse<String>> slow = client.client.sendAsync(client
                    .request("/v1beta/models/" + FLASH + ":generateContent")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(SimHttp.prompt("[sim:delay=120000]"))))
                    .build(), HttpResponse.BodyHandlers.ofString());
            Deadline.await(Duration.ofSeconds(30), "the delayed call to arrive", () -> oneThread.requests().size() == 1);

            HttpResponse<String> quick = client.client.send(client
                    .request("/v1beta/models/" + FLASH + ":generateContent").timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(SimHttp.prompt("quick")))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, quick.statusCode());
            assertFalse(slow.isDone(), "answered while the delayed call waits");
        }
    }

    @Test
    void slowBodySendsHeadersThenTricklesTheBody() throws Exception {
        HttpRequest request = http.request("/v1beta/models/" + FLASH + ":generateContent")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(SimHttp.prompt("trickle [sim:slow-body=800]"))))
                .build();
        long start = System.nanoTime();
        HttpResponse<InputStream> response = http.client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        long headersMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        byte[] body;
        try (InputStream in = response.body()) {
            body = in.readAllBytes();
        }
        long bodyMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertEquals(200, response.statusCode());
        assertTrue(bodyMillis - headersMillis >= 400, "headers at " + headersMillis + " ms, body done at "
                + bodyMillis + " ms");
        assertEquals(1, new SimHttp.Reply(200, response.headers(), new String(body)).images().size());
    }

    @Test
    void hangNeverAnswersUntilTheClientGivesUp() {
        HttpRequest request = http.request("/v1beta/models/" + FLASH + ":generateContent")
                .timeout(Duration.ofMillis(500))
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(SimHttp.prompt("[sim:hang]"))))
                .build();

        assertThrows(HttpTimeoutException.class,
                () -> http.client.send(request, HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void hangEndsWithTheConnectionAtTheHangLimit() {
        try (GeminiSimulator shortHang = GeminiSimulator.start(GeminiSimulatorConfig.defaults()
                .withHangLimit(Duration.ofMillis(300)))) {
            SimHttp client = new SimHttp(shortHang.baseUrl());

            // The client would give up after 60 s (HttpTimeoutException); the simulator drops the call at 300 ms.
            IOException dropped = assertThrows(IOException.class, () -> client.client.send(client
                    .request("/v1beta/models/" + FLASH + ":generateContent").timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(SimHttp.prompt("[sim:hang]")))).build(),
                    HttpResponse.BodyHandlers.ofString()));
            assertFalse(dropped instanceof HttpTimeoutException, "the simulator ended the call, not the client: "
                    + dropped);
        }
    }

    @Test
    void closeEndsHungCallsPromptly() throws Exception {
        // The hang limit (10 minutes) is far beyond the wait below: only close can end the call in time.
        GeminiSimulator doomed = GeminiSimulator.start();
        SimHttp client = new SimHttp(doomed.baseUrl());
        CompletableFuture<HttpResponse<String>> hung = client.client.sendAsync(client
                .request("/v1beta/models/" + FLASH + ":generateContent")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(SimHttp.prompt("[sim:hang]")))).build(),
                HttpResponse.BodyHandlers.ofString());
        Deadline.await(Duration.ofSeconds(30), "the hung call to arrive", () -> doomed.requests().size() == 1);

        doomed.close();
        ExecutionException failure = assertThrows(ExecutionException.class, () -> hung.get(60, TimeUnit.SECONDS));

        assertTrue(failure.getCause() instanceof IOException, failure.getCause().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"IMAGE_SAFETY", "SAFETY", "PROHIBITED_CONTENT"})
    void finishWithSafetyReasonHasRatingsAndNoImage(String reason) {
        SimHttp.Reply reply = http.generate(PRO, SimHttp.prompt("[sim:finish=" + reason + "] risky"));

        assertEquals(200, reply.status());
        JsonNode candidate = reply.json().path("candidates").path(0);
        assertEquals(reason, candidate.path("finishReason").asText());
        assertTrue(reply.images().isEmpty());
        assertTrue(candidate.path("safetyRatings").isArray() && candidate.path("safetyRatings").size() > 0);
        assertTrue(candidate.path("safetyRatings").findValues("blocked").stream().anyMatch(JsonNode::asBoolean));
    }

    @ParameterizedTest
    @ValueSource(strings = {"MAX_TOKENS", "RECITATION", "NO_IMAGE", "OTHER"})
    void finishWithOtherReasons(String reason) {
        SimHttp.Reply reply = http.generate(FLASH, SimHttp.prompt("[sim:finish=" + reason + "]"));

        JsonNode candidate = reply.json().path("candidates").path(0);
        assertEquals(reason, candidate.path("finishReason").asText());
        assertTrue(reply.images().isEmpty());
        assertTrue(candidate.path("safetyRatings").isMissingNode());
    }

    @Test
    void blockAnswersPromptFeedbackWithoutCandidates() {
        SimHttp.Reply reply = http.generate(FLASH, SimHttp.prompt("[sim:block=SAFETY]"));

        assertEquals(200, reply.status());
        JsonNode json = reply.json();
        assertEquals("SAFETY", json.path("promptFeedback").path("blockReason").asText());
        assertTrue(json.path("promptFeedback").path("safetyRatings").size() > 0);
        assertTrue(json.path("candidates").isMissingNode());
        assertTrue(json.path("usageMetadata").path("promptTokenCount").asInt() > 0);

        JsonNode other = http.generate(FLASH, SimHttp.prompt("[sim:block=OTHER]")).json();
        assertEquals("OTHER", other.path("promptFeedback").path("blockReason").asText());
    }

    @Test
    void noImageIsAStopWithOnlyARefusal() {
        SimHttp.Reply reply = http.generate(PRO, SimHttp.prompt("[sim:no-image]"));

        assertEquals(200, reply.status());
        assertEquals("STOP", reply.json().path("candidates").path(0).path("finishReason").asText());
        List<JsonNode> parts = reply.parts();
        assertEquals(1, parts.size());
        assertFalse(parts.get(0).path("text").asText().isBlank());
        assertTrue(reply.images().isEmpty());
    }

    @Test
    void malformedIsA200WhoseBodyDoesNotParse() {
        SimHttp.Reply reply = http.generate(FLASH, SimHttp.prompt("[sim:malformed]"));

        assertEquals(200, reply.status());
        assertTrue(reply.body().startsWith("{"));
        assertThrows(IOException.class, () -> Json.MAPPER.readTree(reply.body()));
    }

    @Test
    void imagesDirectiveAnswersSeveralImages() {
        SimHttp.Reply reply = http.generate(PRO, SimHttp.prompt("a set [sim:images=3]", "1:1", "1K"));

        assertEquals(3, reply.images().size());
        reply.images().forEach(part -> assertTrue(SimHttp.isJpeg(SimHttp.imageBytes(part))));
        assertEquals(3 * 1120, reply.json().path("usageMetadata").path("candidatesTokensDetails").path(0)
                .path("tokenCount").asInt());
    }

    @Test
    void noiseMakesIncompressibleImages() {
        int plain = SimHttp.imageBytes(http.generate(FLASH, SimHttp.prompt("plain", "21:9", null)).images().get(0))
                .length;
        byte[] noisy = SimHttp.imageBytes(http.generate(FLASH, SimHttp.prompt("[sim:noise]", "21:9", null))
                .images().get(0));

        assertTrue(SimHttp.isPng(noisy));
        assertTrue(noisy.length > plain, noisy.length + " vs " + plain);
        assertTrue(noisy.length >= 1536 * 672 * 3, "raw RGB does not compress");
    }

    @Test
    void directivesOnlyCountInTheLastUserTurn() {
        ObjectNode body = SimHttp.prompt("earlier turn [sim:status=500]");
        ArrayNode contents = (ArrayNode) body.path("contents");
        contents.addObject().put("role", "model").putArray("parts").addObject().put("text", "ok");
        contents.addObject().put("role", "user").putArray("parts").addObject().put("text", "now fine");

        assertEquals(200, http.generate(FLASH, body).status());
    }

    private static JsonNode detail(JsonNode error, String type) {
        for (JsonNode detail : error.path("details")) {
            if (type.equals(detail.path("@type").asText())) {
                return detail;
            }
        }
        throw new AssertionError("no " + type + " detail in " + error);
    }
}
