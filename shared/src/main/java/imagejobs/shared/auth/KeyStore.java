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

    /** Whether any key (active or not) belongs to the tenant. */
    boolean tenantExists(String tenant);

    /**
     * Counts one request against the key's fixed one-minute window of {@code counter}. False when the window already
     * holds {@code limit} requests (the request must be refused).
     */
    boolean tryAcquire(String keyHash, RateCounter counter, int limit, Instant now);
}
