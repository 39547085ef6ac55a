package imagejobs.local.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.adapters.gemini.GeminiErrors;
import imagejobs.shared.gemini.GeminiException;

/** The quotas over HTTP: Gemini's 429 body, the stats endpoint, and what the service's own client reads from it. */
class GeminiSimulatorQuotaTest {
    private static final String PRO = "gemini-3-pro-image-preview";
    private static final String FLASH = "gemini-2.5-flash-image";

    private GeminiSimulator sim;

    @AfterEach
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    private SimHttp start(SimQuotas quotas) {
        sim = GeminiSimulator.start(GeminiSimulatorConfig.defaults().withQuotas(quotas));
        return new SimHttp(sim.baseUrl());
    }

    @Test
    void overTheRequestsPerMinuteTheAnswerIsGeminisQuota429() {
        SimHttp http = start(SimQuotas.of(PRO + ":2", null));
        assertEquals(200, http.generate(PRO, SimHttp.prompt("one")).status());
        assertEquals(200, http.generate(PRO, SimHttp.prompt("two")).status());

        SimHttp.Reply reply = http.generate(PRO, SimHttp.prompt("three"));

        assertEquals(429, reply.status());
        JsonNode error = reply.error();
        assertEquals(429, error.path("code").asInt());
        assertEquals("RESOURCE_EXHAUSTED", error.path("status").asText());
        String message = error.path("message").asText();
        assertTrue(message.startsWith("You exceeded your current quota, please check your plan and billing details."),
                message);
        assertTrue(message.contains("* Quota exceeded for metric: generativelanguage.googleapis.com/"
                + "generate_content_paid_tier_requests, limit: 2, model: " + PRO + "\nPlease retry in "), message);
        JsonNode details = error.path("details");
        assertEquals(List.of("type.googleapis.com/google.rpc.QuotaFailure", "type.googleapis.com/google.rpc.Help",
                "type.googleapis.com/google.rpc.RetryInfo"), details.findValuesAsText("@type"));
        JsonNode violation = details.path(0).path("violations").path(0);
        assertEquals("generativelanguage.googleapis.com/generate_content_paid_tier_requests",
                violation.path("quotaMetric").asText());
        assertEquals("GenerateRequestsPerMinutePerProjectPerModel", violation.path("quotaId").asText());
        assertEquals(PRO, violation.path("quotaDimensions").path("model").asText());
        assertEquals("global", violation.path("quotaDimensions").path("location").asText());
        assertEquals("2", violation.path("quotaValue").asText());
        String retryDelay = details.path(2).path("retryDelay").asText();
        assertTrue(retryDelay.matches("(59|60)s"), "a minute after the first call: " + retryDelay);
        assertTrue(reply.headers().firstValue("retry-after").isEmpty(), "Gemini sends no Retry-After with it");
        assertEquals(1, reply.json().size());

        assertEquals(200, http.generate(FLASH, SimHttp.prompt("another model, no limit")).status());
    }

    @Test
    void theServicesGeminiClientReadsTheQuotaAnswerAsRateLimitedWithItsDelay() {
        SimHttp http = start(SimQuotas.of("*:1", null));
        http.generate(PRO, SimHttp.prompt("one"));
        SimHttp.Reply reply = http.generate(PRO, SimHttp.prompt("two"));

        GeminiException e = GeminiErrors.fromResponse(reply.status(), reply.body().getBytes(), null, PRO);

        assertEquals(GeminiException.Kind.RATE_LIMITED, e.kind());
        assertTrue(e.retryDelay().compareTo(Duration.ofSeconds(59)) >= 0, "retry delay " + e.retryDelay());
        assertTrue(e.retryDelay().compareTo(Duration.ofSeconds(60)) <= 0, "retry delay " + e.retryDelay());
    }

