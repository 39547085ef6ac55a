package imagejobs.shared.submit;

import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import imagejobs.shared.auth.ApiKey;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.auth.KeyStore;
import imagejobs.shared.auth.RateCounter;

/** The keys table in memory with DynamoKeyStore's fixed one-minute rate windows. */
final class FakeKeyStore implements KeyStore {
    private final Map<String, KeyRecord> keys = new LinkedHashMap<>();
    private final Map<String, Integer> hits = new HashMap<>();
    int lookups;

    /** Adds a key given in clear (tests only: the store itself never sees it). */
    KeyRecord add(String key, String tenant, boolean active, Integer ratePerMinute) {
        String hash = ApiKey.hash(key);
        KeyRecord record = new KeyRecord(hash, ApiKey.idForHash(hash), tenant, active, ratePerMinute, Instant.EPOCH,
                "test");
        keys.put(hash, record);
        return record;
    }

    @Override
    public synchronized Optional<KeyRecord> findByHash(String keyHash) {
        lookups++;
        return Optional.ofNullable(keys.get(keyHash));
    }

    @Override
    public void put(KeyRecord key) {
        keys.put(key.keyHash(), key);
    }

    @Override
    public List<KeyRecord> list() {
        return List.copyOf(keys.values());
    }

    @Override
    public boolean disable(String keyId) {
        throw new UnsupportedOperationException("not used by submit");
    }

    @Override
    public TenantStatus tenantStatus(String tenant) {
        List<KeyRecord> own = keys.values().stream().filter(k -> k.tenant().equals(tenant)).toList();
        return own.isEmpty() ? TenantStatus.UNKNOWN
                : own.stream().anyMatch(KeyRecord::active) ? TenantStatus.ACTIVE : TenantStatus.INACTIVE;
    }

    @Override
    public synchronized boolean tryAcquire(String keyHash, RateCounter counter, int limit, Instant now) {
        String window = counter.prefix() + keyHash + "#" + now.getEpochSecond() / 60;
        int count = hits.getOrDefault(window, 0);
        if (count >= limit) {
            return false;
        }
        hits.put(window, count + 1);
        return true;
    }
}
