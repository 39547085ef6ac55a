package imagejobs.shared.webhooks;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;

/**
 * Our signatures checked by the Standard Webhooks reference library (com.standardwebhooks:standardwebhooks), and our
 * receiver-side check against signatures the library makes.
 */
class WebhookSignaturesTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String BODY = "{\"request_id\":\"01M843ZRYZPH9PJKEJFZ7G4HQX\",\"status\":\"success\","
            + "\"outcome\":{\"text\":\"un renard roux \u2014 \uD83E\uDD8A\"}}";

    private static Map<String, List<String>> asReceived(Map<String, String> headers) {
        return Map.of(WebhookSignatures.ID, List.of(headers.get(WebhookSignatures.ID)),
                WebhookSignatures.TIMESTAMP, List.of(headers.get(WebhookSignatures.TIMESTAMP)),
                WebhookSignatures.SIGNATURE, List.of(headers.get(WebhookSignatures.SIGNATURE)));
    }

    @Test
    void theReferenceLibraryAcceptsOurSignature() throws Exception {
        WebhookSecret secret = WebhookSecret.generate(RANDOM);
        String id = WebhookIds.of("01M843ZRYZPH9PJKEJFZ7G4HQX", WebhookEvent.COMPLETED);
        Map<String, String> headers = WebhookSignatures.headers(id, Instant.now(),
                BODY.getBytes(StandardCharsets.UTF_8), List.of(secret));

        assertEquals(id, headers.get(WebhookSignatures.ID));
        assertTrue(headers.get(WebhookSignatures.SIGNATURE).matches("v1,[A-Za-z0-9+/]{43}="),
                headers.get(WebhookSignatures.SIGNATURE));
        assertDoesNotThrow(() -> new Webhook(secret.reveal()).verify(BODY, asReceived(headers)));
        // Byte for byte what the library itself computes.
        long timestamp = Long.parseLong(headers.get(WebhookSignatures.TIMESTAMP));
        assertEquals(new Webhook(secret.reveal()).sign(id, timestamp, BODY), headers.get(WebhookSignatures.SIGNATURE));
    }

    @Test
    void theReferenceLibraryRefusesAnotherSecretOrAnAlteredBody() {
        WebhookSecret secret = WebhookSecret.generate(RANDOM);
        Map<String, String> headers = WebhookSignatures.headers("msg_A_completed", Instant.now(),
                BODY.getBytes(StandardCharsets.UTF_8), List.of(secret));

        assertThrows(WebhookVerificationException.class, () -> new Webhook(WebhookSecret.generate(RANDOM).reveal())
                .verify(BODY, asReceived(headers)));
        assertThrows(WebhookVerificationException.class, () -> new Webhook(secret.reveal())
                .verify(BODY.replace("success", "failed"), asReceived(headers)));
    }

    @Test
    void duringARotationBothSecretsVerifyWithTheReferenceLibrary() {
        WebhookSecret fresh = WebhookSecret.generate(RANDOM);
        WebhookSecret old = WebhookSecret.generate(RANDOM);
        Map<String, String> headers = WebhookSignatures.headers("msg_A_start", Instant.now(),
                BODY.getBytes(StandardCharsets.UTF_8), List.of(fresh, old));

        String[] signatures = headers.get(WebhookSignatures.SIGNATURE).split(" ");
        assertEquals(2, signatures.length);
        assertDoesNotThrow(() -> new Webhook(fresh.reveal()).verify(BODY, asReceived(headers)));
        assertDoesNotThrow(() -> new Webhook(old.reveal()).verify(BODY, asReceived(headers)));
        assertThrows(WebhookVerificationException.class, () -> new Webhook(WebhookSecret.generate(RANDOM).reveal())
                .verify(BODY, asReceived(headers)));
    }

    @Test
    void ourCheckAcceptsWhatTheReferenceLibrarySigns() throws Exception {
        WebhookSecret secret = WebhookSecret.generate(RANDOM);
        Instant now = Instant.now();
        String signature = new Webhook(secret.reveal()).sign("msg_B_completed", now.getEpochSecond(), BODY);

        WebhookSignatures.Verification verdict = WebhookSignatures.verify("msg_B_completed",
                Long.toString(now.getEpochSecond()), "v1a,bm90LWhtYWM= " + signature,
                BODY.getBytes(StandardCharsets.UTF_8), List.of(WebhookSecret.generate(RANDOM), secret), now);
        assertTrue(verdict.valid(), verdict.reason());
    }

    @Test
    void ourCheckSaysWhyADeliveryDoesNotHold() {
        WebhookSecret secret = WebhookSecret.generate(RANDOM);
        Instant now = Instant.parse("2026-12-04T10:00:00Z");
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = WebhookSignatures.headers("msg_C_completed", now, body, List.of(secret));
        String ts = headers.get(WebhookSignatures.TIMESTAMP);
        String sig = headers.get(WebhookSignatures.SIGNATURE);

        assertTrue(WebhookSignatures.verify("msg_C_completed", ts, sig, body, List.of(secret), now).valid());
        WebhookSignatures.Verification tampered = WebhookSignatures.verify("msg_C_completed", ts, sig,
                BODY.replace("success", "failed").getBytes(StandardCharsets.UTF_8), List.of(secret), now);
        assertFalse(tampered.valid());
        assertTrue(tampered.reason().contains("matches"), tampered.reason());
        WebhookSignatures.Verification otherId = WebhookSignatures.verify("msg_D_completed", ts, sig, body,
                List.of(secret), now);
        assertFalse(otherId.valid());
        WebhookSignatures.Verification late = WebhookSignatures.verify("msg_C_completed", ts, sig, body,
                List.of(secret), now.plusSeconds(301));
        assertFalse(late.valid());
        assertTrue(late.reason().contains("301 s old"), late.reason());
        WebhookSignatures.Verification missing = WebhookSignatures.verify(null, ts, null, body, List.of(secret), now);
        assertEquals("missing header(s): webhook-id webhook-signature", missing.reason());
        assertFalse(WebhookSignatures.verify("msg_C_completed", "soon", sig, body, List.of(secret), now).valid());
    }

    @Test
    void anIdWithADotIsNeverSigned() {
        assertThrows(IllegalArgumentException.class, () -> WebhookSignatures.headers("msg.1", Instant.now(),
                new byte[0], List.of(WebhookSecret.generate(RANDOM))));
        assertThrows(IllegalArgumentException.class, () -> WebhookIds.of("01M8.x", WebhookEvent.START));
        assertEquals("msg_01M843ZRYZPH9PJKEJFZ7G4HQX_start", WebhookIds.of("01M843ZRYZPH9PJKEJFZ7G4HQX",
                WebhookEvent.START));
    }
}
