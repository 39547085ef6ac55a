package imagejobs.shared.worker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.limits.GateDecision;
import imagejobs.shared.limits.Lease;
import imagejobs.shared.limits.SlotRequest;
import imagejobs.shared.limits.UpstreamGate;

/**
 * The worker's side of the {@link UpstreamGate}: asks for a Gemini slot for a job (by its upstream model, the quota's
 * unit, with the ticket or reservation an earlier denial left on the job), gives slots back, reports 429s and takes
 * a finished job out of its tenant's line. The slot is held at most {@code leaseFor}, the job's own lease, so a worker
 * killed mid-call frees it when its job lease would end.
 */
public final class UpstreamAdmission {
    /** The gate grants slots up to about a second ahead; anything longer is not waited out in Lambda. */
    static final Duration MAX_START_WAIT = Duration.ofSeconds(2);

    private final UpstreamGate gate;
    private final ModelCatalog catalog;
    private final Duration leaseFor;
    private final Clock clock;

    public UpstreamAdmission(UpstreamGate gate, ModelCatalog catalog, Duration leaseFor, Clock clock) {
        this.gate = gate;
        this.catalog = catalog;
        this.leaseFor = leaseFor;
        this.clock = clock;
    }

    /** The upstream model a job calls; empty for a model no longer in the catalog (the attempt rejects it). */
    public Optional<String> upstreamModel(Job job) {
        return catalog.find(job.model()).map(spec -> spec.upstreamModel());
    }

    /** A slot for the job, or why not; empty when the job's model has no upstream (nothing to pace). */
    public Optional<GateDecision> acquire(Job job, boolean keepPlace) {
        Optional<String> model = upstreamModel(job);
        if (model.isEmpty()) {
            return Optional.empty();
        }
        Job.Waiting waiting = keepPlace ? job.waiting() : null;
        return Optional.of(gate.acquire(new SlotRequest(model.get(), job.tenant(),
                waiting == null ? null : waiting.ticket(), waiting == null ? null : waiting.reservation(), leaseFor),
                clock.instant()));
    }

    /** Waits out a granted slot's start (at most about a second), so the call never starts before its turn. */
    public void awaitStart(Lease lease) {
        Duration wait = Duration.between(clock.instant(), lease.notBefore());
        if (wait.isNegative() || wait.isZero()) {
            return;
        }
        try {
            Thread.sleep(Math.min(wait.toMillis(), MAX_START_WAIT.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The call ended (or never started: callTime null) for any reason but a 429. */
    public void release(Lease lease, Duration callTime) {
        gate.release(lease, callTime, clock.instant());
    }

    /**
     * Gemini answered 429: the model cools down for every worker. Returns the rate the gate has learned for the model
     * since (requests per minute; empty while none is learned), for the LearnedRpm metric.
     */
    public Optional<Double> throttled(Lease lease, Duration retryDelay) {
        Instant now = clock.instant();
        gate.throttled(lease, retryDelay, now);
        return Optional.ofNullable(gate.view(lease.model(), now).learnedRpm());
    }

    /** A job that held a place in its tenant's line ended without a slot (cancelled, timed out). */
    public void leaveLine(Job job) {
        if (job.waiting() == null || job.waiting().ticket() == null) {
            return;
        }
        gate.leaveLine(job.waiting().model(), job.tenant(), clock.instant());
    }

    public Instant now() {
        return clock.instant();
    }
}
