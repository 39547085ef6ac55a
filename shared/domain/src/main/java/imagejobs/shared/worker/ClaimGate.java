package imagejobs.shared.worker;

import java.time.Duration;
import java.util.Optional;

import imagejobs.shared.jobs.Job;

/**
 * Asked before a delivery claims its job: may one more Gemini call start now? A closed gate spends no attempt; the
 * message comes back after the wait the gate names ({@link Decision.GateClosed}). The place for an upstream rate or
 * concurrency limit.
 */
@FunctionalInterface
public interface ClaimGate {

    /** Always open. */
    ClaimGate OPEN = job -> Optional.empty();

    /** Empty to go ahead; otherwise how long the message should wait before it is tried again. */
    Optional<Duration> wait(Job job);
}
