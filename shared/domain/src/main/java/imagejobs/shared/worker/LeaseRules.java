package imagejobs.shared.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.catalog.ModelSpec;
import imagejobs.shared.gemini.GeminiException;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.limits.GateDecision;
import imagejobs.shared.limits.QueueWait;
import imagejobs.shared.limits.WaitReason;

/**
 * The worker's rules, as decisions from what the jobs table says, the time and the invocation's budget; no I/O, so
 * each rule is tested on its own:
 * <ul>
 * <li>A delivery claims its job only when it is queued and due, or processing under an expired lease (its holder
 * died). A live lease keeps the duplicate hidden until the lease ends; a terminal job acknowledges it.</li>
 * <li>The claim counts the attempt and sets a lease that outlasts the Lambda timeout; the message is hidden until
 * just after it, so a dead worker's job comes back then rather than after the queue's visibility timeout.</li>
 * <li>Retryable failures (a retryable Gemini error, a crash) requeue with backoff until the attempt cap; then, and
 * for anything not retryable, the job fails with the error's code. Claims beyond the cap (a crash on every attempt)
 * fail the job with WORKER_FAILED.</li>
 * </ul>
 */
public final class LeaseRules {
    /** Time kept back from the invocation's budget for uploads and the final write. */
    static final Duration FINISH_MARGIN = Duration.ofSeconds(20);
    /** Less than this left for the Gemini call is not worth an attempt: the message comes back instead. */
    static final Duration MIN_CALL = Duration.ofSeconds(10);
    /** A claim lost to a concurrent delivery: look again shortly (the winner's lease then decides). */
    static final Duration RACE_RETRY = Duration.ofSeconds(1);
    /** How soon an unclaimed message returned for lack of time comes back. */
    static final Duration UNCLAIMED_RETRY = Duration.ofSeconds(1);
    /** The backoff step a message waits after the jobs table failed before the claim (see storeUnavailable). */
    static final int STORE_RETRY_ATTEMPT = 3;
    /**
     * How long past its expected return a waiting job's own message may be late before another copy of the job's
     * message takes its place: longer than any queue backlog the gate lets build up, shorter than the queue's
     * visibility timeout (30 minutes), after which a message received by a worker that died comes back.
     */
    static final Duration ORPHAN_GRACE = Duration.ofMinutes(15);

    private final WorkerPolicy policy;
    private final QueueWait queueWait;

    public LeaseRules(WorkerPolicy policy) {
        this.policy = policy;
        this.queueWait = new QueueWait(policy.maxQueue());
    }

    /** What to do with a delivery whose wait token is not checked (the job's own is assumed). */
    public Decision beforeClaim(Optional<Job> job, Instant now, Duration budget) {
        return beforeClaim(job, job.map(Job::waitToken).orElse(null), now, budget);
    }

    /**
     * What to do with a delivery, given the job as read (empty: unknown) before any claim and the wait token the
     * message carries (null: none). A finished job acknowledges any copy; otherwise a copy whose token is not the
     * job's is stale: the worker re-sent the job's message since (each re-send carries a new token).
     */
    public Decision beforeClaim(Optional<Job> job, String waitToken, Instant now, Duration budget) {
        if (job.isEmpty()) {
            return new Decision.Drop();
        }
        if (!job.get().status().terminal() && !Objects.equals(job.get().waitToken(), waitToken)
                && !orphaned(job.get(), now)) {
            return new Decision.StaleWaitMessage();
        }
        Optional<Decision> skip = skip(job.get(), now);
        if (skip.isPresent()) {
            return skip.get();
        }
        if (budget != null && budget.minus(FINISH_MARGIN).compareTo(MIN_CALL) < 0) {
            // Not claimed, so no attempt is spent: another invocation with a full budget takes it.
            return new Decision.ReturnUnclaimed(UNCLAIMED_RETRY, budget);
        }
        return new Decision.Claim();
    }

    /**
     * A waiting job whose own message is long overdue: a worker died between recording the wait and re-sending the
     * message, so no message carries the job's token. Another copy of the job's message (the one that worker had
     * received, back after its visibility timeout) then carries the job on instead of being dropped as stale.
     */
    static boolean orphaned(Job job, Instant now) {
        return job.status() == JobStatus.QUEUED && job.waiting() != null && job.waiting().nextCheckAt() != null
                && job.waiting().nextCheckAt().plus(ORPHAN_GRACE).isBefore(now);
    }

