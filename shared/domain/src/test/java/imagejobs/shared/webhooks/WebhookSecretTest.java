package imagejobs.shared.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Base64;

import org.junit.jupiter.api.Test;

class WebhookSecretTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void aNewSecretIsWhsecAndTheBase64Of32RandomBytes() {
        WebhookSecret secret = WebhookSecret.generate(RANDOM);
        String shown = secret.reveal();
        assertTrue(shown.matches("whsec_[A-Za-z0-9+/]{43}="), shown);
        assertEquals(32, Base64.getDecoder().decode(shown.substring("whsec_".length())).length);
        assertEquals(secret, WebhookSecret.parse(shown));
        assertNotEquals(secret, WebhookSecret.generate(RANDOM));
    }

    @Test
    void toStringNeverShowsTheKey() {
        WebhookSecret secret = WebhookSecret.generate(RANDOM);
        assertEquals("whsec_(redacted)", secret.toString());
        assertFalse(String.valueOf(java.util.List.of(secret)).contains(secret.reveal().substring(6, 20)));
    }

    @Test
    void badTextIsRefusedWithoutRepeatingIt() {
        String typo = "whsec_c2VjcmV0LXdpdGgtYS10eXBv!";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WebhookSecret.parse(typo));
        assertFalse(e.getMessage().contains("c2VjcmV0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WebhookSecret.parse("sk_live_abc"));
        assertThrows(IllegalArgumentException.class, () -> WebhookSecret.parse("whsec_"));
        assertThrows(IllegalArgumentException.class, () -> WebhookSecret.parse("whsec_c2hvcnQ="));
        assertThrows(IllegalArgumentException.class, () -> WebhookSecret.parse(null));
    }

    @Test
    void keyBytesAreCopies() {
        WebhookSecret secret = WebhookSecret.generate(RANDOM);
        byte[] key = secret.key();
        key[0] ^= 1;
        assertNotEquals(key[0], secret.key()[0]);
    }
}
