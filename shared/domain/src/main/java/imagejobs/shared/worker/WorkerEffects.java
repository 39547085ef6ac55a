package imagejobs.shared.worker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.gemini.GeminiException;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.limits.GateDecision;
import imagejobs.shared.limits.Lease;
import imagejobs.shared.log.Metrics;
import imagejobs.shared.log.Metrics.Unit;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.queue.JobQueue;

/**
 * Carries out the worker's {@link Decision}s: the job's store transition, the message's visibility, the log line and
 * the metrics of each exit path, all here so that what operators see (log lines, the AttemptFailures metric the
 * WorkerErrorsAlarm watches, JobsFinished) stays in one place.
 */
public final class WorkerEffects {
    /** Named after the worker's entry point: log filters and searches key on this logger name. */
    private static final StructuredLog LOG = StructuredLog.get(JobProcessor.class);

    private final JobStore jobs;
    private final JobQueue queue;
    private final Metrics metrics;
    private final Clock clock;
    private final JobListener listener;
    private final UpstreamAdmission upstream;
    /** The last LearnedRpm reported per model by this container: the metric is sent when the value changes. */
    private final Map<String, Double> reportedRpm = new java.util.concurrent.ConcurrentHashMap<>();

    public WorkerEffects(WorkerPorts ports) {
        this(ports, null);
    }

    /** With the upstream gate's side (a finished job leaves its tenant's line), or null when there is none. */
    public WorkerEffects(WorkerPorts ports, UpstreamAdmission upstream) {
        this.upstream = upstream;
        this.jobs = ports.jobs();
        this.queue = ports.queue();
        this.metrics = ports.metrics();
        this.clock = ports.clock();
        this.listener = ports.listener();
    }

    /**
     * Applies a decision about {@code job} (null when the table could not be read or has no such job).
     *
     * @param receiptHandle the message's receipt handle (to delay its redelivery), or null when there is no message
     */
    public JobProcessor.Result apply(Decision decision, Job job, String receiptHandle) {
        if (decision instanceof Decision.Drop) {
            LOG.warn("message for an unknown job; dropped");
            return new JobProcessor.Result.Done();
        }
        if (decision instanceof Decision.AlreadyFinished finished) {
            LOG.info("job already finished; message acknowledged", "status", finished.status().wire());
            leaveLine(job);
            return new JobProcessor.Result.Done();
        }
        if (decision instanceof Decision.StaleWaitMessage) {
            LOG.info("stale wait message; acknowledged (the job's current message carries another token)");
            return new JobProcessor.Result.Done();
        }
        if (decision instanceof Decision.WaitForSlot wait) {
            return waitForSlot(job, wait, receiptHandle);
        }
        if (decision instanceof Decision.QueueTimeout timeout) {
            return queueTimeout(job, timeout);
        }
        if (decision instanceof Decision.WaitForLease wait) {
            LOG.info("job held by another worker; message kept until its lease ends",
                    "lease_until", wait.leaseUntil().toString());
            return later(receiptHandle, wait.delay());
        }
        if (decision instanceof Decision.WaitForRetryAt wait) {
            return later(receiptHandle, wait.delay());
        }
        if (decision instanceof Decision.ReturnUnclaimed unclaimed) {
            LOG.warn("too little time left in this invocation; message returned", "budget_ms",
                    unclaimed.budget().toMillis());
            return later(receiptHandle, unclaimed.delay());
        }
        if (decision instanceof Decision.LostClaimRace race) {
            return later(receiptHandle, race.delay());
        }
        if (decision instanceof Decision.GateClosed gate) {
            LOG.info("upstream gate closed; message returned unclaimed", "retry_in_ms", gate.delay().toMillis());
            return later(receiptHandle, gate.delay());
        }
        if (decision instanceof Decision.StoreUnavailable unavailable) {
            return storeUnavailable(unavailable, receiptHandle);
        }
        if (decision instanceof Decision.Complete complete) {
            return complete(job, complete);
        }
        if (decision instanceof Decision.Fail fail) {
            return fail(job, fail);
        }
        if (decision instanceof Decision.Requeue requeue) {
            return requeue(job, requeue, receiptHandle);
        }
        throw new IllegalArgumentException("not an exit of the worker: " + decision);
    }