    @Test
    void callsInFlightOverTheConcurrencyAre429UntilOneEnds() throws Exception {
        SimHttp http = start(SimQuotas.of(null, PRO + ":1"));
        CompletableFuture<SimHttp.Reply> slow = CompletableFuture.supplyAsync(
                () -> http.generate(PRO, SimHttp.prompt("slow [sim:delay=3000]")));
        waitForStats(PRO, "in_flight", 1);

        SimHttp.Reply refused = http.generate(PRO, SimHttp.prompt("second"));

        assertEquals(429, refused.status());
        JsonNode violation = refused.error().path("details").path(0).path("violations").path(0);
        assertEquals("GenerateContentConcurrentRequestsPerProjectPerModel", violation.path("quotaId").asText());
        assertEquals("1", violation.path("quotaValue").asText());
        String retryDelay = refused.error().path("details").path(2).path("retryDelay").asText();
        assertTrue(retryDelay.matches("[1-3]s"), "until the slow call ends: " + retryDelay);
        assertEquals(200, slow.get(30, TimeUnit.SECONDS).status());
        assertEquals(200, http.generate(PRO, SimHttp.prompt("third")).status());
        JsonNode stats = stats().path(PRO);
        assertEquals(3, stats.path("calls").asInt());
        assertEquals(1, stats.path("throttled_concurrency").asInt());
        assertEquals(1, stats.path("peak_in_flight").asInt());
        // The count drops once the exchange is closed, which may be just after the client has read the answer.
        waitForStats(PRO, "in_flight", 0);
    }

    @Test
    void aDroppedHungCallNoLongerCountsInFlight() throws Exception {
        sim = GeminiSimulator.start(GeminiSimulatorConfig.defaults().withQuotas(SimQuotas.of(null, "*:1"))
                .withHangLimit(Duration.ofMillis(300)));
        SimHttp http = new SimHttp(sim.baseUrl());

        CompletableFuture<?> hung = CompletableFuture.runAsync(() -> {
            try {
                http.generate(PRO, SimHttp.prompt("[sim:hang]"));
            } catch (RuntimeException dropped) {
                // the connection is dropped after the hang limit
            }
        });
        hung.get(30, TimeUnit.SECONDS);

        waitForStats(PRO, "in_flight", 0);
        assertEquals(200, http.generate(PRO, SimHttp.prompt("after the drop")).status());
    }

    @Test
    void statsCountEveryModelAndResetStartsAfresh() {
        SimHttp http = start(SimQuotas.of("*:1", null));
        http.generate(PRO, SimHttp.prompt("one"));
        http.generate(PRO, SimHttp.prompt("two"));
        http.generate(FLASH, SimHttp.prompt("x [sim:status=429]"));

        SimHttp.Reply stats = http.send(http.request("/__sim/stats").GET().build());

        assertEquals(200, stats.status());
        JsonNode pro = stats.json().path("models").path(PRO);
        assertEquals(2, pro.path("calls").asInt());
        assertEquals(1, pro.path("answered_429").asInt());
        assertEquals(1, pro.path("throttled_rpm").asInt());
        assertEquals(1, pro.path("window_count").asInt());
        assertEquals(1, pro.path("peak_in_flight").asInt());
        assertEquals(1, pro.path("rpm_limit").asInt());
        JsonNode flash = stats.json().path("models").path(FLASH);
        assertEquals(1, flash.path("answered_429").asInt(), "a [sim:status=429] answer counts too");
        assertEquals(0, flash.path("throttled_rpm").asInt());
        assertFalse(stats.json().path("since").asText().isEmpty());

        SimHttp.Reply reset = http.send(http.request("/__sim/stats/reset")
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(200, reset.status());
        assertEquals(0, stats().path(PRO).path("calls").asInt());
        assertEquals(200, http.generate(PRO, SimHttp.prompt("the window is empty again")).status());
        assertEquals(404, http.send(http.request("/__sim/nothing").GET().build()).status());
    }

    private JsonNode stats() {
        return sim.stats().path("models");
    }

    /** Polls the stats (no sleeping blind): the simulator counts a call in flight once it has read its body. */
    private void waitForStats(String model, String field, int value) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (stats().path(model).path(field).asInt(-1) != value) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(field + " of " + model + " never became " + value + ": " + stats());
            }
            Thread.sleep(10);
        }
    }
}
