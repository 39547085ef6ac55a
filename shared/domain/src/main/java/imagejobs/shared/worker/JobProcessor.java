package imagejobs.shared.worker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.catalog.ModelSpec;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.limits.GateDecision;
import imagejobs.shared.limits.Lease;
import imagejobs.shared.log.StructuredLog;

/**
 * Takes one delivered job to a terminal state, with at most one Gemini call per attempt. SQS delivers at least
 * once and Lambda may die at any line, so every step is safe to repeat:
 * <ul>
 * <li>The claim ({@code queued → processing}) is a conditional write that counts the attempt and sets a lease.
 * The lease outlasts the Lambda timeout, so a live lease means its holder may still be working and an expired one
 * means it is dead: only then does another delivery take the job over.</li>
 * <li>Only the holder of the current attempt (the fencing token) can finish, fail or requeue the job.</li>
 * <li>Image keys are deterministic (a repeat overwrites) and the outcome is staged in S3 before the status write,
 * so a worker that dies after Gemini answered does not cost a second call.</li>
 * <li>Retryable failures put the job back to {@code queued} with {@code retry_at} and {@code last_error} and
 * delay the message by the backoff; after the last attempt the job fails with the error's code. Claims beyond the
 * attempt cap (a crash on every attempt) fail the job with WORKER_FAILED.</li>
 * </ul>
 * This class only orders the steps: {@link LeaseRules} decides, {@link JobAttempt} does the work of one attempt, and
 * {@link WorkerEffects} carries out each decision (store transition, message visibility, log line, metrics). The
 * {@link ClaimGate} is asked before the claim and the {@link JobListener} is told of starts and terminal states.
 */
public final class JobProcessor {
    public static final String WORKER_FAILED = "WORKER_FAILED";
    public static final String INVALID_REFERENCE = "INVALID_REFERENCE";
    /**
     * EMF metric, one per failure that sends the message back to the queue, by {@code cause}: {@code crash} (DynamoDB,
     * S3 or SQS failing, a bug: anything but Gemini; the template's WorkerErrorsAlarm watches it) or {@code upstream}
     * (a retryable Gemini failure: 429, 5xx, timeout). Gemini refusals and bad input end the job and are not counted.
     */
    public static final String ATTEMPT_FAILURES = "AttemptFailures";
    /** Less than this left for the Gemini call is not worth an attempt (see {@link LeaseRules}). */
    static final Duration MIN_CALL = LeaseRules.MIN_CALL;

    /** What to do with the message. */
    public sealed interface Result {
        /** Delete the message: the job is terminal, or not ours to process. */
        record Done() implements Result {
        }

        /** Keep the message; it comes back after the delay (already set on the message). */
        record RetryLater(Duration delay) implements Result {
        }
    }

    private final JobStore jobs;
    private final Clock clock;
    private final ClaimGate gate;
    private final UpstreamAdmission upstream;
    private final LeaseRules rules;
    private final JobAttempt attempts;
    private final WorkerEffects effects;

    public JobProcessor(WorkerPorts ports, WorkerPolicy policy) {
        this(ports, policy, admission(ports, policy));
    }

    private JobProcessor(WorkerPorts ports, WorkerPolicy policy, UpstreamAdmission upstream) {
        this(ports, new LeaseRules(policy), new JobAttempt(ports), new WorkerEffects(ports, upstream), upstream);
    }

    JobProcessor(WorkerPorts ports, LeaseRules rules, JobAttempt attempts, WorkerEffects effects) {
        this(ports, rules, attempts, effects, null);
    }

    private JobProcessor(WorkerPorts ports, LeaseRules rules, JobAttempt attempts, WorkerEffects effects,
                         UpstreamAdmission upstream) {
        this.jobs = ports.jobs();
        this.clock = ports.clock();
        this.gate = ports.gate();
        this.upstream = upstream;
        this.rules = rules;
        this.attempts = attempts;
        this.effects = effects;
    }

    private static UpstreamAdmission admission(WorkerPorts ports, WorkerPolicy policy) {
        return ports.upstream() == null ? null
                : new UpstreamAdmission(ports.upstream(), ports.catalog(), policy.lease(), ports.clock());
    }

    /** A delivery whose message carries no wait token (sent by the intake). */
    public Result process(String requestId, String receiptHandle, Duration budget) {
        return process(requestId, null, receiptHandle, budget);
    }

    /**
     * @param waitToken     the message's wait token, or null when it carries none
     * @param receiptHandle the message's receipt handle (to delay its redelivery)
     * @param budget        time left in this invocation, or null when unbounded
     */
    public Result process(String requestId, String waitToken, String receiptHandle, Duration budget) {
        try {
            return processDelivery(requestId, waitToken, receiptHandle, budget);
        } catch (RuntimeException e) {
            effects.attemptFailed("crash");
            throw e;
        }
    }

