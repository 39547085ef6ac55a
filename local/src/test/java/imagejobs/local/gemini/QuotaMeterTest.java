package imagejobs.local.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;

/** The simulator's quotas on a fake clock: the sliding minute, calls in flight, the truthful retry delay, stats. */
class QuotaMeterTest {
    private static final String PRO = "gemini-3-pro-image-preview";
    private static final String FLASH = "gemini-2.5-flash-image";

    private final AtomicLong clock = new AtomicLong(1_000_000);

    @Test
    void theVariablesNameAModelOrStarForTheRest() {
        SimQuotas quotas = SimQuotas.fromEnvironment(Map.of(SimQuotas.RPM_ENV, "*:60, gemini-3-pro-image-preview:10",
                SimQuotas.CONCURRENCY_ENV, "gemini-3-pro-image-preview:2"));

        assertEquals(10, quotas.rpmOf(PRO));
        assertEquals(60, quotas.rpmOf(FLASH));
        assertEquals(2, quotas.concurrencyOf(PRO));
        assertNull(quotas.concurrencyOf(FLASH));
        assertTrue(SimQuotas.fromEnvironment(Map.of()).none());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "60 | IMAGEJOBS_GEMINI_SIM_RPM entry 1 ('60') must be model:limit",
        "*:0 | IMAGEJOBS_GEMINI_SIM_RPM entry 1 ('*:0'): the limit must be a whole number from 1 to 9999999",
        "*:ten | the limit must be a whole number",
        "*:5,*:6 | IMAGEJOBS_GEMINI_SIM_RPM entry 2 ('*:6') sets * a second time"})
    void aMalformedVariableIsRefusedNamingTheEntry(String spec, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SimQuotas.fromEnvironment(Map.of(SimQuotas.RPM_ENV, spec)));

        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void aModelTheSimulatorDoesNotServeIsRefusedAtStart() {
        SimQuotas quotas = SimQuotas.of("gemini-9-image:5", null);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> quotas.check(List.of(PRO, FLASH)));
        assertTrue(e.getMessage().contains("not serve: gemini-9-image"), e.getMessage());
    }

    @Test
    void theMinuteSlidesAndRefusedCallsDoNotCountInIt() {
        QuotaMeter meter = new QuotaMeter(SimQuotas.of("*:3", null), clock::get);
        meter.admit(PRO).close();
        clock.addAndGet(10_000);
        meter.admit(PRO).close();
        meter.admit(PRO).close();
        clock.addAndGet(5_000);

        GeminiError refused = assertThrows(GeminiError.class, () -> meter.admit(PRO));
        assertEquals(429, refused.httpStatus());
        // The first call leaves the window 60 s after it came: 45 s from now.
        assertTrue(refused.getMessage().contains("Please retry in 45s."), refused.getMessage());
        assertEquals("45s", retryDelay(refused));
        assertThrows(GeminiError.class, () -> meter.admit(PRO), "refusals did not free anything");

        clock.addAndGet(45_000);
        meter.admit(PRO).close();
        assertThrows(GeminiError.class, () -> meter.admit(PRO));
        JsonNode stats = meter.stats().path("models").path(PRO);
        assertEquals(7, stats.path("calls").asInt());
        assertEquals(3, stats.path("throttled_rpm").asInt());
        assertEquals(3, stats.path("answered_429").asInt());
        assertEquals(3, stats.path("window_count").asInt());
        assertEquals(3, stats.path("rpm_limit").asInt());
        assertTrue(stats.path("concurrency_limit").isNull());
    }

    @Test
    void theRetryDelayIsRoundedUpSoThatWaitingItIsEnough() {
        QuotaMeter meter = new QuotaMeter(SimQuotas.of("*:1", null), clock::get);
        meter.admit(PRO).close();
        clock.addAndGet(20_250);

        GeminiError refused = assertThrows(GeminiError.class, () -> meter.admit(PRO));

        assertTrue(refused.getMessage().contains("Please retry in 39.75s."), refused.getMessage());
        assertEquals("40s", retryDelay(refused));
        clock.addAndGet(40_000);
        meter.admit(PRO).close();
    }

    @Test
    void callsInFlightAreCountedUntilClosedAndThePeakIsKept() {
        QuotaMeter meter = new QuotaMeter(SimQuotas.of(null, "*:2"), clock::get);
        QuotaMeter.Admission first = meter.admit(PRO);
        QuotaMeter.Admission second = meter.admit(PRO);
        second.expectEndIn(7_500);
        first.expectEndIn(3_200);

        GeminiError refused = assertThrows(GeminiError.class, () -> meter.admit(PRO));
        assertEquals("4s", retryDelay(refused), "the first call should be over in 3.2 s");
        assertTrue(refused.getMessage().contains(QuotaErrors.CONCURRENT_METRIC + ", limit: 2, model: " + PRO));
        meter.admit(FLASH).close();

        first.close();
        first.close();
        QuotaMeter.Admission third = meter.admit(PRO);
        JsonNode stats = meter.stats().path("models").path(PRO);
        assertEquals(2, stats.path("in_flight").asInt());
        assertEquals(2, stats.path("peak_in_flight").asInt());
        assertEquals(1, stats.path("throttled_concurrency").asInt());
        second.close();
        third.close();
        assertEquals(0, meter.stats().path("models").path(PRO).path("in_flight").asInt());
    }

    @Test
    void resetStartsTheCountsAndTheWindowsAfresh() {
        QuotaMeter meter = new QuotaMeter(SimQuotas.of("*:1", "*:5"), clock::get);
        QuotaMeter.Admission open = meter.admit(PRO);
        assertThrows(GeminiError.class, () -> meter.admit(PRO));

        meter.reset();

        JsonNode stats = meter.stats().path("models").path(PRO);
        assertEquals(0, stats.path("calls").asInt());
        assertEquals(0, stats.path("answered_429").asInt());
        assertEquals(1, stats.path("peak_in_flight").asInt(), "the call still in flight");
        assertEquals(0, stats.path("window_count").asInt());
        meter.admit(PRO).close();
        open.close();
    }

    static String retryDelay(GeminiError error) {
        for (JsonNode detail : error.toJson().path("error").path("details")) {
            if (detail.path("@type").asText().endsWith("google.rpc.RetryInfo")) {
                return detail.path("retryDelay").asText();
            }
        }
        throw new AssertionError("no RetryInfo in " + error.toJson());
    }
}
