package imagejobs.shared.webhooks;

import java.time.Instant;
import java.util.Optional;

/**
 * Where each tenant's webhook secrets live, sealed ({@link SecretSealer}): the current one and, after a rotation,
 * the previous one until its grace period ends. Writes are conditional on {@link Record#version()}, so two rotations
 * or two first uses at once leave one consistent record.
 */
public interface WebhookSecretStore {

    /**
     * A tenant's record. {@code previous} and {@code previousUntil} are null when there was no rotation, or its
     * grace period is over and nothing cleaned it yet ({@link TenantWebhookSecrets} ignores it then).
     */
    record Record(String tenant, String current, Instant currentSince, String previous, Instant previousUntil,
                  long version) {
    }

    Optional<Record> get(String tenant);

    /**
     * Writes {@code first} (version 1) unless the tenant has a record; answers the record stored afterwards, which
     * is the other writer's when two first uses race.
     */
    Record createIfAbsent(Record first);

    /** Writes {@code next} if the stored record's version is still {@code expectedVersion}; false otherwise. */
    boolean replace(Record next, long expectedVersion);
}
