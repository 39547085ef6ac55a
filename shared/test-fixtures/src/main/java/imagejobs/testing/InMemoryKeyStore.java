package imagejobs.testing;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import imagejobs.shared.auth.ApiKey;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.auth.KeyStore;
import imagejobs.shared.auth.RateCounter;

/**
 * The keys table in a map, with the DynamoDB store's rules ({@link KeyStoreContract} holds both to them): records
 * by key hash, created_at to the millisecond, disable by key id, tenant status over all of a tenant's keys, and
 * fixed one-minute rate windows counted per key and per {@link RateCounter}.
 */
public class InMemoryKeyStore implements KeyStore {
    private final Map<String, KeyRecord> keys = Collections.synchronizedMap(new LinkedHashMap<>());
    private final Map<String, Integer> hits = new HashMap<>();
    /** findByHash calls so far. */
    public volatile int lookups;
    /** The counter of every tryAcquire call, in order. */
    public final List<RateCounter> counted = Collections.synchronizedList(new ArrayList<>());

    /** Adds an active key with the default rate, given in clear (tests only: the store itself never sees it). */
    public KeyRecord add(String key, String tenant) {
        return add(key, tenant, true, null);
    }

    /** Adds a key given in clear (tests only: the store itself never sees it). */
    public KeyRecord add(String key, String tenant, boolean active, Integer ratePerMinute) {
        String hash = ApiKey.hash(key);
        KeyRecord record = new KeyRecord(hash, ApiKey.idForHash(hash), tenant, active, ratePerMinute, Instant.EPOCH,
                "test");
        put(record);
        return record;
    }

    @Override
    public synchronized Optional<KeyRecord> findByHash(String keyHash) {
        lookups++;
        return Optional.ofNullable(keys.get(keyHash));
    }

    @Override
    public void put(KeyRecord key) {
        keys.put(key.keyHash(), new KeyRecord(key.keyHash(), key.keyId(), key.tenant(), key.active(),
                key.ratePerMinute(), key.createdAt().truncatedTo(ChronoUnit.MILLIS), key.label()));
    }

    @Override
    public List<KeyRecord> list() {
        synchronized (keys) {
            return List.copyOf(keys.values());
        }
    }

    @Override
    public synchronized boolean disable(String keyId) {
        for (KeyRecord key : list()) {
            if (key.keyId().equals(keyId)) {
                keys.put(key.keyHash(), new KeyRecord(key.keyHash(), key.keyId(), key.tenant(), false,
                        key.ratePerMinute(), key.createdAt(), key.label()));
                return true;
            }
        }
        return false;
    }

    @Override
    public TenantStatus tenantStatus(String tenant) {
        List<KeyRecord> own = list().stream().filter(k -> k.tenant().equals(tenant)).toList();
        return own.isEmpty() ? TenantStatus.UNKNOWN
                : own.stream().anyMatch(KeyRecord::active) ? TenantStatus.ACTIVE : TenantStatus.INACTIVE;
    }

    @Override
    public synchronized boolean tryAcquire(String keyHash, RateCounter counter, int limit, Instant now) {
        counted.add(counter);
        String window = counter.prefix() + keyHash + "#" + now.getEpochSecond() / 60;
        int count = hits.getOrDefault(window, 0);
        if (count >= limit) {
            return false;
        }
        hits.put(window, count + 1);
        return true;
    }
}
