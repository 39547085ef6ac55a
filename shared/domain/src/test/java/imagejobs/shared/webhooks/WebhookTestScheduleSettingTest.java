package imagejobs.shared.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import imagejobs.shared.config.ConfigurationException;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;

/** WEBHOOK_TEST_RETRY_WAITS shortens the schedule only where loopback is allowed (tests, the local stack). */
class WebhookTestScheduleSettingTest {

    private static int attempts(Map<String, String> env) {
        return new Settings(new Environment(env)).webhookRetrySchedule(() -> 0.5).attempts();
    }

    @Test
    void theStandardScheduleUnlessBothAreSet() {
        assertEquals(8, attempts(Map.of()));
        assertEquals(8, attempts(Map.of("WEBHOOK_TEST_RETRY_WAITS", "1s,1s")));
        assertEquals(8, attempts(Map.of("WEBHOOK_TEST_RETRY_WAITS", "1s,1s", "ALLOW_LOOPBACK_REFERENCES", "false")));
        assertEquals(3, attempts(Map.of("WEBHOOK_TEST_RETRY_WAITS", "1s,1s", "ALLOW_LOOPBACK_REFERENCES", "true")));
    }

    @Test
    void anIgnoredValueIsReportedSoTheWiringCanWarn() {
        assertTrue(new Settings(new Environment(Map.of("WEBHOOK_TEST_RETRY_WAITS", "1s")))
                .webhookTestRetryWaitsIgnored());
        assertFalse(new Settings(new Environment(Map.of("WEBHOOK_TEST_RETRY_WAITS", "1s",
                "ALLOW_LOOPBACK_REFERENCES", "true"))).webhookTestRetryWaitsIgnored());
    }

    @Test
    void aMalformedValueFailsTheColdStartNamingTheVariable() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> attempts(Map.of(
                "WEBHOOK_TEST_RETRY_WAITS", "soon", "ALLOW_LOOPBACK_REFERENCES", "true")));
        assertTrue(e.getMessage().startsWith("WEBHOOK_TEST_RETRY_WAITS: 'soon' is not a wait"), e.getMessage());
    }
}
