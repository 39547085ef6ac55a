package imagejobs.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import imagejobs.shared.auth.ApiKey;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.auth.KeyStore;
import imagejobs.shared.auth.KeyStore.TenantStatus;
import imagejobs.shared.auth.RateCounter;

/**
 * What every {@link KeyStore} does: run against the in-memory store and against DynamoKeyStore on DynamoDB Local, so
 * the fake cannot drift from the table's rules. Each test uses its own keys and tenants.
 */
public abstract class KeyStoreContract {
    /**
     * Sub-millisecond on purpose (the table keeps milliseconds), 30 s into a minute, and a year ahead of the wall
     * clock: DynamoDB Local's TTL sweep deletes rate counters whose expires_at has passed.
     */
    private static final Instant NOW = Instant.now().plus(Duration.ofDays(365)).truncatedTo(ChronoUnit.DAYS)
            .plusSeconds(36_030).plusNanos(123_456_789);

    private KeyStore store;
    private String run;

    /** A store to test; called before each test. */
    protected abstract KeyStore createStore();

    @BeforeEach
    void newStore() {
        store = createStore();
        run = UUID.randomUUID().toString();
    }

    private KeyRecord key(String name, String tenant, boolean active, Integer rate) {
        String hash = ApiKey.hash("sk-" + run + "-" + name);
        return new KeyRecord(hash, ApiKey.idForHash(hash), tenant + "-" + run, active, rate, NOW, "label " + name);
    }

    @Test
    void aKeyReadsBackByItsHash() {
        KeyRecord key = key("a", "t", true, 120);
        store.put(key);
        KeyRecord got = store.findByHash(key.keyHash()).orElseThrow();
        assertEquals(new KeyRecord(key.keyHash(), key.keyId(), key.tenant(), true, 120,
                NOW.truncatedTo(ChronoUnit.MILLIS), "label a"), got, "created_at kept to the millisecond");
        KeyRecord plain = new KeyRecord(ApiKey.hash("sk-" + run + "-b"), ApiKey.idForHash(ApiKey.hash("sk-" + run + "-b")),
                "t-" + run, true, null, NOW, null);
        store.put(plain);
        KeyRecord gotPlain = store.findByHash(plain.keyHash()).orElseThrow();
        assertEquals(null, gotPlain.ratePerMinute());
        assertEquals(null, gotPlain.label());
        assertTrue(store.findByHash(ApiKey.hash("sk-" + run + "-missing")).isEmpty());
    }

    @Test
    void listShowsKeysButNoRateCounters() {
        KeyRecord key = key("a", "t", true, null);
        store.put(key);
        assertTrue(store.tryAcquire(key.keyHash(), RateCounter.SUBMITS, 5, NOW));
        List<KeyRecord> all = store.list();
        assertTrue(all.stream().anyMatch(k -> k.keyHash().equals(key.keyHash())));
        assertTrue(all.stream().noneMatch(k -> k.keyHash().startsWith(RateCounter.SUBMITS.prefix())
                || k.keyHash().startsWith(RateCounter.READS.prefix())));
        String window = RateCounter.SUBMITS.prefix() + key.keyHash() + "#" + NOW.getEpochSecond() / 60;
        assertTrue(store.findByHash(window).isEmpty(), "a rate counter is not a key");
    }

    @Test
    void disableByKeyId() {
        KeyRecord key = key("a", "t", true, null);
        store.put(key);
        assertTrue(store.disable(key.keyId()));
        assertFalse(store.findByHash(key.keyHash()).orElseThrow().active());
        assertFalse(store.disable("no-such-key-" + run));
    }

    @Test
    void tenantStatusLooksAtAllOfATenantsKeys() {
        assertEquals(TenantStatus.UNKNOWN, store.tenantStatus("nobody-" + run));
        KeyRecord first = key("a", "t", true, null);
        KeyRecord second = key("b", "t", false, null);
        store.put(first);
        store.put(second);
        assertEquals(TenantStatus.ACTIVE, store.tenantStatus(first.tenant()));
        store.disable(first.keyId());
        assertEquals(TenantStatus.INACTIVE, store.tenantStatus(first.tenant()));
        store.put(key("c", "t", true, null));
        assertEquals(TenantStatus.ACTIVE, store.tenantStatus(first.tenant()));
    }

    @Test
    void rateWindowsAreOneFixedMinutePerKeyAndCounter() {
        String hash = key("a", "t", true, null).keyHash();
        Instant minute = Instant.ofEpochSecond(NOW.getEpochSecond() / 60 * 60);
        for (int i = 0; i < 3; i++) {
            assertTrue(store.tryAcquire(hash, RateCounter.SUBMITS, 3, minute.plusSeconds(i * 20)));
        }
        assertFalse(store.tryAcquire(hash, RateCounter.SUBMITS, 3, minute.plusSeconds(59)));
        assertTrue(store.tryAcquire(hash, RateCounter.READS, 3, minute.plusSeconds(59)), "reads count apart");
        assertTrue(store.tryAcquire(key("b", "t", true, null).keyHash(), RateCounter.SUBMITS, 3, minute),
                "another key counts apart");
        assertTrue(store.tryAcquire(hash, RateCounter.SUBMITS, 3, minute.plusSeconds(60)), "a new minute, a new window");
    }

    @Test
    void aLimitOfZeroRefusesEvenTheFirstRequestOfAWindow() {
        String hash = key("z", "t", true, null).keyHash();
        assertFalse(store.tryAcquire(hash, RateCounter.SUBMITS, 0, NOW));
        assertFalse(store.tryAcquire(hash, RateCounter.READS, 0, NOW));
    }
}
