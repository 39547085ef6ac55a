package imagejobs.local.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

/** IMAGEJOBS_GEMINI_SIM_LATENCY: its form, its draws, and that the simulator takes that long to answer. */
class SimLatencyTest {
    private static final String PRO = "gemini-3-pro-image-preview";
    private static final String FLASH = "gemini-2.5-flash-image";

    @Test
    void unsetMeansAtOnce() {
        assertEquals(0, SimLatency.fromEnvironment(Map.of()).draw(PRO));
        assertEquals(SimLatency.NONE, SimLatency.parse(" "));
    }

    @Test
    void drawsStayWithinTheRangeOfTheirModelOrOfTheDefault() {
        SimLatency latency = SimLatency.parse("*:100-200, " + PRO + ":5000-6000");
        for (int i = 0; i < 500; i++) {
            long flash = latency.draw(FLASH);
            long pro = latency.draw(PRO);
            assertTrue(flash >= 100 && flash <= 200, "flash " + flash);
            assertTrue(pro >= 5000 && pro <= 6000, "pro " + pro);
        }
        assertEquals(750, SimLatency.parse("750").draw(FLASH), "a single value, no model: every call, every model");
        assertEquals(0, SimLatency.parse(PRO + ":300").draw(FLASH), "models not named answer at once without *");
    }

    @Test
    void malformedValuesAreRefusedNamingTheEntry() {
        for (String bad : List.of("fast", "*:10-5", "*:-5", ":100", "*:1,*:2", PRO + ":1," + PRO + ":2",
                "*:9999999")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SimLatency.parse(bad),
                    bad);
            assertTrue(e.getMessage().startsWith(SimLatency.ENV + " entry "), e.getMessage());
        }
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> GeminiSimulator.start(GeminiSimulatorConfig.defaults()
                        .withLatency(SimLatency.parse("gemini-9-image:100"))));
        assertTrue(unknown.getMessage().contains("gemini-9-image"), unknown.getMessage());
    }

    @Test
    void concurrentCallsEachEndTheirOwnAdmissionSoTheConcurrencyQuotaNeverLeaks() throws Exception {
        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(4);
        try (GeminiSimulator sim = GeminiSimulator.start(GeminiSimulatorConfig.defaults()
                .withQuotas(SimQuotas.of(null, PRO + ":4")).withLatency(SimLatency.parse(PRO + ":300")))) {
            SimHttp http = new SimHttp(sim.baseUrl());
            for (int round = 0; round < 3; round++) {
                List<CompletableFuture<SimHttp.Reply>> calls = new java.util.ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    String prompt = "round " + round + " call " + i;
                    calls.add(CompletableFuture.supplyAsync(() -> http.generate(PRO, SimHttp.prompt(prompt)), clients));
                }
                for (CompletableFuture<SimHttp.Reply> call : calls) {
                    assertEquals(200, call.get().status(), "round " + round + ": " + call.get().json());
                }
                imagejobs.local.Deadline.await(java.time.Duration.ofSeconds(30), "every call of the round ended",
                        () -> sim.stats().path("models").path(PRO).path("in_flight").asInt() == 0);
            }
            assertEquals(4, sim.stats().path("models").path(PRO).path("peak_in_flight").asInt(), sim.stats()
                    .toString());
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void theSimulatorTakesTheLatencyAndCountsTheCallInFlightMeanwhile() throws Exception {
        try (GeminiSimulator sim = GeminiSimulator.start(GeminiSimulatorConfig.defaults()
                .withEnvironment(Map.of(SimLatency.ENV, PRO + ":1500")))) {
            SimHttp http = new SimHttp(sim.baseUrl());
            long t0 = System.nanoTime();
            CompletableFuture<SimHttp.Reply> slow = CompletableFuture.supplyAsync(
                    () -> http.generate(PRO, SimHttp.prompt("slow")));
            // Another model has no latency set: it answers while the first call is still being "generated".
            assertEquals(200, http.generate(FLASH, SimHttp.prompt("fast")).status());
            assertEquals(200, slow.get().status());
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(millis >= 1500, "answered after " + millis + " ms");
            assertEquals(1, sim.stats().path("models").path(PRO).path("peak_in_flight").asInt(), sim.stats().toString());
        }
    }
}
