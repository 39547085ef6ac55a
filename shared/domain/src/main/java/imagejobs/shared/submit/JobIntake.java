package imagejobs.shared.submit;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.config.Settings;
import imagejobs.shared.errors.Rejection;
import imagejobs.shared.errors.Rejection.Kind;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.jobs.RequestIds;
import imagejobs.shared.json.Json;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.queue.JobQueue;
import imagejobs.shared.validation.CanonicalRequest;

/**
 * The one way a validated request becomes a queued job, whichever door it came through (the HTTP submit in both
 * forms, an upload under {@code edits/}): its inputs are staged (inline images to S3, a request document too large
 * for the item spilled), the job is stored {@code queued}, then its id is sent to the queue. The job is always written
 * before its message; when the send fails the job is marked failed ({@value #ENQUEUE_FAILED}, retryable): never a
 * queued job without a message, never a message without a job.
 *
 * <p>How a failure is recovered depends on where the job's id comes from:
 * <ul>
 * <li>a fresh id ({@link #accept}, {@link #store}): only the client can send the request again, so a job that could
 * not be stored or queued is abandoned (marked failed, its idempotency key released) and the caller gets a 503
 * {@link Rejection} to retry on;</li>
 * <li>an id derived from the source ({@link #admit}, {@link #enqueue}): the source delivers again (S3 events are
 * retried by Lambda) and finds the job by its id, so a failed store is left to propagate, and a queued job whose
 * message may be lost is simply sent again.</li>
 * </ul>
 * Storing and enqueueing are separate steps so that a route can run a stored job inline instead of queueing it, and
 * a batch can take in many jobs one {@link #accept} at a time.
 */
public final class JobIntake {
    /** A job that could not be sent to the queue: failed, retryable (submit or upload again). */
    public static final String ENQUEUE_FAILED = "ENQUEUE_FAILED";
    /** The request's images or document could not be stored in S3; nothing was stored or queued. */
    public static final String STORAGE_UNAVAILABLE = "STORAGE_UNAVAILABLE";
    /** The job could not be written; nothing was queued. */
    public static final String JOB_STORE_UNAVAILABLE = "JOB_STORE_UNAVAILABLE";
    /** The same Idempotency-Key with another request inside the window. */
    public static final String IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED";
    public static final Duration IDEMPOTENCY_WINDOW = Duration.ofHours(24);
    /** Marking an unqueued job failed is what keeps it from looking queued forever: worth a few tries. */
    public static final int FAIL_MARK_ATTEMPTS = 3;
    private static final String NOT_QUEUED_MESSAGE = "the job could not be queued; submit it again";
    private static final StructuredLog LOG = StructuredLog.get(JobIntake.class);

    private final InputSpiller spiller;
    private final JobStore jobs;
    private final JobQueue queue;
    private final Settings settings;
    private final Clock clock;

