package imagejobs.shared.worker;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongUnaryOperator;

/**
 * Exponential backoff with jitter, never shorter than the wait Gemini asked for. With the default 2 s base,
 * attempt 1 waits 2-4 s, attempt 2 4-8 s, attempt 3 8-16 s, capped at 5 minutes.
 */
public final class Backoff {
    public static final Duration DEFAULT_BASE = Duration.ofSeconds(2);
    public static final Duration DEFAULT_CAP = Duration.ofMinutes(5);

    private final Duration base;
    private final Duration cap;
    /** bound → a number in [0, bound]; tests pin it. */
    private final LongUnaryOperator jitter;

    public Backoff(Duration base, Duration cap) {
        this(base, cap, bound -> ThreadLocalRandom.current().nextLong(bound + 1));
    }

    public Backoff(Duration base, Duration cap, LongUnaryOperator jitter) {
        if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < base <= cap");
        }
        this.base = base;
        this.cap = cap;
        this.jitter = jitter;
    }

    public static Backoff standard() {
        return new Backoff(DEFAULT_BASE, DEFAULT_CAP);
    }

    /**
     * @param attempt   the attempt that just failed (1 for the first)
     * @param requested what Gemini asked for (RetryInfo / Retry-After), or null; honoured even above the cap
     */
    public Duration delay(int attempt, Duration requested) {
        int shift = Math.min(20, Math.max(0, attempt - 1));
        long exp = base.toMillis() << shift;
        long capped = Math.min(cap.toMillis(), exp);
        long jittered = Math.min(cap.toMillis(), capped + jitter.applyAsLong(capped));
        long min = requested == null ? 0 : requested.toMillis();
        return Duration.ofMillis(Math.max(min, jittered));
    }
}