    /**
     * Why this delivery must not call Gemini, if it must not.
     *
     * <p>A duplicate delivery of a job another worker holds under a live lease is <em>kept</em>, hidden until the
     * lease ends, not deleted: if the holder dies, this copy is what brings the job back. (Deleting it would be
     * safe only if we knew the holder's own message survives, and its deletion is the holder's business.) Once
     * the job is finished, that copy is acknowledged and deleted on its next delivery.
     */
    Optional<Decision> skip(Job job, Instant now) {
        if (job.status().terminal()) {
            return Optional.of(new Decision.AlreadyFinished(job.status()));
        }
        if (job.status() == JobStatus.PROCESSING && job.leaseUntil() != null && job.leaseUntil().isAfter(now)) {
            return Optional.of(new Decision.WaitForLease(Duration.between(now, job.leaseUntil()).plusSeconds(1),
                    job.leaseUntil()));
        }
        if (job.status() == JobStatus.QUEUED && job.retryAt() != null && job.retryAt().isAfter(now)) {
            return Optional.of(new Decision.WaitForRetryAt(Duration.between(now, job.retryAt())));
        }
        return Optional.empty();
    }

    /**
     * The upstream gate did not grant a slot now: the job's message comes back for its turn (its ticket or reservation
     * kept on the job), or the job fails with QUEUE_TIMEOUT once it has waited MAX_QUEUE_SECONDS since submission.
     * A grant (only after a 429, when the gate should be cooling down) is handed back by the caller and waits a second.
     */
    public Decision waitForSlot(Job job, GateDecision decision, String expectedToken, String model, Instant now) {
        Instant comeBackAt;
        boolean reserved = false;
        WaitReason reason;
        Long ticket = null;
        String reservation = null;
        if (decision instanceof GateDecision.Denied denied) {
            comeBackAt = denied.retryAt();
            reason = denied.reason();
            ticket = denied.ticket();
        } else if (decision instanceof GateDecision.Reserved r) {
            comeBackAt = r.lease().notBefore();
            reserved = true;
            reason = WaitReason.RATE;
            reservation = r.lease().id();
        } else {
            comeBackAt = now.plusSeconds(1);
            reason = WaitReason.COOL_DOWN;
        }
        QueueWait.Plan plan = queueWait.plan(job.createdAt(), comeBackAt, now, reserved, model, reason);
        if (plan instanceof QueueWait.TimedOut timedOut) {
            return new Decision.QueueTimeout(new JobError(QueueWait.QUEUE_TIMEOUT, timedOut.message(), true));
        }
        int delay = ((QueueWait.Resend) plan).delaySeconds();
        Instant since = job.waiting() != null && job.waiting().since() != null ? job.waiting().since() : now;
        return new Decision.WaitForSlot(expectedToken, delay, new Job.Waiting(ticket, reservation, reason.name(),
                model, since, now.plusSeconds(delay)), reserved ? "reserved" : "denied");
    }

    /** The closed gate's wait, as a decision. */
    public Decision gateClosed(Duration wait) {
        return new Decision.GateClosed(wait);
    }

    /** The lease a claim made {@code now} sets. */
    public Instant leaseUntil(Instant now) {
        return now.plus(policy.lease());
    }

    /**
     * How long the claimed message stays hidden: should this worker die, it comes back right after the lease instead
     * of after the queue's (much longer) visibility timeout.
     */
    public Duration visibilityWhileLeased() {
        return policy.lease().plusSeconds(5);
    }

    /** The claim did not land: someone moved the job between our read and our claim; decide from what it is now. */
    public Decision lostClaim(Optional<Job> current, Instant now) {
        return current.flatMap(j -> skip(j, now)).orElseGet(() -> new Decision.LostClaimRace(RACE_RETRY));
    }