    public JobIntake(InputSpiller spiller, JobStore jobs, JobQueue queue, Settings settings, Clock clock) {
        this.spiller = spiller;
        this.jobs = jobs;
        this.queue = queue;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * A validated request from a caller who is known, to become a job with a fresh id.
     *
     * @param idempotencyKeyHash the tenant-scoped hash of the caller's Idempotency-Key, or null
     */
    public record Submission(String tenant, CanonicalRequest request, String source, String idempotencyKeyHash,
                             Duration idempotencyWindow) {
        /** With the usual {@link #IDEMPOTENCY_WINDOW}. */
        public Submission(String tenant, CanonicalRequest request, String source, String idempotencyKeyHash) {
            this(tenant, request, source, idempotencyKeyHash, IDEMPOTENCY_WINDOW);
        }
    }

    /** The job as stored (or found again), and whether it is the earlier job of a repeated idempotent request. */
    public record Accepted(Job job, boolean replayed) {
    }

    /** {@link #store}, then {@link #enqueue} a job that is new. Throws a 503 {@link Rejection} when it cannot. */
    public Accepted accept(Submission submission) {
        return accept(submission, 0);
    }

    /**
     * {@link #accept} with the message visible only after {@code delaySeconds} (0..900): a route that runs the job
     * itself sends it as insurance, so the worker finishes the job should that route die first.
     */
    public Accepted accept(Submission submission, int delaySeconds) {
        Accepted accepted = store(submission);
        if (!accepted.replayed()) {
            String requestId = accepted.job().requestId();
            RuntimeException failure = delaySeconds <= 0 ? send(requestId, accepted.job().tenant())
                    : sendDelayed(requestId, accepted.job().tenant(), delaySeconds);
            if (failure != null) {
                LOG.error("enqueue failed; job marked failed", failure);
                abandon(requestId, submission.idempotencyKeyHash());
                throw unavailable(ENQUEUE_FAILED, "the job could not be queued");
            }
            Job job = accepted.job();
            LOG.info("job queued", "model", job.model(), "request_bytes",
                    job.request() == null ? -1 : job.request().length());
        }
        return accepted;
    }

    /**
     * Stages the inputs and stores the job {@code queued} under a fresh id, or finds the earlier job of the same
     * request under the same idempotency key; sends nothing. Throws a 503 {@link Rejection} when S3 or the jobs
     * table fails (a job that may have been written is then abandoned), and 409 when the key was used for another
     * request.
     */
    public Accepted store(Submission submission) {
        Instant now = clock.instant();
        String tenant = submission.tenant();
        CanonicalRequest canonical = submission.request();
        String requestHash = requestHash(canonical);
        String keyHash = submission.idempotencyKeyHash();
        if (keyHash != null) {
            Optional<Accepted> replay = replay(keyHash, requestHash, now);
            if (replay.isPresent()) {
                return replay.get();
            }
        }

        String requestId = RequestIds.newId(now.toEpochMilli());
        StructuredLog.put("job_id", requestId);
        InputSpiller.StoredRequest stored;
        try {
            stored = stage(tenant, requestId, canonical.gemini());
        } catch (RuntimeException e) {
            // Nothing is stored yet: an upload left behind expires with the inputs/ lifecycle rule.
            LOG.error("input upload failed", e);
            throw unavailable(STORAGE_UNAVAILABLE, "the request's images could not be stored");
        }
        Job job = queued(requestId, tenant, canonical.model().id(), submission.source(), null, stored, requestHash,
                now).withWebhook(canonical.webhook());

        JobStore.IdempotentCreate created;
        try {
            created = keyHash == null
                    ? (jobs.create(job) ? new JobStore.IdempotentCreate.Created(job) : null)
                    : jobs.createIdempotent(job, keyHash, now.plus(submission.idempotencyWindow()));
        } catch (RuntimeException e) {
            // The write may have landed before the failure: make sure it cannot stay queued without a message.
            LOG.error("job write failed", e);
            abandon(requestId, keyHash);
            throw unavailable(JOB_STORE_UNAVAILABLE, "the job could not be stored");
        }
        if (created == null) {
            throw new IllegalStateException("request id collision " + requestId);
        }
        if (created instanceof JobStore.IdempotentCreate.Existing existing) {
            // Lost a race with the same request under the same key: answer with the winner.
            return new Accepted(existing.job(), true);
        }
        if (created instanceof JobStore.IdempotentCreate.Conflict conflict) {
            throw reused(conflict.existingRequestId());
        }
        return new Accepted(job, false);
    }

    /**
     * The request as the job keeps it: inline images uploaded and referenced, the document inline or (too large for
     * the item) in S3. Storage failures are thrown as they come, for the caller to retry or report.
     */
    public InputSpiller.StoredRequest stage(String tenant, String requestId, ObjectNode gemini) {
        return spiller.storeRequest(tenant, requestId, spiller.spill(tenant, requestId, gemini));
    }

    /** A new {@code queued} job, kept for the configured retention. */
    public Job queued(String requestId, String tenant, String model, String source, String sourceKey,
                      InputSpiller.StoredRequest stored, String requestHash, Instant now) {
        return Job.queued(requestId, tenant, model, source, sourceKey, stored == null ? null : stored.inline(),
                stored == null ? null : stored.key(), requestHash, now, now.plus(settings.retention()));
    }

    /**
     * Writes a job whose id derives from its source (a queued job, or a failed one recording why it cannot run);
     * false when a job with that id exists already. Failures of the jobs table propagate: the source's next delivery
     * finds the job by its id.
     */
    public boolean admit(Job job) {
        return jobs.create(job);
    }

    /**
     * Sends a stored job's id. When that fails the job is marked failed ({@value #ENQUEUE_FAILED}, retryable, with
     * {@code failedMessage}) and false comes back. Sending again for a job already queued is safe: the worker
     * acknowledges a message for a job it has already taken or finished. Throws only when the job could be neither
     * queued nor marked failed: it may still be queued, and the source's next delivery sends it again.
     */
    public boolean enqueue(String requestId, String tenant, String failedMessage) {
        RuntimeException failure = send(requestId, tenant);
        if (failure == null) {
            return true;
        }
        LOG.error("enqueue failed; job marked failed", failure);
        RuntimeException unmarked = markNotQueued(requestId, failedMessage);
        if (unmarked != null) {
            throw unmarked;
        }
        return false;
    }

    /** Whether a job never reached the queue (its submit was answered 503): it binds no idempotency key. */
    public static boolean neverQueued(Job job) {
        return job.status() == JobStatus.FAILED && job.error() != null && ENQUEUE_FAILED.equals(job.error().code());
    }

    /** Sends with the tenant as the message group (SQS fair queues; the upstream gate does not rely on it). */
    private RuntimeException send(String requestId, String tenant) {
        try {
            queue.send(requestId, tenant);
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    private RuntimeException sendDelayed(String requestId, String tenant, int delaySeconds) {
        try {
            queue.sendDelayed(requestId, null, delaySeconds, tenant);
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    /**
     * Frees an idempotency key bound to this job (failures are logged, not thrown): a synchronous call whose answer
     * was delivered lets the same request, sent again, become a new job.
     */
    public void releaseKey(String keyHash, String requestId) {
        release(keyHash, requestId);
    }

    /** The earlier job of this idempotency key, when the same request is sent again within the window. */
    private Optional<Accepted> replay(String keyHash, String requestHash, Instant now) {
        Optional<JobStore.IdempotencyBinding> binding = jobs.findIdempotencyKey(keyHash, now);
        if (binding.isEmpty()) {
            return Optional.empty();
        }
        Optional<Job> earlier = jobs.get(binding.get().requestId());
        if (earlier.isEmpty() || neverQueued(earlier.get())) {
            // A job that never reached the queue (its release failed after the 503) or is gone binds nothing.
            release(keyHash, binding.get().requestId());
            return Optional.empty();
        }
        if (!binding.get().requestHash().equals(requestHash)) {
            throw reused(binding.get().requestId());
        }
        return Optional.of(new Accepted(earlier.get(), true));
    }

    /** Marks a job that did not reach the queue failed (bounded retries) and frees its idempotency key. */
    private void abandon(String requestId, String keyHash) {
        markNotQueued(requestId, NOT_QUEUED_MESSAGE);
        if (keyHash != null) {
            release(keyHash, requestId);
        }
    }

    /** Marks the job failed ({@value #ENQUEUE_FAILED}); null when that went through, else the last failure. */
    private RuntimeException markNotQueued(String requestId, String message) {
        JobError error = new JobError(ENQUEUE_FAILED, message, true);
        RuntimeException last = null;
        for (int attempt = 1; attempt <= FAIL_MARK_ATTEMPTS; attempt++) {
            try {
                jobs.failUnfinished(requestId, error, clock.instant());
                return null;
            } catch (RuntimeException e) {
                LOG.error("could not mark the unqueued job failed", e, "attempt", attempt);
                last = e;
            }
        }
        return last;
    }

    private void release(String keyHash, String requestId) {
        try {
            jobs.releaseIdempotencyKey(keyHash, requestId);
        } catch (RuntimeException e) {
            LOG.error("could not release the idempotency key", e);
        }
    }

    private static Rejection reused(String earlierRequestId) {
        return new Rejection(Kind.CONFLICT, IDEMPOTENCY_KEY_REUSED, "this Idempotency-Key was used within 24 h for a"
                + " different request (" + earlierRequestId + "); use a new key for a new request", "Idempotency-Key");
    }

    private static Rejection unavailable(String code, String what) {
        return new Rejection(Kind.UNAVAILABLE, code, what + "; nothing was queued: submit it again (with the same"
                + " Idempotency-Key, if you use one)", null, Duration.ofSeconds(1), Map.of());
    }

    /** Equal canonical requests hash equally, whichever spelling or form they arrived in. */
    public static String requestHash(CanonicalRequest canonical) {
        byte[] model = (canonical.model().id() + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] body = Json.bytes(canonical.gemini());
        // The webhook is part of what was asked: the same key with another URL or filter is another request. A
        // request without one hashes as it did before webhooks existed, so earlier keys still replay.
        byte[] webhook = canonical.webhook() == null ? new byte[0]
                : ("\nwebhook " + canonical.webhook().url() + " " + String.join(",", canonical.webhook().eventNames()))
                        .getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[model.length + body.length + webhook.length];
        System.arraycopy(model, 0, all, 0, model.length);
        System.arraycopy(body, 0, all, model.length, body.length);
        System.arraycopy(webhook, 0, all, model.length + body.length, webhook.length);
        return IdempotencyKeys.sha256(all);
    }
}
