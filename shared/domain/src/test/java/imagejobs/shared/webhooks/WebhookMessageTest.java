package imagejobs.shared.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WebhookMessageTest {
    private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");

    @Test
    void roundTrips() {
        WebhookMessage first = WebhookMessage.first("01M843ZRYZPH9PJKEJFZ7G4HQX", "acme", WebhookEvent.COMPLETED);
        assertEquals(Optional.of(first), WebhookMessage.fromJson(first.toJson()));
        assertEquals("msg_01M843ZRYZPH9PJKEJFZ7G4HQX_completed", first.webhookId());
        WebhookMessage later = first.retry(5, NOW, NOW.plus(Duration.ofHours(2)));
        assertEquals(Optional.of(later), WebhookMessage.fromJson(later.toJson()));
        assertEquals(later.webhookId(), first.webhookId(), "one id per job and event, whatever the attempt");
    }

    @Test
    void aLongWaitIsCoveredByHopsOfAtMost15Minutes() {
        WebhookMessage m = WebhookMessage.first("A1", "acme", WebhookEvent.START)
                .retry(6, NOW, NOW.plus(Duration.ofHours(5)));
        assertFalse(m.due(NOW));
        assertEquals(900, m.delaySeconds(NOW));
        assertEquals(1, m.delaySeconds(NOW.plus(Duration.ofHours(5)).minusMillis(1)));
        assertEquals(0, m.delaySeconds(NOW.plus(Duration.ofHours(5))));
        assertTrue(m.due(NOW.plus(Duration.ofHours(5))));
        int hops = 0;
        for (Instant t = NOW; !m.due(t); t = t.plusSeconds(m.delaySeconds(t))) {
            hops++;
        }
        assertEquals(20, hops);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "[]", "{}", "not json", "{\"request_id\":\"A\",\"tenant\":\"t\",\"event\":\"logs\","
            + "\"attempt\":1}", "{\"request_id\":\"A.B\",\"tenant\":\"t\",\"event\":\"start\",\"attempt\":1}",
            "{\"request_id\":\"A\",\"tenant\":\"t\",\"event\":\"start\",\"attempt\":0}",
            "{\"request_id\":\"A\",\"tenant\":\"t\",\"event\":\"start\",\"attempt\":1,\"not_before\":\"soon\"}"})
    void somethingElseIsNoMessage(String body) {
        assertEquals(Optional.empty(), WebhookMessage.fromJson(body));
    }
}
