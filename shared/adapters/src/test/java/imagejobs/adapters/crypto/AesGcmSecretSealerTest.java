package imagejobs.adapters.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import imagejobs.shared.webhooks.SecretSealer;
import imagejobs.shared.webhooks.WebhookSecret;

class AesGcmSecretSealerTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String MATERIAL_1 = "first-service-key-material-0123456789abcdefghijklmnop";
    private static final String MATERIAL_2 = "second-service-key-material-9876543210zyxwvutsrqponml";

    private final AtomicReference<ServiceKeys> keys = new AtomicReference<>(ServiceKeys.of(MATERIAL_1, List.of()));
    private final AesGcmSecretSealer sealer = new AesGcmSecretSealer(keys::get, RANDOM);

    @Test
    void sealsAndOpensAndTheSealedTextHidesTheSecret() {
        WebhookSecret secret = WebhookSecret.generate(RANDOM);
        String sealed = sealer.seal("acme", secret);
        assertTrue(sealed.matches("v1\\.[0-9a-f]{12}\\.[A-Za-z0-9_-]+"), sealed);
        assertEquals(secret, sealer.open("acme", sealed));
        String key64 = Base64.getEncoder().encodeToString(secret.key());
        String key64url = Base64.getUrlEncoder().withoutPadding().encodeToString(secret.key());
        assertFalse(sealed.contains(key64.substring(0, 16)) || sealed.contains(key64url.substring(0, 16)));
        assertNotEquals(sealed, sealer.seal("acme", secret), "a fresh nonce every time");
    }

    @Test
    void anotherTenantsRecordDoesNotOpen() {
        String sealed = sealer.seal("acme", WebhookSecret.generate(RANDOM));
        SecretSealer.Broken e = assertThrows(SecretSealer.Broken.class, () -> sealer.open("globex", sealed));
        assertTrue(e.getMessage().contains("altered or is another tenant's"), e.getMessage());
    }

    @Test
    void anyAlteredByteIsRefused() {
        String sealed = sealer.seal("acme", WebhookSecret.generate(RANDOM));
        String[] parts = sealed.split("\\.");
        byte[] bytes = Base64.getUrlDecoder().decode(parts[2]);
        for (int i = 0; i < bytes.length; i += 7) {
            byte[] altered = bytes.clone();
            altered[i] ^= 0x01;
            String text = parts[0] + "." + parts[1] + "." + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(altered);
            assertThrows(SecretSealer.Broken.class, () -> sealer.open("acme", text), "byte " + i);
        }
        assertThrows(SecretSealer.Broken.class, () -> sealer.open("acme", "v1." + parts[1] + ".AAAA"));
        assertThrows(SecretSealer.Broken.class, () -> sealer.open("acme", "v2." + parts[1] + "." + parts[2]));
        assertThrows(SecretSealer.Broken.class, () -> sealer.open("acme", "plain"));
        assertThrows(SecretSealer.Broken.class, () -> sealer.open("acme", parts[0] + "." + parts[1] + ".%%"));
    }

    @Test
    void afterAServiceKeyRotationOldSealsOpenAndAreStale() {
        WebhookSecret secret = WebhookSecret.generate(RANDOM);
        String old = sealer.seal("acme", secret);
        assertFalse(sealer.stale(old));

        keys.set(ServiceKeys.of(MATERIAL_2, List.of(MATERIAL_1)));
        assertEquals(secret, sealer.open("acme", old));
        assertTrue(sealer.stale(old));
        String fresh = sealer.seal("acme", secret);
        assertFalse(sealer.stale(fresh));
        assertNotEquals(old.split("\\.")[1], fresh.split("\\.")[1]);

        keys.set(ServiceKeys.of(MATERIAL_2, List.of()));
        SecretSealer.Broken gone = assertThrows(SecretSealer.Broken.class, () -> sealer.open("acme", old));
        assertTrue(gone.getMessage().contains("no longer has"), gone.getMessage());
        assertEquals(secret, sealer.open("acme", fresh));
    }

    @Test
    void shortKeyMaterialIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ServiceKeys.derive("too-short"));
        assertTrue(ServiceKeys.derive(MATERIAL_1).toString().contains(ServiceKeys.derive(MATERIAL_1).id()));
        assertFalse(ServiceKeys.derive(MATERIAL_1).toString().contains("aes"), "the key is never printed");
    }
}
