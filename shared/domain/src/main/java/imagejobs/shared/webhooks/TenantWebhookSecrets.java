package imagejobs.shared.webhooks;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Each tenant's signing secret: made on first use (the secret route or the first delivery, whichever comes first),
 * stored only sealed, rotated on request with a grace period during which the old secret signs too (Standard
 * Webhooks' zero-downtime rotation: both {@code v1,} signatures in one header). A record sealed under an older
 * service key is sealed again under the current one when read, so a service key can be retired after its successor
 * has been in place for a while.
 */
public final class TenantWebhookSecrets {
    /** How long a rotated-out secret keeps signing when the caller names no grace period. */
    public static final Duration DEFAULT_GRACE = Duration.ofHours(24);
    /** A grace period longer than this is a mistake: a rotation is meant to retire the old secret. */
    public static final Duration MAX_GRACE = Duration.ofDays(7);
    /** Conditional writes that lost a race are tried again this many times (a rotation racing a rotation). */
    private static final int WRITE_TRIES = 3;

    private final WebhookSecretStore store;
    private final SecretSealer sealer;
    private final SecureRandom random;
    private final Clock clock;

    public TenantWebhookSecrets(WebhookSecretStore store, SecretSealer sealer, SecureRandom random, Clock clock) {
        this.store = store;
        this.sealer = sealer;
        this.random = random;
        this.clock = clock;
    }

    /** The tenant's current secret ({@code GET /v1/webhooks/default/secret}), made now if it has none. */
    public WebhookSecret current(String tenant) {
        WebhookSecretStore.Record record = load(tenant);
        return sealer.open(tenant, record.current());
    }

    /** What signs a delivery now: the current secret, then the previous one while its grace period lasts. */
    public List<WebhookSecret> signing(String tenant) {
        WebhookSecretStore.Record record = load(tenant);
        List<WebhookSecret> secrets = new ArrayList<>(2);
        secrets.add(sealer.open(tenant, record.current()));
        if (inGrace(record, clock.instant())) {
            secrets.add(sealer.open(tenant, record.previous()));
        }
        return secrets;
    }

    /** The outcome of a rotation: the new secret and until when the old one still signs (null: not at all). */
    public record Rotation(WebhookSecret secret, Instant previousUntil) {
    }

    /**
     * A new current secret; the one it replaces keeps signing for {@code grace} (zero: retired at once, e.g. after a
     * leak). A secret still in its grace period from an earlier rotation is dropped: at most two sign. Without a
     * grace period the stored secrets are never opened, so this also replaces a record that no longer opens (its
     * service key lost), which would otherwise answer {@link SecretSealer.Broken} for ever.
     */
    public Rotation rotate(String tenant, Duration grace) {
        if (grace.isNegative() || grace.compareTo(MAX_GRACE) > 0) {
            throw new IllegalArgumentException("the grace period is 0 to " + MAX_GRACE.toDays() + " days");
        }
        for (int attempt = 1; ; attempt++) {
            WebhookSecretStore.Record record = grace.isZero() ? stored(tenant) : load(tenant);
            Instant now = clock.instant();
            WebhookSecret fresh = WebhookSecret.generate(random);
            Instant until = grace.isZero() ? null : now.plus(grace);
            WebhookSecretStore.Record next = new WebhookSecretStore.Record(tenant, sealer.seal(tenant, fresh), now,
                    until == null ? null : reseal(tenant, record.current()), until, record.version() + 1);
            if (store.replace(next, record.version())) {
                return new Rotation(fresh, until);
            }
            if (attempt >= WRITE_TRIES) {
                throw new IllegalStateException("the tenant's webhook secret kept changing during the rotation; retry");
            }
        }
    }

    private WebhookSecretStore.Record load(String tenant) {
        return refreshed(stored(tenant));
    }

    /** The tenant's record as stored (made now if it has none), not opened. */
    private WebhookSecretStore.Record stored(String tenant) {
        return store.get(tenant).orElseGet(() -> store.createIfAbsent(
                new WebhookSecretStore.Record(tenant, sealer.seal(tenant, WebhookSecret.generate(random)),
                        clock.instant(), null, null, 1)));
    }

    /** Seals the record again when it was sealed under an older service key; best effort (a lost race is fine). */
    private WebhookSecretStore.Record refreshed(WebhookSecretStore.Record record) {
        boolean previousLive = inGrace(record, clock.instant());
        if (!sealer.stale(record.current()) && !(previousLive && sealer.stale(record.previous()))) {
            return record;
        }
        WebhookSecretStore.Record next = new WebhookSecretStore.Record(record.tenant(),
                reseal(record.tenant(), record.current()), record.currentSince(),
                previousLive ? reseal(record.tenant(), record.previous()) : null,
                previousLive ? record.previousUntil() : null, record.version() + 1);
        return store.replace(next, record.version()) ? next : record;
    }

    private String reseal(String tenant, String sealed) {
        return sealer.stale(sealed) ? sealer.seal(tenant, sealer.open(tenant, sealed)) : sealed;
    }

    private static boolean inGrace(WebhookSecretStore.Record record, Instant now) {
        return record.previous() != null && record.previousUntil() != null && now.isBefore(record.previousUntil());
    }
}