    /**
     * The claim landed: hide the message until just after the lease. A failure here is logged, not thrown: it only
     * slows recovery after a crash, since the queue's own visibility timeout still applies.
     */
    public void holdForLease(String receiptHandle, Duration visibility) {
        if (receiptHandle == null) {
            return;
        }
        try {
            queue.retryAfter(receiptHandle, visibility);
        } catch (RuntimeException e) {
            LOG.warn("could not set the message's visibility to the lease", "error_type", e.getClass().getSimpleName());
        }
    }

    /** An attempt begins on a claimed job. */
    public void started(Job job) {
        if (job.attempts() == 1) {
            // Submit to first pickup: how far behind the workers are (queue depth, concurrency cap, quota).
            metrics.emit(List.of(List.of("model")), Map.of("model", job.model()),
                    new Metrics.Value("QueueWait", Math.max(0, Duration.between(job.createdAt(), clock.instant())
                            .toMillis()), Unit.MILLISECONDS));
        }
        listener.started(job);
    }

    /** What the upstream gate answered (UpstreamSlots by outcome and reason, per upstream model). */
    public void slot(GateDecision decision, Job job) {
        String outcome;
        String reason;
        if (decision instanceof GateDecision.Granted) {
            outcome = "granted";
            reason = "NONE";
        } else if (decision instanceof GateDecision.Reserved) {
            outcome = "reserved";
            reason = "RATE";
        } else {
            outcome = "denied";
            reason = ((GateDecision.Denied) decision).reason().name();
        }
        String model = upstream == null ? job.model() : upstream.upstreamModel(job).orElse(job.model());
        metrics.emit(List.of(List.of("model", "outcome"), List.of("model", "reason")),
                Map.of("model", model, "outcome", outcome, "reason", reason),
                new Metrics.Value("UpstreamSlots", 1, Unit.COUNT));
    }

    /**
     * Gemini answered 429: the model cools down for every worker (UpstreamCoolDowns), and the rate the gate learned
     * from it (LearnedRpm, when this container has not reported that value for the model yet).
     */
    public void coolDown(Lease lease, Duration retryDelay, Optional<Double> learnedRpm) {
        LOG.info("gemini throttled the model; it cools down for every worker, the attempt is not counted",
                "model", lease.model(), "retry_delay_ms", retryDelay == null ? null : retryDelay.toMillis(),
                "learned_rpm", learnedRpm.orElse(null));
        metrics.emit(List.of(List.of("model")), Map.of("model", lease.model()),
                new Metrics.Value("UpstreamCoolDowns", 1, Unit.COUNT));
        learnedRpm.ifPresent(rpm -> {
            Double before = reportedRpm.put(lease.model(), rpm);
            if (!rpm.equals(before)) {
                metrics.emit(List.of(List.of("model")), Map.of("model", lease.model()),
                        new Metrics.Value("LearnedRpm", rpm, Unit.NONE));
            }
        });
    }

    /** The limits table failed: logged; slots expire with their lease, cool-downs are only missed. */
    public void gateUnavailable(RuntimeException e) {
        LOG.warn("upstream gate unavailable", "error_type", e.getClass().getSimpleName());
    }

    /** A transition of the current attempt did not land: another delivery took the job over. */
    public JobProcessor.Result lostLease(String what) {
        LOG.warn("lost the lease before " + what + "; the current holder decides the outcome");
        return new JobProcessor.Result.Done();
    }

    /** Gemini answered (before the answer is judged). */
    public void answered(Job job, JobAttempt.GeminiCall call) {
        LOG.info("gemini answered", "latency_ms", call.latencyMs(), "finish_reason", call.finishReason(),
                "images", call.images());
        metrics.emit(List.of(List.of("model")), Map.of("model", job.model()),
                new Metrics.Value("GeminiLatency", call.latencyMs(), Unit.MILLISECONDS));
    }

    /** Gemini's call failed, retryable or not. */
    public void upstreamFailed(GeminiException e) {
        LOG.warn("gemini call failed", "kind", e.kind().name(), "http_status", e.httpStatus(), "detail", e.getMessage(),
                "error_type", e.causeType(), "retry_delay_ms", e.retryDelay() == null ? null : e.retryDelay().toMillis());
    }

