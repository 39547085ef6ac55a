package imagejobs.shared.google;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import imagejobs.shared.jobs.JobStore.Position;

/**
 * The batches table: one record per batch, tenant-bound. Reads by id take the tenant and find nothing for another
 * tenant's batch (the caller answers 404 either way). A batch's state is frozen once, by a conditional write, so two
 * readers that both see the last job finish never disagree about its end.
 */
public interface BatchStore {

    /** Writes a new batch; false if a batch with this id already exists. */
    boolean create(BatchRecord batch);

    /** The tenant's batch, or empty when there is none by that id or it is another tenant's. */
    Optional<BatchRecord> get(String tenant, String batchId);

    /**
     * One page of a tenant's batches, newest first (by {@code createdAt}, then id).
     *
     * @param after the last batch of the previous page ({@code Position.requestId} holds its batch id), or null
     */
    BatchPage list(String tenant, Position after, int pageSize);

    /** Sets {@code cancelRequested} (and {@code updatedAt}); false when the tenant has no such batch. */
    boolean requestCancel(String tenant, String batchId, Instant at);

    /**
     * Records the final state, stats and end time, only if none is recorded yet; false when another reader froze it
     * first (or the batch is gone).
     */
    boolean freeze(String batchId, BatchState state, BatchProgress stats, Instant at);

    /** Deletes the tenant's batch record (its jobs stay); false when there was none. */
    boolean delete(String tenant, String batchId);

    /** Batches of one page and the position after its last one, or null at the end. */
    record BatchPage(List<BatchRecord> batches, Position next) {
        public BatchPage {
            batches = List.copyOf(batches);
        }
    }
}
