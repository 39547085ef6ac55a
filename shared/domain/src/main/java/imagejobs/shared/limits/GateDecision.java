package imagejobs.shared.limits;

import java.time.Instant;

/** What {@link UpstreamGate#acquire} decided. */
public sealed interface GateDecision {

    /** Call Gemini, not before {@code lease.notBefore()} (at most about a second away), then release the lease. */
    record Granted(Lease lease) implements GateDecision {
    }

    /**
     * A slot later on is held for this job: hand its message back until {@code lease.notBefore()} and ask again then
     * with {@code lease.id()} as the reservation (a 429 meanwhile may void it; the job then asks like any other).
     * Its ticket is used up.
     */
    record Reserved(Lease lease) implements GateDecision {
    }

    /**
     * Do not call Gemini; ask again at {@code retryAt} (the job's expected turn).
     *
     * @param ticket   the job's place in its tenant's line: keep it with the job and send it with the next request
     * @param position how many of the tenant's waiting jobs are ahead of this one, plus one
     */
    record Denied(WaitReason reason, Instant retryAt, long ticket, long position) implements GateDecision {
    }
}
