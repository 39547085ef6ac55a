package imagejobs.testing;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import imagejobs.shared.google.BatchProgress;
import imagejobs.shared.google.BatchRecord;
import imagejobs.shared.google.BatchState;
import imagejobs.shared.google.BatchStore;
import imagejobs.shared.jobs.JobStore.Position;
import imagejobs.shared.jobs.Timestamps;

/** {@link BatchStore} in memory, with the real one's tenant binding, ordering and conditional freeze. */
public final class InMemoryBatchStore implements BatchStore {
    private static final Comparator<BatchRecord> NEWEST_FIRST = Comparator
            .comparing((BatchRecord b) -> Timestamps.format(b.createdAt()))
            .thenComparing(BatchRecord::batchId).reversed();

    private final Map<String, BatchRecord> batches = new ConcurrentHashMap<>();

    /** The stored record whoever owns it, or null: what a test asserts on. */
    public BatchRecord stored(String batchId) {
        return batches.get(batchId);
    }

    @Override
    public boolean create(BatchRecord batch) {
        BatchRecord existing = batches.putIfAbsent(batch.batchId(), batch);
        // As on DynamoDB: finding this very batch (an earlier try landed) counts as done.
        return existing == null || existing.equals(batch);
    }

    @Override
    public Optional<BatchRecord> get(String tenant, String batchId) {
        return Optional.ofNullable(batches.get(batchId)).filter(b -> b.tenant().equals(tenant));
    }

    @Override
    public BatchPage list(String tenant, Position after, int pageSize) {
        List<BatchRecord> mine = batches.values().stream()
                .filter(b -> b.tenant().equals(tenant))
                .filter(b -> after == null || before(b, after))
                .sorted(NEWEST_FIRST)
                .toList();
        if (mine.size() <= pageSize) {
            return new BatchPage(mine, null);
        }
        List<BatchRecord> page = mine.subList(0, pageSize);
        BatchRecord last = page.get(page.size() - 1);
        return new BatchPage(page, new Position(Timestamps.format(last.createdAt()), last.batchId()));
    }

    private static boolean before(BatchRecord batch, Position after) {
        int byTime = Timestamps.format(batch.createdAt()).compareTo(after.createdAt());
        return byTime < 0 || byTime == 0 && batch.batchId().compareTo(after.requestId()) < 0;
    }

    @Override
    public synchronized boolean requestCancel(String tenant, String batchId, Instant at) {
        BatchRecord b = get(tenant, batchId).orElse(null);
        if (b == null) {
            return false;
        }
        batches.put(batchId, new BatchRecord(b.batchId(), b.tenant(), b.model(), b.displayName(), b.requestIds(),
                b.metadata(), b.createdAt(), at, true, b.intakeFailed(), b.finalState(), b.endTime(),
                b.finalStats(), b.expiresAt()));
        return true;
    }

    @Override
    public synchronized boolean freeze(String batchId, BatchState state, BatchProgress stats, Instant at) {
        BatchRecord b = batches.get(batchId);
        if (b == null || b.finalState() != null) {
            return false;
        }
        batches.put(batchId, b.finish(state, stats, at));
        return true;
    }

    @Override
    public boolean delete(String tenant, String batchId) {
        BatchRecord b = get(tenant, batchId).orElse(null);
        return b != null && batches.remove(batchId, b);
    }
}
