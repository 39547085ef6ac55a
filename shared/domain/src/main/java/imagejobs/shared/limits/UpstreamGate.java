package imagejobs.shared.limits;

import java.time.Duration;
import java.time.Instant;

/**
 * Admission to Gemini, shared by every worker instance: no more calls per minute and in flight than the model's
 * limit (told in GEMINI_LIMITS or learned from 429s), a shared cool-down after a 429, and fair shares between
 * tenants that wait. A worker asks before it claims a job, so a denial spends no attempt; it then hands the job's
 * message back to the queue until {@code retryAt} instead of waiting in Lambda.
 */
public interface UpstreamGate {

    GateDecision acquire(SlotRequest request, Instant now);

    /**
     * The call ended (answered, failed for another reason than quota, or never started): the slot is free again.
     *
     * @param callTime how long the Gemini call took, or null when it never started
     */
    void release(Lease lease, Duration callTime, Instant now);

    /**
     * Gemini answered 429 / RESOURCE_EXHAUSTED: frees the slot, stops every worker calling the model for
     * {@code retryDelay} (Gemini's RetryInfo, else Retry-After; null: a backoff), and learns the rate that
     * Gemini accepted before it.
     */
    void throttled(Lease lease, Duration retryDelay, Instant now);

    /** Stops every worker calling the model until {@code until} (a 429 seen without a lease). */
    void coolDown(String model, Instant until, Instant now);

    /** A job that holds a ticket ends without a slot (cancelled, timed out): it no longer counts as ahead. */
    void leaveLine(String model, String tenant, Instant now);

    GateView view(String model, Instant now);
}
