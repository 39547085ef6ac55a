package imagejobs.shared.jobs;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import imagejobs.shared.webhooks.DeliveryRecord;
import imagejobs.shared.webhooks.WebhookEvent;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The jobs table. Every status change is a conditional write, so duplicate deliveries, retries and races can
 * never run Gemini twice for one job or move a finished job back. The attempt number is the fencing token: only
 * the worker holding the current attempt can finish, fail or requeue the job.
 */
public interface JobStore {

    /** Writes a new job; false if a job with this id already exists. */
    boolean create(Job job);

    /**
     * Writes a new job together with its idempotency record, atomically. When the key was used within its window
     * the new job is not written and the earlier job is returned (or {@link IdempotentCreate.Conflict} when the
     * earlier request had another body).
     */
    IdempotentCreate createIdempotent(Job job, String idempotencyKeyHash, Instant keyExpiresAt);

    /**
     * The job an idempotency key is bound to, while its window lasts (expired bindings are absent). A cheap read
     * before any upload; {@link #createIdempotent} stays the authority when two submits race.
     */
    default Optional<IdempotencyBinding> findIdempotencyKey(String idempotencyKeyHash, Instant now) {
        return Optional.empty();
    }

    /**
     * Unbinds an idempotency key from a job that never reached the queue (enqueue failed), so the client's retry with
     * the same key creates a new job. Only a binding to {@code requestId} is removed; false when there was none.
     */
    default boolean releaseIdempotencyKey(String idempotencyKeyHash, String requestId) {
        throw new UnsupportedOperationException("this job store does not release idempotency keys");
    }

    Optional<Job> get(String requestId);

    /**
     * {@code queued → processing} (or takes over a {@code processing} job whose lease ran out), incrementing the
     * attempt count and setting the lease. Empty when the job is not claimable: the caller reads it to see why.
     */
    Optional<Job> claim(String requestId, Instant now, Instant leaseUntil);

    /** Extends the lease of the current attempt (long Gemini calls). */
    boolean extendLease(String requestId, int attempt, Instant leaseUntil);

    /** {@code processing → success} for the current attempt. */
    boolean complete(String requestId, int attempt, ObjectNode outcome, int imageCount, Instant now);

    /** {@code processing → failed} for the current attempt. */
    boolean fail(String requestId, int attempt, JobError error, Instant now);

    /** {@code processing → queued} after a retryable failure: the message comes back after {@code retryAt}. */
    boolean requeue(String requestId, int attempt, String lastError, Instant retryAt, Instant now);

    /**
     * A queued job waits for a Gemini slot: its message was re-sent carrying {@code newToken}. Only if the job is still
     * queued and its current token is {@code expectedToken} (null: none), so of two copies of one message only one
     * moves the job on; false otherwise (the copy that lost is stale). A null {@code newToken} removes the token (a
     * wait handed back to a message that carried none).
     */
    default boolean markWaiting(String requestId, String expectedToken, String newToken, Job.Waiting waiting,
                                Instant now) {
        throw new UnsupportedOperationException("this job store does not keep waiting jobs");
    }

    /**
     * {@code queued → failed} without an attempt (a job that waited for a Gemini slot longer than MAX_QUEUE_SECONDS).
     * False when the job is not queued.
     */
    default boolean failQueued(String requestId, JobError error, Instant now) {
        throw new UnsupportedOperationException("this job store does not fail queued jobs");
    }

    /**
     * {@code processing → queued} for the current attempt after Gemini answered 429: the attempt is counted as
     * throttled (it does not count towards MAX_ATTEMPTS), no retry_at is set (the upstream gate decides when).
     */
    default boolean requeueThrottled(String requestId, int attempt, Instant now) {
        throw new UnsupportedOperationException("this job store does not requeue throttled jobs");
    }

    /** {@code queued|processing → failed} regardless of attempt (dead-letter queue, failed enqueue). */
    boolean failUnfinished(String requestId, JobError error, Instant now);

    /**
     * {@code queued|processing → failed} unless a worker holds the job under a live lease (it may still finish):
     * for the dead-letter consumer. False when the job is finished, missing or still leased.
     */
    default boolean failUnleased(String requestId, JobError error, Instant now) {
        Optional<Job> job = get(requestId);
        if (job.isEmpty() || (job.get().status() == JobStatus.PROCESSING && job.get().leaseUntil() != null
                && job.get().leaseUntil().isAfter(now))) {
            return false;
        }
        return failUnfinished(requestId, error, now);
    }

    /**
     * Records the delivery state of one webhook event of a job (only that, never its status or {@code updated_at}),
     * when {@code record} supersedes the stored one ({@link DeliveryRecord#supersedes}): a late or duplicate attempt
     * never turns a final record back. False when it does not, or when the job is gone.
     */
    default boolean recordWebhook(String requestId, WebhookEvent event, DeliveryRecord record) {
        throw new UnsupportedOperationException("this job store does not keep webhook deliveries");
    }

    /** {@code queued → cancelled}; empty when the job was not queued (read it to answer with its status). */
    Optional<Job> cancel(String requestId, Instant now);

    /** One page of a tenant's jobs, newest first, filters applied, filled up to the limit where data allows. */
    JobPage list(String tenant, ListQuery query);

    /**
     * Listing filters and position. {@code after} is the last job of the previous page, or null. Both created_at
     * bounds are exclusive. {@code visibleAt}: jobs whose retention ended at or before it are left out (DynamoDB's
     * TTL sweep deletes them up to days late); null lists them too.
     */
    record ListQuery(Set<JobStatus> statuses, String model, Instant createdAfter, Instant createdBefore,
                     int limit, Position after, Instant visibleAt) {

        public ListQuery(Set<JobStatus> statuses, String model, Instant createdAfter, Instant createdBefore,
                         int limit, Position after) {
            this(statuses, model, createdAfter, createdBefore, limit, after, null);
        }
    }

    /** A position in a tenant's listing: the created_at and id of a job. */
    record Position(String createdAt, String requestId) {
    }

    /**
     * Jobs of one page (summaries: no request, no outcome) and the position to continue from, or null once the
     * listing is complete. A page is short of the limit only at the end, or when one call's scan budget ran out
     * under very selective filters: then {@code next} is set and the listing goes on from there.
     */
    record JobPage(List<Job> jobs, Position next) {
    }

    /** An idempotency key's binding: the job it created and the hash of the request that created it. */
    record IdempotencyBinding(String requestId, String requestHash) {
    }

    sealed interface IdempotentCreate {
        record Created(Job job) implements IdempotentCreate {
        }

        record Existing(Job job) implements IdempotentCreate {
        }

        record Conflict(String existingRequestId) implements IdempotentCreate {
        }
    }
}
