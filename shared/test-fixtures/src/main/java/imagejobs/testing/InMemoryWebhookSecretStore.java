package imagejobs.testing;

import imagejobs.shared.webhooks.WebhookSecretStore;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** {@link WebhookSecretStore} in memory, with the conditional writes of the real one. */
public final class InMemoryWebhookSecretStore implements WebhookSecretStore {
    private final Map<String, Record> records = new ConcurrentHashMap<>();
    /** A record another writer puts in first, at the next createIfAbsent (a race lost). */
    private Record racer;

    /** The stored record as it is (sealed values included), or null: what a test asserts on. */
    public Record stored(String tenant) {
        return records.get(tenant);
    }

    /** The next {@link #createIfAbsent} finds {@code other} already written, as when another container won the race. */
    public synchronized void loseNextCreateTo(Record other) {
        racer = other;
    }

    @Override
    public Optional<Record> get(String tenant) {
        return Optional.ofNullable(records.get(tenant));
    }

    @Override
    public synchronized Record createIfAbsent(Record first) {
        if (racer != null) {
            records.putIfAbsent(racer.tenant(), racer);
            racer = null;
        }
        Record existing = records.putIfAbsent(first.tenant(), first);
        return existing == null ? first : existing;
    }

    @Override
    public synchronized boolean replace(Record next, long expectedVersion) {
        Record stored = records.get(next.tenant());
        if (stored == null || stored.version() != expectedVersion) {
            return false;
        }
        records.put(next.tenant(), next);
        return true;
    }
}
