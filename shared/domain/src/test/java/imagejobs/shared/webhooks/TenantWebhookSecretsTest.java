package imagejobs.shared.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import imagejobs.testing.InMemoryWebhookSecretStore;
import imagejobs.testing.MutableClock;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

class TenantWebhookSecretsTest {
    private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");

    /** Reversible stand-in for the AES sealer: tenant-bound, with a key id that makes older seals stale. */
    private static final class FakeSealer implements SecretSealer {
        volatile String keyId = "k1";

        @Override
        public String seal(String tenant, WebhookSecret secret) {
            return "sealed:" + keyId + ":" + tenant + ":" + Base64.getEncoder().encodeToString(secret.key());
        }

        @Override
        public WebhookSecret open(String tenant, String sealed) {
            String[] parts = sealed.split(":");
            if (!parts[2].equals(tenant)) {
                throw new Broken("another tenant's");
            }
            return WebhookSecret.ofKey(Base64.getDecoder().decode(parts[3]));
        }

        @Override
        public boolean stale(String sealed) {
            return !sealed.split(":")[1].equals(keyId);
        }
    }

    private final InMemoryWebhookSecretStore store = new InMemoryWebhookSecretStore();
    private final FakeSealer sealer = new FakeSealer();
    private final MutableClock clock = new MutableClock(T0);
    private final TenantWebhookSecrets secrets = new TenantWebhookSecrets(store, sealer, new SecureRandom(), clock);

    @Test
    void madeOnFirstUseThenStableAndStoredOnlySealed() {
        WebhookSecret first = secrets.current("acme");
        assertEquals(first, secrets.current("acme"));
        assertEquals(List.of(first), secrets.signing("acme"));
        WebhookSecretStore.Record record = store.stored("acme");
        assertTrue(record.current().startsWith("sealed:"), record.current());
        assertNotEquals(first, secrets.current("globex"), "one secret per tenant");
    }

    @Test
    void twoFirstUsesAtOnceAgreeOnOneSecret() {
        WebhookSecret other = WebhookSecret.generate(new SecureRandom());
        store.loseNextCreateTo(new WebhookSecretStore.Record("acme", sealer.seal("acme", other), T0, null, null, 1));
        assertEquals(other, secrets.current("acme"));
        assertEquals(other, secrets.current("acme"));
    }

    @Test
    void aRotationSignsWithBothUntilTheGracePeriodEnds() {
        WebhookSecret old = secrets.current("acme");
        TenantWebhookSecrets.Rotation rotation = secrets.rotate("acme", Duration.ofHours(24));
        assertNotEquals(old, rotation.secret());
        assertEquals(T0.plus(Duration.ofHours(24)), rotation.previousUntil());
        assertEquals(rotation.secret(), secrets.current("acme"), "the route shows the new secret");
        assertEquals(List.of(rotation.secret(), old), secrets.signing("acme"), "new first, old still signing");

        clock.set(T0.plus(Duration.ofHours(24)));
        assertEquals(List.of(rotation.secret()), secrets.signing("acme"), "grace over: the old one is retired");
    }

    @Test
    void aRotationWithoutGraceRetiresTheOldSecretAtOnce() {
        secrets.current("acme");
        TenantWebhookSecrets.Rotation rotation = secrets.rotate("acme", Duration.ZERO);
        assertNull(rotation.previousUntil());
        assertEquals(List.of(rotation.secret()), secrets.signing("acme"));
    }

    @Test
    void aSecondRotationDropsTheOldestSecret() {
        WebhookSecret first = secrets.current("acme");
        WebhookSecret second = secrets.rotate("acme", Duration.ofHours(24)).secret();
        clock.set(T0.plusSeconds(60));
        WebhookSecret third = secrets.rotate("acme", Duration.ofHours(1)).secret();
        assertEquals(List.of(third, second), secrets.signing("acme"));
        assertFalse(secrets.signing("acme").contains(first));
    }

    @Test
    void aRecordThatNoLongerOpensIsReplacedByARotationWithoutGrace() {
        secrets.current("acme");
        WebhookSecretStore.Record stored = store.stored("acme");
        // Sealed under a service key this service lost (and for another tenant: it cannot open either way).
        WebhookSecretStore.Record lost = new WebhookSecretStore.Record("acme", "sealed:k0:other:AAAA",
                stored.currentSince(), null, null, stored.version());
        assertTrue(store.replace(lost, stored.version()));
        assertThrows(SecretSealer.Broken.class, () -> secrets.current("acme"));
        assertThrows(SecretSealer.Broken.class, () -> secrets.rotate("acme", Duration.ofHours(1)),
                "a grace period needs the old secret");

        TenantWebhookSecrets.Rotation rotation = secrets.rotate("acme", Duration.ZERO);
        assertEquals(rotation.secret(), secrets.current("acme"));
        assertEquals(List.of(rotation.secret()), secrets.signing("acme"));
    }

    @Test
    void aGracePeriodOverAWeekIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> secrets.rotate("acme", Duration.ofDays(8)));
        assertThrows(IllegalArgumentException.class, () -> secrets.rotate("acme", Duration.ofSeconds(-1)));
    }

    @Test
    void aRecordSealedUnderAnOlderServiceKeyIsSealedAgainWhenRead() {
        WebhookSecret old = secrets.current("acme");
        WebhookSecret fresh = secrets.rotate("acme", Duration.ofHours(24)).secret();
        sealer.keyId = "k2";
        assertEquals(List.of(fresh, old), secrets.signing("acme"));
        WebhookSecretStore.Record record = store.stored("acme");
        assertTrue(record.current().startsWith("sealed:k2:") && record.previous().startsWith("sealed:k2:"),
                record.toString());
        assertEquals(3, record.version());
    }
}