    /** An earlier attempt's staged outcome is about to be recorded. */
    public void finishingFromStaged() {
        LOG.info("an earlier attempt stored its result but died before recording it; finishing from it");
    }

    /** An attempt failed unexpectedly (S3, DynamoDB, a bug): the exception with its stack goes to the log. */
    public void crashed(RuntimeException e) {
        LOG.error("attempt failed unexpectedly", e);
    }

    /** Counts one failure that sends the message back, by cause (see {@link JobProcessor#ATTEMPT_FAILURES}). */
    public void attemptFailed(String cause) {
        metrics.emit(List.of(List.of("cause")), Map.of("cause", cause),
                new Metrics.Value(JobProcessor.ATTEMPT_FAILURES, 1, Unit.COUNT));
    }

    private JobProcessor.Result complete(Job job, Decision.Complete complete) {
        if (jobs.complete(job.requestId(), job.attempts(), complete.outcome(), complete.images(),
                complete.completedAt())) {
            terminal(job, JobStatus.SUCCESS, null, "images", complete.images(),
                    "gemini_latency_ms", complete.geminiLatencyMs());
            listener.finished(job, JobStatus.SUCCESS, complete.outcome(), null);
        } else {
            LOG.warn("lost the lease before finishing; the current holder decides the outcome");
        }
        return new JobProcessor.Result.Done();
    }

    private JobProcessor.Result fail(Job job, Decision.Fail fail) {
        if (fail.countedFailure() != null) {
            attemptFailed(fail.countedFailure());
        }
        if (jobs.fail(job.requestId(), job.attempts(), fail.error(), clock.instant())) {
            terminal(job, JobStatus.FAILED, fail.error());
            listener.finished(job, JobStatus.FAILED, (ObjectNode) null, fail.error());
        } else {
            LOG.warn("lost the lease before failing the job; the current holder decides the outcome");
        }
        return new JobProcessor.Result.Done();
    }

    private JobProcessor.Result requeue(Job job, Decision.Requeue requeue, String receiptHandle) {
        attemptFailed(requeue.countedFailure());
        Instant now = clock.instant();
        if (!jobs.requeue(job.requestId(), job.attempts(), requeue.lastError(), now.plus(requeue.delay()), now)) {
            LOG.warn("lost the lease before requeueing; the current holder decides the outcome");
            return new JobProcessor.Result.Done();
        }
        LOG.info("job requeued", "attempt", job.attempts(), "retry_in_ms", requeue.delay().toMillis(), "last_error",
                requeue.lastError());
        return later(receiptHandle, requeue.delay());
    }

    /**
     * Re-sends the job's message for its turn at the gate, then records the wait on the job under the new token. The
     * received message is acknowledged either way, unless the send failed (then it is kept and comes back after the
     * delay). A failed record leaves the new message stale (its token is not the job's): the received one is kept.
     */
    private JobProcessor.Result waitForSlot(Job job, Decision.WaitForSlot wait, String receiptHandle) {
        Duration delay = Duration.ofSeconds(Math.max(1, wait.delaySeconds()));
        String token = UUID.randomUUID().toString();
        // The job takes the new token before the message carrying it goes out. The other way round, a re-send due
        // at once (a reservation) reached another worker before the job's write, looked stale there and was
        // acknowledged; the job then waited for a message that no longer existed (5 of 1,210 jobs in a burst bench).
        boolean moved;
        try {
            moved = jobs.markWaiting(job.requestId(), wait.expectedToken(), token, wait.waiting(), clock.instant());
        } catch (RuntimeException e) {
            LOG.warn("could not record the wait; the received message comes back instead", "error_type",
                    e.getClass().getSimpleName());
            return laterIfPossible(receiptHandle, delay);
        }
        if (!moved) {
            LOG.info("stale wait message; another copy moved the job on");
            return new JobProcessor.Result.Done();
        }
        try {
            queue.sendDelayed(job.requestId(), token, wait.delaySeconds(), job.tenant());
        } catch (RuntimeException e) {
            // No message carries the new token: the job takes the received message's token back, so that message,
            // returned below, is the job's current one again.
            LOG.warn("could not re-send the waiting job's message; the received one comes back instead",
                    "error_type", e.getClass().getSimpleName());
            try {
                jobs.markWaiting(job.requestId(), token, wait.expectedToken(), wait.waiting(), clock.instant());
            } catch (RuntimeException again) {
                LOG.error("could not give the waiting job its token back; its message may be taken for stale",
                        again);
            }
            return laterIfPossible(receiptHandle, delay);
        }
        LOG.info("waiting for a gemini slot; message re-sent", "model", wait.waiting().model(), "reason",
                wait.waiting().detail(), "outcome", wait.outcome(), "retry_in_ms", delay.toMillis());
        metrics.emit(List.of(List.of("model")), Map.of("model", wait.waiting().model()),
                new Metrics.Value("WaitingFor", Math.max(0, Duration.between(job.createdAt(), clock.instant())
                        .toMillis()), Unit.MILLISECONDS));
        return new JobProcessor.Result.Done();
    }

