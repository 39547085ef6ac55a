package imagejobs.shared.auth;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The keys table: API key hashes → tenant, status and rate, plus the per-key rate counters. */
public interface KeyStore {

    Optional<KeyRecord> findByHash(String keyHash);

    void put(KeyRecord key);

    List<KeyRecord> list();

    /** Disables a key by its id; false when no key has that id. */
    boolean disable(String keyId);

    /** Whether a tenant can still spend: it has no key at all, only disabled keys, or at least one active key. */
    enum TenantStatus { UNKNOWN, INACTIVE, ACTIVE }

    /**
     * {@link TenantStatus#ACTIVE} when at least one of the tenant's keys is active (a key with no status is, as
     * {@link #findByHash} reads it), {@link TenantStatus#INACTIVE} when it has keys and all are disabled.
     */
    TenantStatus tenantStatus(String tenant);

    /**
     * Counts one request against the key's fixed one-minute window of {@code counter}. False when the window already
     * holds {@code limit} requests (the request must be refused).
     */
    boolean tryAcquire(String keyHash, RateCounter counter, int limit, Instant now);
}
