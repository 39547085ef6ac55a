package imagejobs.shared.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Set;

import org.junit.jupiter.api.Test;

import imagejobs.shared.json.Json;

class DeliveryRecordTest {
    private static final Instant AT = Instant.parse("2026-12-04T10:00:00Z");
    private static final WebhookSubscription BOTH = new WebhookSubscription("https://h.example.com/in",
            Set.of(WebhookEvent.COMPLETED, WebhookEvent.START));

    @Test
    void theJobViewShowsTheLatestEventsDelivery() {
        assertEquals("{\"url\":\"https://h.example.com/in\",\"events\":[\"start\",\"completed\"],\"state\":\"pending\","
                + "\"attempts\":0,\"last_status\":null,\"last_attempt_at\":null}",
                Json.write(DeliveryRecord.view(BOTH, null, null)));

        DeliveryRecord started = DeliveryRecord.after(1, DeliveryOutcome.delivered(204), false, AT);
        DeliveryRecord failing = DeliveryRecord.after(2, DeliveryOutcome.failed(503, "answered HTTP 503", null),
                false, AT.plusSeconds(5));
        assertEquals("{\"url\":\"https://h.example.com/in\",\"events\":[\"start\",\"completed\"],\"state\":\"pending\","
                + "\"attempts\":2,\"last_status\":503,\"last_attempt_at\":\"2026-12-04T10:00:05.000Z\","
                + "\"last_error\":\"answered HTTP 503\"}", Json.write(DeliveryRecord.view(BOTH, started, failing)));

        DeliveryRecord gaveUp = DeliveryRecord.after(8, DeliveryOutcome.failed(0, "did not answer within 10 s", null),
                true, AT);
        assertEquals("failed", DeliveryRecord.view(BOTH, started, gaveUp).get("state").asText());
        assertTrue(DeliveryRecord.view(BOTH, started, gaveUp).get("last_status").isNull());
    }

    @Test
    void aLateOrDuplicateAttemptNeverTurnsTheStateBack() {
        DeliveryRecord second = DeliveryRecord.after(2, DeliveryOutcome.failed(500, "answered HTTP 500", null),
                false, AT);
        DeliveryRecord delivered = DeliveryRecord.after(3, DeliveryOutcome.delivered(200), false, AT);
        assertTrue(second.supersedes(null));
        assertTrue(delivered.supersedes(second));
        assertFalse(second.supersedes(delivered), "a duplicate of attempt 2 arriving late");
        assertFalse(DeliveryRecord.after(4, DeliveryOutcome.failed(500, "x", null), false, AT).supersedes(delivered));
        assertFalse(second.supersedes(second), "the same attempt twice");
        assertTrue(DeliveryRecord.after(2, DeliveryOutcome.delivered(200), false, AT).supersedes(second),
                "the same attempt's outcome when the first write of it was a failure followed by a redelivery");
    }
}