    private JobProcessor.Result queueTimeout(Job job, Decision.QueueTimeout timeout) {
        if (jobs.failQueued(job.requestId(), timeout.error(), clock.instant())) {
            terminal(job, JobStatus.FAILED, timeout.error());
            listener.finished(job, JobStatus.FAILED, (ObjectNode) null, timeout.error());
        } else {
            LOG.info("the waiting job moved on before it timed out");
        }
        leaveLine(job);
        return new JobProcessor.Result.Done();
    }

    private void leaveLine(Job job) {
        if (upstream == null || job == null) {
            return;
        }
        try {
            upstream.leaveLine(job);
        } catch (RuntimeException e) {
            gateUnavailable(e);
        }
    }

    private JobProcessor.Result laterIfPossible(String receiptHandle, Duration delay) {
        try {
            return later(receiptHandle, delay);
        } catch (RuntimeException e) {
            return new JobProcessor.Result.RetryLater(delay);
        }
    }

    /** The one log line per terminal transition (metrics filters and alarms key on it). */
    private void terminal(Job job, JobStatus status, JobError error, Object... more) {
        int attempt = job.attempts();
        Object[] fields = {"status", status.wire(), "model", job.model(), "attempts", attempt,
                "error_code", error == null ? null : error.code(),
                "error_message", error == null ? null : error.message(),
                "queued_to_done_ms", Duration.between(job.createdAt(), clock.instant()).toMillis()};
        Object[] all = new Object[fields.length + more.length];
        System.arraycopy(fields, 0, all, 0, fields.length);
        System.arraycopy(more, 0, all, fields.length, more.length);
        LOG.info("job finished", all);
        metrics.emit(List.of(List.of("status"), List.of("error_code"), List.of("model")),
                Map.of("status", status.wire(), "error_code", error == null ? "NONE" : error.code(), "model", job.model()),
                new Metrics.Value("JobsFinished", 1, Unit.COUNT),
                new Metrics.Value("Attempts", attempt, Unit.COUNT),
                new Metrics.Value("QueuedToDone", Duration.between(job.createdAt(), clock.instant()).toMillis(),
                        Unit.MILLISECONDS));
    }

    /** Nothing was claimed or the claim is in doubt: count it, and bring the message back soon if the queue allows. */
    private JobProcessor.Result storeUnavailable(Decision.StoreUnavailable unavailable, String receiptHandle) {
        attemptFailed("crash");
        LOG.warn("jobs table unavailable before the claim; message returned", "error_type", unavailable.errorType(),
                "retry_in_ms", unavailable.delay().toMillis());
        if (receiptHandle != null) {
            try {
                queue.retryAfter(receiptHandle, unavailable.delay());
            } catch (RuntimeException queueDown) {
                LOG.warn("could not delay the message either; it returns after the queue's visibility timeout",
                        "error_type", queueDown.getClass().getSimpleName());
            }
        }
        return new JobProcessor.Result.RetryLater(unavailable.delay());
    }

    private JobProcessor.Result later(String receiptHandle, Duration delay) {
        if (receiptHandle != null) {
            queue.retryAfter(receiptHandle, delay);
        }
        return new JobProcessor.Result.RetryLater(delay);
    }
}
