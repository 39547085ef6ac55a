package imagejobs.shared.jobs;

import java.time.Instant;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One job as stored in the jobs table. {@code request} is the canonical Gemini request (camelCase, canonical
 * values, images as references, never base64); {@code requestKey} points at it in S3 when it was too large for
 * the item. {@code outcome} holds what the worker produced (image references, text, usage, next turn).
 */
public record Job(
        String requestId,
        String tenant,
        String model,
        JobStatus status,
        String source,
        String sourceKey,
        Instant createdAt,
        Instant updatedAt,
        Instant startedAt,
        Instant completedAt,
        int attempts,
        Instant leaseUntil,
        Instant retryAt,
        String request,
        String requestKey,
        String requestHash,
        ObjectNode outcome,
        JobError error,
        String lastError,
        Instant expiresAt) {

    public static final String SOURCE_API = "api";
    public static final String SOURCE_S3 = "s3";

    /** A new queued job. */
    public static Job queued(String requestId, String tenant, String model, String source, String sourceKey,
                             String request, String requestKey, String requestHash, Instant now, Instant expiresAt) {
        // The table keeps milliseconds and the TTL whole seconds; truncate so the stored job equals this one.
        now = now.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        return new Job(requestId, tenant, model, JobStatus.QUEUED, source, sourceKey, now, now, null, null, 0,
                null, null, request, requestKey, requestHash, null, null, null,
                expiresAt.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }

    public Job withStatus(JobStatus newStatus) {
        return new Job(requestId, tenant, model, newStatus, source, sourceKey, createdAt, updatedAt, startedAt,
                completedAt, attempts, leaseUntil, retryAt, request, requestKey, requestHash, outcome, error,
                lastError, expiresAt);
    }

    public Job withError(JobError newError, Instant at) {
        return new Job(requestId, tenant, model, JobStatus.FAILED, source, sourceKey, createdAt, at, startedAt,
                at, attempts, leaseUntil, retryAt, request, requestKey, requestHash, outcome, newError,
                lastError, expiresAt);
    }

    /** True once the retention period has passed, even if DynamoDB's TTL sweep has not deleted the item yet. */
    public boolean expired(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }
}
