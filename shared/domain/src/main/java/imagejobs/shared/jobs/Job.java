package imagejobs.shared.jobs;

import java.time.Instant;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.webhooks.DeliveryRecord;
import imagejobs.shared.webhooks.WebhookEvent;
import imagejobs.shared.webhooks.WebhookSubscription;

/**
 * One job as stored in the jobs table. {@code request} is the canonical Gemini request (camelCase, canonical
 * values, images as references, never base64); {@code requestKey} points at it in S3 when it was too large for
 * the item. {@code outcome} holds what the worker produced (image references, text, usage, next turn).
 * {@code waitToken} is the token the job's current queue message carries once the worker re-sent it to wait for a
 * Gemini slot (older copies carry another and are dropped); {@code waiting} says why a queued job waits (cleared by
 * the claim); {@code throttled} counts attempts Gemini answered 429 to, which do not count towards MAX_ATTEMPTS.
 * {@code webhook} is what the client asked to be told and where (null: no webhook); {@code webhookStart} and
 * {@code webhookCompleted} are the delivery state of each event, written by the webhook delivery only (null until
 * its first attempt).
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
        Instant expiresAt,
        String waitToken,
        Waiting waiting,
        int throttled,
        WebhookSubscription webhook,
        DeliveryRecord webhookStart,
        DeliveryRecord webhookCompleted) {

    /**
     * Why a queued job has not called Gemini yet: the upstream gate denied it a slot or reserved a later one.
     *
     * @param ticket      the job's place in its tenant's line at the gate, or null
     * @param reservation the reserved slot's id, or null
     * @param detail      RATE, CONCURRENCY or COOL_DOWN
     * @param model       the upstream model whose quota it waits for
     * @param since       when it first waited
     * @param nextCheckAt when its message comes back to ask again
     */
    public record Waiting(Long ticket, String reservation, String detail, String model, Instant since,
                          Instant nextCheckAt) {
    }

    /** A job that never waited for a Gemini slot. */
    public Job(String requestId, String tenant, String model, JobStatus status, String source, String sourceKey,
               Instant createdAt, Instant updatedAt, Instant startedAt, Instant completedAt, int attempts,
               Instant leaseUntil, Instant retryAt, String request, String requestKey, String requestHash,
               ObjectNode outcome, JobError error, String lastError, Instant expiresAt) {
        this(requestId, tenant, model, status, source, sourceKey, createdAt, updatedAt, startedAt, completedAt,
                attempts, leaseUntil, retryAt, request, requestKey, requestHash, outcome, error, lastError, expiresAt,
                null, null, 0);
    }

    /** A job without a webhook. */
    public Job(String requestId, String tenant, String model, JobStatus status, String source, String sourceKey,
               Instant createdAt, Instant updatedAt, Instant startedAt, Instant completedAt, int attempts,
               Instant leaseUntil, Instant retryAt, String request, String requestKey, String requestHash,
               ObjectNode outcome, JobError error, String lastError, Instant expiresAt, String waitToken,
               Waiting waiting, int throttled) {
        this(requestId, tenant, model, status, source, sourceKey, createdAt, updatedAt, startedAt, completedAt,
                attempts, leaseUntil, retryAt, request, requestKey, requestHash, outcome, error, lastError, expiresAt,
                waitToken, waiting, throttled, null, null, null);
    }

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
                lastError, expiresAt, waitToken, waiting, throttled, webhook, webhookStart,
                webhookCompleted);
    }

    public Job withError(JobError newError, Instant at) {
        return new Job(requestId, tenant, model, JobStatus.FAILED, source, sourceKey, createdAt, at, startedAt,
                at, attempts, leaseUntil, retryAt, request, requestKey, requestHash, outcome, newError,
                lastError, expiresAt, waitToken, waiting, throttled, webhook, webhookStart,
                webhookCompleted);
    }

    /** The same job waiting for a Gemini slot, its message now carrying {@code token}. */
    public Job withWaiting(String token, Waiting newWaiting, Instant at) {
        return new Job(requestId, tenant, model, status, source, sourceKey, createdAt, at, startedAt,
                completedAt, attempts, leaseUntil, retryAt, request, requestKey, requestHash, outcome, error,
                lastError, expiresAt, token, newWaiting, throttled, webhook, webhookStart,
                webhookCompleted);
    }

    /** The same job with the webhook the client asked for (null: none). */
    public Job withWebhook(WebhookSubscription subscription) {
        return new Job(requestId, tenant, model, status, source, sourceKey, createdAt, updatedAt, startedAt,
                completedAt, attempts, leaseUntil, retryAt, request, requestKey, requestHash, outcome, error,
                lastError, expiresAt, waitToken, waiting, throttled, subscription, webhookStart, webhookCompleted);
    }

    /** The delivery state of {@code event}, null before its first attempt. */
    public DeliveryRecord delivery(WebhookEvent event) {
        return event == WebhookEvent.START ? webhookStart : webhookCompleted;
    }

    /** Attempts that count towards MAX_ATTEMPTS: those Gemini throttled (429) do not. */
    public int countedAttempts() {
        return Math.max(0, attempts - throttled);
    }

    /** True once the retention period has passed, even if DynamoDB's TTL sweep has not deleted the item yet. */
    public boolean expired(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }
}
