package imagejobs.shared.worker;

import java.time.Duration;

import imagejobs.shared.limits.UpstreamLimits;

/**
 * The worker's retry and lease settings.
 *
 * @param maxAttempts claims a job gets before it fails; at least 1
 * @param lease       how long a claim protects a job from other deliveries; must exceed the function's timeout
 * @param backoff     the wait before a retry
 * @param maxQueue    how long a job may wait for a Gemini slot, from its submission, before it fails with
 *                    QUEUE_TIMEOUT
 */
public record WorkerPolicy(int maxAttempts, Duration lease, Backoff backoff, Duration maxQueue) {
    public WorkerPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
    }

    /** With the default MAX_QUEUE_SECONDS. */
    public WorkerPolicy(int maxAttempts, Duration lease, Backoff backoff) {
        this(maxAttempts, lease, backoff, UpstreamLimits.DEFAULT_MAX_QUEUE);
    }
}
