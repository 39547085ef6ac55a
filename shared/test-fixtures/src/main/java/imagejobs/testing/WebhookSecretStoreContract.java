package imagejobs.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import imagejobs.shared.webhooks.WebhookSecretStore;
import imagejobs.shared.webhooks.WebhookSecretStore.Record;

/**
 * What every {@link WebhookSecretStore} does: run against the in-memory store and against DynamoWebhookSecretStore
 * on DynamoDB Local, so the fake cannot drift from the table's conditional writes. Each test uses its own tenants.
 * The values are opaque to the store, so plain strings stand in for sealed secrets.
 */
public abstract class WebhookSecretStoreContract {
    /** Whole milliseconds: what the table keeps. */
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00.123Z");

    private WebhookSecretStore store;
    private String run;

    /** A store to test; called before each test. */
    protected abstract WebhookSecretStore createStore();

    @BeforeEach
    void newStore() {
        store = createStore();
        run = UUID.randomUUID().toString();
    }

    private String tenant(String name) {
        return name + "-" + run;
    }

    @Test
    void anUnknownTenantHasNoRecord() {
        assertTrue(store.get(tenant("nobody")).isEmpty());
    }

    @Test
    void theFirstRecordIsWrittenOnceAndReadsBack() {
        Record first = new Record(tenant("t"), "v1.k.sealed-a", NOW, null, null, 1);
        assertEquals(first, store.createIfAbsent(first));
        assertEquals(first, store.get(first.tenant()).orElseThrow());
        Record other = new Record(first.tenant(), "v1.k.sealed-b", NOW.plusSeconds(1), null, null, 1);
        assertEquals(first, store.createIfAbsent(other), "the second first use gets the stored record");
        assertEquals(first, store.get(first.tenant()).orElseThrow());
    }

    @Test
    void replaceIsConditionalOnTheVersion() {
        Record first = store.createIfAbsent(new Record(tenant("t"), "v1.k.a", NOW, null, null, 1));
        Record rotated = new Record(first.tenant(), "v1.k.b", NOW.plusSeconds(60), "v1.k.a",
                NOW.plus(Duration.ofHours(24)), 2);
        assertFalse(store.replace(rotated, 7), "a stale version writes nothing");
        assertEquals(first, store.get(first.tenant()).orElseThrow());
        assertTrue(store.replace(rotated, 1));
        assertEquals(rotated, store.get(first.tenant()).orElseThrow(), "previous and its deadline read back");
        Record retired = new Record(first.tenant(), "v1.k.c", NOW.plusSeconds(120), null, null, 3);
        assertFalse(store.replace(retired, 1), "the version moved on");
        assertTrue(store.replace(retired, 2));
        assertEquals(retired, store.get(first.tenant()).orElseThrow(), "a retired previous secret is gone");
    }

    @Test
    void replaceNeverCreatesARecord() {
        Record record = new Record(tenant("none"), "v1.k.a", NOW, null, null, 2);
        assertFalse(store.replace(record, 1));
        assertTrue(store.get(record.tenant()).isEmpty());
    }

    @Test
    void tenantsAreApart() {
        Record a = store.createIfAbsent(new Record(tenant("a"), "v1.k.a", NOW, null, null, 1));
        Record b = store.createIfAbsent(new Record(tenant("b"), "v1.k.b", NOW, null, null, 1));
        assertEquals("v1.k.a", store.get(a.tenant()).orElseThrow().current());
        assertEquals("v1.k.b", store.get(b.tenant()).orElseThrow().current());
    }

    @Test
    void racingFirstUsesAndRotationsLeaveOneWinnerEach() throws Exception {
        String tenant = tenant("race");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Record>> creators = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Record mine = new Record(tenant, "v1.k.first-" + i, NOW, null, null, 1);
                creators.add(() -> store.createIfAbsent(mine));
            }
            Set<Record> answers = new HashSet<>();
            for (Future<Record> answer : pool.invokeAll(creators)) {
                answers.add(answer.get());
            }
            assertEquals(1, answers.size(), "every first use sees the same record");
            assertEquals(answers.iterator().next(), store.get(tenant).orElseThrow());

            List<Callable<Boolean>> rotators = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Record next = new Record(tenant, "v1.k.next-" + i, NOW.plusSeconds(1), "v1.k.prev",
                        NOW.plus(1, ChronoUnit.DAYS), 2);
                rotators.add(() -> store.replace(next, 1));
            }
            int won = 0;
            for (Future<Boolean> answer : pool.invokeAll(rotators)) {
                won += answer.get() ? 1 : 0;
            }
            assertEquals(1, won, "one rotation from version 1 wins");
            assertEquals(2, store.get(tenant).orElseThrow().version());
        } finally {
            pool.shutdownNow();
        }
    }
}
