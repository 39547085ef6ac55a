package imagejobs.shared.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import imagejobs.shared.config.ConfigurationException;
import imagejobs.shared.config.Environment;

class UpstreamLimitsTest {
    private static final List<String> MODELS = List.of("gemini-2.5-flash-image", "gemini-3-pro-image-preview",
            "gemini-3.1-flash-image-preview");

    @Test
    void unsetMeansNoLimitForAnyModel() {
        UpstreamLimits limits = UpstreamLimits.fromEnvironment(new Environment(Map.of()), MODELS);

        assertTrue(limits.isEmpty());
        assertEquals(ModelLimit.UNLIMITED, limits.forModel("gemini-3-pro-image-preview"));
        assertEquals("none", limits.toString());
        assertTrue(UpstreamLimits.parse("  ", MODELS).isEmpty());
    }

    @Test
    void namedModelsWinOverTheDefault() {
        UpstreamLimits limits = UpstreamLimits.parse("*:300, gemini-3-pro-image-preview:20:5", MODELS);

        assertEquals(new ModelLimit(20, 5), limits.forModel("gemini-3-pro-image-preview"));
        assertEquals(new ModelLimit(300, null), limits.forModel("gemini-2.5-flash-image"));
        assertEquals(new ModelLimit(300, null), limits.forModel("a-model-added-later"));
        assertFalse(limits.isEmpty());
        assertEquals("gemini-3-pro-image-preview:20:5,*:300", limits.toString());
    }

    @Test
    void withoutADefaultOtherModelsAreUnlimited() {
        UpstreamLimits limits = UpstreamLimits.parse("gemini-2.5-flash-image:500", MODELS);

        assertEquals(new ModelLimit(500, null), limits.forModel("gemini-2.5-flash-image"));
        assertTrue(limits.forModel("gemini-3-pro-image-preview").unlimited());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "*:300,,gemini-3-pro-image-preview:20 | GEMINI_LIMITS entry 2 is empty",
        "*:300, | GEMINI_LIMITS entry 2 is empty",
        "gemini-3-pro-image-preview | GEMINI_LIMITS entry 1 ('gemini-3-pro-image-preview') must be model:rpm or model:rpm:concurrency",
        "gemini-3-pro-image-preview:1:2:3 | must be model:rpm or model:rpm:concurrency",
        ":20 | GEMINI_LIMITS entry 1 (':20') names no model",
        "gemini-9-image:20 | GEMINI_LIMITS entry 1 names an unknown model 'gemini-9-image'; known: gemini-2.5-flash-image, gemini-3-pro-image-preview, gemini-3.1-flash-image-preview (or * for every model not named)",
        "*:abc | GEMINI_LIMITS entry 1: requests per minute of * must be a whole number from 1 to 1000000, got 'abc'",
        "*:0 | GEMINI_LIMITS entry 1: requests per minute of * must be from 1 to 1000000, got 0",
        "*:-5 | requests per minute of * must be a whole number from 1 to 1000000, got '-5'",
        "*:2.5 | got '2.5'",
        "*:99999999999 | got '99999999999'",
        "*:1000001 | must be from 1 to 1000000, got 1000001",
        "*:60:0 | GEMINI_LIMITS entry 1: concurrency (calls in flight) of * must be from 1 to 100000, got 0",
        "*:60: | concurrency (calls in flight) of * must be a whole number from 1 to 100000, got ''",
        "*:60,*:10 | GEMINI_LIMITS entry 2 sets * a second time",
        "gemini-2.5-flash-image:60,gemini-2.5-flash-image:10 | GEMINI_LIMITS entry 2 sets gemini-2.5-flash-image a second time"})
    void malformedValuesFailTheColdStartNamingTheEntry(String spec, String message) {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> UpstreamLimits.parse(spec, MODELS));

        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void aLongBadValueIsQuotedShort() {
        String pasted = "x".repeat(500);

        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> UpstreamLimits.parse("*:" + pasted, MODELS));

        assertTrue(e.getMessage().length() < 200, e.getMessage());
        assertTrue(e.getMessage().contains("x".repeat(40) + "…"), e.getMessage());
    }

    @Test
    void maxQueueDefaultsToSixHours() {
        assertEquals(Duration.ofHours(6), UpstreamLimits.maxQueue(new Environment(Map.of())));
        assertEquals(Duration.ofSeconds(600),
                UpstreamLimits.maxQueue(new Environment(Map.of(UpstreamLimits.MAX_QUEUE_SECONDS, " 600 "))));
        assertEquals(Duration.ofSeconds(60), UpstreamLimits.maxQueue("60"));
        assertEquals(Duration.ofDays(7), UpstreamLimits.maxQueue("604800"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "59 | MAX_QUEUE_SECONDS must be from 60 to 604800 seconds (7 days), got 59",
        "604801 | got 604801",
        "6h | MAX_QUEUE_SECONDS must be a whole number of seconds, got '6h'"})
    void maxQueueOutsideItsRangeFailsTheColdStart(String value, String message) {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> UpstreamLimits.maxQueue(value));

        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
