package imagejobs.shared.worker;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter, never shorter than the wait Gemini asked for. Attempt 1 waits about 2-4 s,
 * attempt 2 about 4-8 s, capped at 5 minutes.
 */
public final class Backoff {
    private final Duration base;
    private final Duration cap;

    public Backoff(Duration base, Duration cap) {
        this.base = base;
        this.cap = cap;
    }

    public static Backoff standard() {
        return new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5));
    }

    public Duration delay(int attempt, Duration requested) {
        long exp = base.toMillis() << Math.min(20, Math.max(0, attempt - 1));
        long capped = Math.min(cap.toMillis(), exp);
        long jittered = capped + ThreadLocalRandom.current().nextLong(capped + 1);
        long min = requested == null ? 0 : requested.toMillis();
        return Duration.ofMillis(Math.max(min, Math.min(jittered, cap.toMillis())));
    }
}