    private Result processDelivery(String requestId, String waitToken, String receiptHandle, Duration budget) {
        StructuredLog.put("job_id", requestId);
        Optional<Job> current;
        try {
            current = jobs.get(requestId);
        } catch (RuntimeException e) {
            return effects.apply(rules.storeUnavailable(e), null, receiptHandle);
        }
        current.ifPresent(job -> StructuredLog.put("tenant", job.tenant()));
        Decision decision = upstream == null ? rules.beforeClaim(current, clock.instant(), budget)
                : rules.beforeClaim(current, waitToken, clock.instant(), budget);
        if (!(decision instanceof Decision.Claim)) {
            return effects.apply(decision, current.orElse(null), receiptHandle);
        }
        Optional<Duration> wait = gate.wait(current.get());
        if (wait.isPresent()) {
            return effects.apply(rules.gateClosed(wait.get()), current.get(), receiptHandle);
        }
        Lease lease = null;
        if (upstream != null) {
            Optional<GateDecision> slot;
            try {
                slot = upstream.acquire(current.get(), true);
            } catch (RuntimeException e) {
                return effects.apply(rules.storeUnavailable(e), current.get(), receiptHandle);
            }
            if (slot.isPresent()) {
                effects.slot(slot.get(), current.get());
                if (!(slot.get() instanceof GateDecision.Granted granted)) {
                    // The job's own token: the message's, or the one an orphaned job carries (LeaseRules.orphaned).
                    return effects.apply(rules.waitForSlot(current.get(), slot.get(), current.get().waitToken(),
                            upstream.upstreamModel(current.get()).orElseThrow(), clock.instant()),
                            current.get(), receiptHandle);
                }
                lease = granted.lease();
                upstream.awaitStart(lease);
            }
        }
        Instant now = clock.instant();
        Optional<Job> claimed;
        Optional<Job> moved = Optional.empty();
        try {
            claimed = jobs.claim(requestId, now, rules.leaseUntil(now));
            if (claimed.isEmpty()) {
                moved = jobs.get(requestId);
            }
        } catch (RuntimeException e) {
            giveBack(lease, null);
            // The claim may have landed before the failure: then its lease decides, as after a crash.
            return effects.apply(rules.storeUnavailable(e), current.get(), receiptHandle);
        }
        if (claimed.isEmpty()) {
            giveBack(lease, null);
            return effects.apply(rules.lostClaim(moved, clock.instant()), moved.orElse(null), receiptHandle);
        }
        effects.holdForLease(receiptHandle, rules.visibilityWhileLeased());
        return run(claimed.get(), waitToken, receiptHandle, budget, lease);
    }

    private Result run(Job job, String waitToken, String receiptHandle, Duration budget, Lease lease) {
        Instant startedAt = job.startedAt() != null ? job.startedAt() : clock.instant();
        StructuredLog.put("attempt", String.valueOf(job.attempts()));
        effects.started(job);
        Instant callStart = clock.instant();
        boolean released = false;
        try {
            Decision decision = attempt(job, startedAt, budget, lease != null);
            if (decision instanceof Decision.Throttled throttled) {
                released = true;
                return throttled(job, waitToken, receiptHandle, lease, throttled);
            }
            released = true;
            giveBack(lease, Duration.between(callStart, clock.instant()));
            return effects.apply(decision, job, receiptHandle);
        } catch (RuntimeException e) {
            if (!released) {
                giveBack(lease, null);
            }
            effects.crashed(e);
            return effects.apply(rules.crashed(job, e), job, receiptHandle);
        }
    }

    /**
     * Gemini answered 429: every worker stops calling the model for the cool-down, the job goes back to queued without
     * spending the attempt, and its message comes back when the gate expects its turn (or it fails with QUEUE_TIMEOUT).
     */
    private Result throttled(Job job, String waitToken, String receiptHandle, Lease lease, Decision.Throttled t) {
        Optional<Double> learnedRpm = Optional.empty();
        try {
            learnedRpm = upstream.throttled(lease, t.retryDelay());
        } catch (RuntimeException e) {
            effects.gateUnavailable(e);
        }
        Instant now = clock.instant();
        if (!jobs.requeueThrottled(job.requestId(), job.attempts(), now)) {
            return effects.lostLease("requeueing a throttled job");
        }
        Job queued = new Job(job.requestId(), job.tenant(), job.model(), JobStatus.QUEUED, job.source(),
                job.sourceKey(), job.createdAt(), now, job.startedAt(), null, job.attempts(), null, null, job.request(),
                job.requestKey(), job.requestHash(), null, null, job.lastError(), job.expiresAt(), job.waitToken(), null,
                job.throttled() + 1, job.webhook(), job.webhookStart(), job.webhookCompleted());
        effects.coolDown(lease, t.retryDelay(), learnedRpm);
        GateDecision next;
        try {
            next = upstream.acquire(queued, false).orElseThrow();
        } catch (RuntimeException e) {
            effects.gateUnavailable(e);
            next = null;
        }
        if (next instanceof GateDecision.Granted granted) {
            upstream.release(granted.lease(), null);
        }
        if (next != null) {
            effects.slot(next, queued);
        }
        return effects.apply(rules.waitForSlot(queued, next, queued.waitToken(), lease.model(), now), queued,
                receiptHandle);
    }

    private void giveBack(Lease lease, Duration callTime) {
        if (lease == null) {
            return;
        }
        try {
            upstream.release(lease, callTime);
        } catch (RuntimeException e) {
            // The lease expires on its own (the job lease); the slot is only held longer than needed.
            effects.gateUnavailable(e);
        }
    }

    /** This attempt's decision: finish from a staged outcome, give up past the cap, or run the attempt. */
    private Decision attempt(Job job, Instant startedAt, Duration budget, boolean gated) {
        if (job.attempts() > 1) {
            Optional<ObjectNode> staged = attempts.staged(job, startedAt);
            if (staged.isPresent()) {
                effects.finishingFromStaged();
                return rules.complete(staged.get(), clock.instant());
            }
        }
        Optional<Decision> beyondCap = rules.beyondCap(job);
        if (beyondCap.isPresent()) {
            return beyondCap.get();
        }
        JobAttempt.Result result = attempts.run(job, startedAt, budget, call -> effects.answered(job, call));
        if (result instanceof JobAttempt.Result.UpstreamFailed failed) {
            effects.upstreamFailed(failed.failure());
        }
        return rules.afterAttempt(job, result, clock.instant(), gated);
    }

    /** The model's own timeout (long enough for 4K), cut to what this invocation has left. */
    static Duration callTimeout(ModelSpec model, Duration budget) {
        return LeaseRules.callTimeout(model, budget);
    }
}
