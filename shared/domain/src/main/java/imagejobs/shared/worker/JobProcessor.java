package imagejobs.shared.worker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.catalog.ModelSpec;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStore;
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
    private final LeaseRules rules;
    private final JobAttempt attempts;
    private final WorkerEffects effects;

    public JobProcessor(WorkerPorts ports, WorkerPolicy policy) {
        this(ports, new LeaseRules(policy), new JobAttempt(ports), new WorkerEffects(ports));
    }

    JobProcessor(WorkerPorts ports, LeaseRules rules, JobAttempt attempts, WorkerEffects effects) {
        this.jobs = ports.jobs();
        this.clock = ports.clock();
        this.gate = ports.gate();
        this.rules = rules;
        this.attempts = attempts;
        this.effects = effects;
    }

    /**
     * @param receiptHandle the message's receipt handle (to delay its redelivery)
     * @param budget        time left in this invocation, or null when unbounded
     */
    public Result process(String requestId, String receiptHandle, Duration budget) {
        try {
            return processDelivery(requestId, receiptHandle, budget);
        } catch (RuntimeException e) {
            effects.attemptFailed("crash");
            throw e;
        }
    }

    private Result processDelivery(String requestId, String receiptHandle, Duration budget) {
        StructuredLog.put("job_id", requestId);
        Optional<Job> current;
        try {
            current = jobs.get(requestId);
        } catch (RuntimeException e) {
            return effects.apply(rules.storeUnavailable(e), null, receiptHandle);
        }
        current.ifPresent(job -> StructuredLog.put("tenant", job.tenant()));
        Decision decision = rules.beforeClaim(current, clock.instant(), budget);
        if (!(decision instanceof Decision.Claim)) {
            return effects.apply(decision, current.orElse(null), receiptHandle);
        }
        Optional<Duration> wait = gate.wait(current.get());
        if (wait.isPresent()) {
            return effects.apply(rules.gateClosed(wait.get()), current.get(), receiptHandle);
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
            // The claim may have landed before the failure: then its lease decides, as after a crash.
            return effects.apply(rules.storeUnavailable(e), current.get(), receiptHandle);
        }
        if (claimed.isEmpty()) {
            return effects.apply(rules.lostClaim(moved, clock.instant()), moved.orElse(null), receiptHandle);
        }
        effects.holdForLease(receiptHandle, rules.visibilityWhileLeased());
        return run(claimed.get(), receiptHandle, budget);
    }

    private Result run(Job job, String receiptHandle, Duration budget) {
        Instant startedAt = job.startedAt() != null ? job.startedAt() : clock.instant();
        StructuredLog.put("attempt", String.valueOf(job.attempts()));
        effects.started(job);
        try {
            return effects.apply(attempt(job, startedAt, budget), job, receiptHandle);
        } catch (RuntimeException e) {
            effects.crashed(e);
            return effects.apply(rules.crashed(job, e), job, receiptHandle);
        }
    }

    /** This attempt's decision: finish from a staged outcome, give up past the cap, or run the attempt. */
    private Decision attempt(Job job, Instant startedAt, Duration budget) {
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
        return rules.afterAttempt(job, result, clock.instant());
    }

    /** The model's own timeout (long enough for 4K), cut to what this invocation has left. */
    static Duration callTimeout(ModelSpec model, Duration budget) {
        return LeaseRules.callTimeout(model, budget);
    }
}
