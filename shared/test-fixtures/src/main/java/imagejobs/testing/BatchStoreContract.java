package imagejobs.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.google.BatchProgress;
import imagejobs.shared.google.BatchRecord;
import imagejobs.shared.google.BatchState;
import imagejobs.shared.google.BatchStore;
import imagejobs.shared.jobs.JobStore.Position;
import imagejobs.shared.jobs.RequestIds;
import imagejobs.shared.json.Json;

/**
 * What every {@link BatchStore} does: run against the in-memory store and against DynamoBatchStore on DynamoDB
 * Local, so the fake cannot drift from the table (tenant binding, newest-first paging, the conditional freeze). Each
 * test uses its own tenants.
 */
public abstract class BatchStoreContract {
    /** Whole milliseconds: what the table keeps. */
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00.123Z");

    private BatchStore store;
    private String run;

    /** A store to test; called before each test. */
    protected abstract BatchStore createStore();

    @BeforeEach
    void newStore() {
        store = createStore();
        run = UUID.randomUUID().toString();
    }

    private String tenant(String name) {
        return name + "-" + run;
    }

    private static BatchRecord batch(String tenant, Instant created, String displayName) {
        ObjectNode meta = (ObjectNode) Json.parse("{\"key\":\"fox\",\"nested\":{\"n\":[1,2]}}");
        return new BatchRecord(RequestIds.newId(created.toEpochMilli()), tenant, "gemini-2.5-flash-image",
                displayName, List.of(RequestIds.newId(created.toEpochMilli()), RequestIds.newId(created.toEpochMilli())),
                List.of(meta, Json.object()), created, created, false, false, null, null, null,
                created.plusSeconds(30 * 86400).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }

    @Test
    void aBatchReadsBackWholeForItsTenantOnly() {
        BatchRecord batch = batch(tenant("a"), NOW, "nightly");
        assertTrue(store.create(batch));
        assertEquals(batch, store.get(batch.tenant(), batch.batchId()).orElseThrow(),
                "ids in order, metadata, times, flags read back");
        assertTrue(store.get(tenant("b"), batch.batchId()).isEmpty(), "another tenant's batch is not found");
        assertTrue(store.get(batch.tenant(), RequestIds.newId(NOW.toEpochMilli())).isEmpty());
        BatchRecord other = new BatchRecord(batch.batchId(), tenant("b"), batch.model(), "another", batch.requestIds(),
                batch.metadata(), NOW, NOW, false, false, null, null, null, batch.expiresAt());
        assertFalse(store.create(other), "an id is written once");
        assertEquals(batch, store.get(batch.tenant(), batch.batchId()).orElseThrow());
        assertTrue(store.create(batch), "the same write again (a retry whose first answer was lost) counts as done");
    }

    @Test
    void aBatchWithoutADisplayNameReadsBackWithout() {
        BatchRecord batch = batch(tenant("a"), NOW, null);
        store.create(batch);
        assertNull(store.get(batch.tenant(), batch.batchId()).orElseThrow().displayName());
    }

    @Test
    void listingIsNewestFirstInPagesAndPerTenant() {
        String tenant = tenant("lister");
        List<BatchRecord> made = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            BatchRecord b = batch(tenant, NOW.plusSeconds(i), "b" + i);
            store.create(b);
            made.add(0, b);
        }
        store.create(batch(tenant("other"), NOW.plusSeconds(10), "not mine"));

        BatchStore.BatchPage first = store.list(tenant, null, 2);
        assertEquals(made.subList(0, 2), first.batches());
        BatchStore.BatchPage second = store.list(tenant, first.next(), 2);
        assertEquals(made.subList(2, 4), second.batches());
        BatchStore.BatchPage last = store.list(tenant, second.next(), 2);
        assertEquals(made.subList(4, 5), last.batches());
        assertNull(last.next(), "no position after the last page");
        assertEquals(made, store.list(tenant, null, 20).batches());
        assertNull(store.list(tenant, null, 5).next(), "an exactly full page is the end");
        assertTrue(store.list(tenant("nobody"), null, 10).batches().isEmpty());
    }

    @Test
    void cancelIsRecordedForTheOwnerOnly() {
        BatchRecord batch = batch(tenant("a"), NOW, "c");
        store.create(batch);
        assertFalse(store.requestCancel(tenant("b"), batch.batchId(), NOW.plusSeconds(5)));
        assertFalse(store.get(batch.tenant(), batch.batchId()).orElseThrow().cancelRequested());
        assertTrue(store.requestCancel(batch.tenant(), batch.batchId(), NOW.plusSeconds(5)));
        BatchRecord read = store.get(batch.tenant(), batch.batchId()).orElseThrow();
        assertTrue(read.cancelRequested());
        assertEquals(NOW.plusSeconds(5), read.updatedAt());
        assertFalse(store.requestCancel(batch.tenant(), RequestIds.newId(NOW.toEpochMilli()), NOW));
    }

    @Test
    void theFinalStateIsFrozenOnce() {
        BatchRecord batch = batch(tenant("a"), NOW, "f");
        store.create(batch);
        BatchProgress stats = new BatchProgress(2, 1, 1, 0, true);
        Instant end = NOW.plusSeconds(40);
        assertTrue(store.freeze(batch.batchId(), BatchState.SUCCEEDED, stats, end));
        assertFalse(store.freeze(batch.batchId(), BatchState.CANCELLED, new BatchProgress(2, 0, 2, 0, true),
                end.plusSeconds(1)), "the second reader to see it done writes nothing");
        BatchRecord read = store.get(batch.tenant(), batch.batchId()).orElseThrow();
        assertEquals(batch.finish(BatchState.SUCCEEDED, stats, end), read);
        assertFalse(store.freeze(RequestIds.newId(NOW.toEpochMilli()), BatchState.SUCCEEDED, stats, end),
                "freezing never creates a batch");
    }

    @Test
    void deleteRemovesTheOwnersRecordOnly() {
        BatchRecord batch = batch(tenant("a"), NOW, "d");
        store.create(batch);
        assertFalse(store.delete(tenant("b"), batch.batchId()));
        assertTrue(store.get(batch.tenant(), batch.batchId()).isPresent());
        assertTrue(store.delete(batch.tenant(), batch.batchId()));
        assertTrue(store.get(batch.tenant(), batch.batchId()).isEmpty());
        assertFalse(store.delete(batch.tenant(), batch.batchId()), "gone is gone");
        assertTrue(store.list(batch.tenant(), null, 10).batches().isEmpty());
    }

    /** Positions are opaque to callers but must survive a round trip through a cursor: plain strings. */
    @Test
    void thePositionNamesTheLastBatchOfThePage() {
        String tenant = tenant("pos");
        BatchRecord older = batch(tenant, NOW, "o");
        BatchRecord newer = batch(tenant, NOW.plusSeconds(1), "n");
        store.create(older);
        store.create(newer);
        Position next = store.list(tenant, null, 1).next();
        assertEquals(newer.batchId(), next.requestId());
        assertEquals(List.of(older), store.list(tenant, new Position(next.createdAt(), next.requestId()), 1)
                .batches());
    }
}