    /**
     * The jobs table failed before this delivery claimed the job. Left alone, the message would come back only
     * after the queue's visibility timeout (30 minutes); it comes back after a few retry periods instead (with the
     * default 2 s base, 8 to 16 s). Nothing was spent: no attempt was counted unless the claim landed unseen, and
     * then the lease it set protects the job as after a crash.
     */
    public Decision storeUnavailable(RuntimeException e) {
        return new Decision.StoreUnavailable(policy.backoff().delay(STORE_RETRY_ATTEMPT, null),
                e.getClass().getSimpleName());
    }

    /** Earlier attempts died without recording anything (a crash or timeout on every try): give up. */
    public Optional<Decision> beyondCap(Job claimed) {
        if (claimed.countedAttempts() <= policy.maxAttempts()) {
            return Optional.empty();
        }
        String last = claimed.lastError() == null ? "the worker stopped before finishing" : claimed.lastError();
        return Optional.of(new Decision.Fail(new JobError(JobProcessor.WORKER_FAILED, "gave up after "
                + policy.maxAttempts() + " attempts; last error: " + last, true), null));
    }

    /** Record an outcome (this attempt's, or one an earlier attempt staged). */
    public Decision complete(ObjectNode outcome, Instant now) {
        Instant completedAt = Instant.parse(outcome.path("timings").path("completed_at").asText(now.toString()));
        return new Decision.Complete(outcome, outcome.path("images").size(),
                outcome.path("timings").path("gemini_latency_ms").asLong(), completedAt);
    }

    /** What follows an attempt that ran to its end, without an upstream gate (a 429 is retried like a 503). */
    public Decision afterAttempt(Job job, JobAttempt.Result result, Instant now) {
        return afterAttempt(job, result, now, false);
    }

    /**
     * What follows an attempt that ran to its end. With an upstream gate ({@code gated}) a 429 is not the job's
     * fault: it spends no attempt and the job waits for the model's cool-down ({@link Decision.Throttled}).
     */
    public Decision afterAttempt(Job job, JobAttempt.Result result, Instant now, boolean gated) {
        if (gated && result instanceof JobAttempt.Result.UpstreamFailed failed
                && failed.failure().kind() == GeminiException.Kind.RATE_LIMITED) {
            return new Decision.Throttled(failed.failure().retryDelay());
        }
        if (result instanceof JobAttempt.Result.Produced produced) {
            return complete(produced.outcome(), now);
        }
        if (result instanceof JobAttempt.Result.Rejected rejected) {
            return new Decision.Fail(rejected.error(), null);
        }
        return upstreamFailed(job, ((JobAttempt.Result.UpstreamFailed) result).failure());
    }

    private Decision upstreamFailed(Job job, GeminiException e) {
        String code = ResponseVerdict.code(e.kind());
        if (!e.kind().retryable()) {
            return new Decision.Fail(new JobError(code, e.getMessage(), false), null);
        }
        int attempt = job.countedAttempts();
        if (attempt >= policy.maxAttempts()) {
            return new Decision.Fail(new JobError(code, "gave up after " + attempt + " attempts: " + e.getMessage(),
                    true), "upstream");
        }
        return new Decision.Requeue(code + ": " + e.getMessage(), policy.backoff().delay(attempt, e.retryDelay()),
                "upstream");
    }

    /** An unexpected failure (S3, DynamoDB, a bug): retried like an upstream error, within the same cap. */
    public Decision crashed(Job job, RuntimeException e) {
        // The exception (type, message, stack) goes to the log; the client reads what it means to them.
        String what = InternalFailures.describe(e);
        int attempt = job.countedAttempts();
        if (attempt >= policy.maxAttempts()) {
            return new Decision.Fail(new JobError(JobProcessor.WORKER_FAILED, "gave up after " + attempt
                    + " attempts; last error: " + what, true), "crash");
        }
        return new Decision.Requeue(what, policy.backoff().delay(attempt, null), "crash");
    }

    /** The model's own timeout (long enough for 4K), cut to what this invocation has left. */
    static Duration callTimeout(ModelSpec model, Duration budget) {
        Duration modelTimeout = Duration.ofSeconds(model.timeoutSeconds());
        Duration available = budget == null ? modelTimeout : budget.minus(FINISH_MARGIN);
        Duration timeout = modelTimeout.compareTo(available) <= 0 ? modelTimeout : available;
        return timeout.compareTo(MIN_CALL) < 0 ? MIN_CALL : timeout;
    }
}
