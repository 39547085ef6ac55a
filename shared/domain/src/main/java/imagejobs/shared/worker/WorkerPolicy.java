package imagejobs.shared.worker;

import java.time.Duration;

/**
 * The worker's retry and lease settings.
 *
 * @param maxAttempts claims a job gets before it fails; at least 1
 * @param lease       how long a claim protects a job from other deliveries; must exceed the function's timeout
 * @param backoff     the wait before a retry
 */
public record WorkerPolicy(int maxAttempts, Duration lease, Backoff backoff) {
    public WorkerPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
    }
}
