package imagejobs.shared.google;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A batch as stored: tenant-bound like a job (another tenant's batch is a 404), one job per inlined request in
 * request order, each request's {@code metadata} echoed back with its result. Once every job has finished the state
 * is frozen here ({@code finalState}, {@code endTime}, {@code finalStats}) so listing old batches reads no job.
 *
 * @param batchId       the id after {@code batches/}
 * @param model         the catalog model id (shown as {@code models/<id>})
 * @param requestIds    the jobs, in the order of {@code inputConfig.requests.requests}
 * @param metadata      each request's {@code metadata} (an empty object when it had none), same order
 * @param cancelRequested true once {@code :cancel} was called
 * @param intakeFailed  true when none of the requests could be queued (the batch is FAILED)
 * @param finalState    null until every job has finished
 */
public record BatchRecord(
        String batchId,
        String tenant,
        String model,
        String displayName,
        List<String> requestIds,
        List<ObjectNode> metadata,
        Instant createdAt,
        Instant updatedAt,
        boolean cancelRequested,
        boolean intakeFailed,
        BatchState finalState,
        Instant endTime,
        BatchProgress finalStats,
        Instant expiresAt) {

    public static final String NAME_PREFIX = "batches/";

    public BatchRecord {
        requestIds = List.copyOf(requestIds);
        metadata = List.copyOf(metadata);
        if (metadata.size() != requestIds.size()) {
            throw new IllegalArgumentException("one metadata object per request");
        }
    }

    /** The resource name, {@code batches/<id>}. */
    public String name() {
        return NAME_PREFIX + batchId;
    }

    /** The record with its final state frozen. */
    public BatchRecord finish(BatchState state, BatchProgress stats, Instant at) {
        return new BatchRecord(batchId, tenant, model, displayName, requestIds, metadata, createdAt, at,
                cancelRequested, intakeFailed, state, at, stats, expiresAt);
    }
}
