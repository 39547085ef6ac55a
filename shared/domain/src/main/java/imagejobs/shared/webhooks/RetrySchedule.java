package imagejobs.shared.webhooks;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a failed delivery is tried again: Standard Webhooks' example schedule (immediately, then after 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h and 14 h: eight attempts over about 31.5 hours), each wait stretched or shrunk by a random
 * part of up to {@link #JITTER} so that deliveries failed together do not come back together, and never shorter
 * than what the receiver asked for with {@code Retry-After} (capped at {@link #MAX_RETRY_AFTER}). The schedule gives
 * up after its last attempt, but never before {@link #MIN_SPAN} has passed since the first one: the jitter and the
 * 10 % shrink leave the standard schedule above 28 hours, and the check keeps any shorter schedule honest.
 */
public final class RetrySchedule {
    /** The waits after attempts 1, 2, …; the attempt after the last wait is the final one. */
    public static final List<Duration> STANDARD_WAITS = List.of(Duration.ofSeconds(5), Duration.ofMinutes(5),
            Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10),
            Duration.ofHours(14));
    public static final double JITTER = 0.10;
    public static final Duration MIN_SPAN = Duration.ofHours(24);
    public static final Duration MAX_RETRY_AFTER = Duration.ofHours(24);

    /** What to do after a failed attempt. */
    public sealed interface Next {
    }

    /** Try again at {@code at} ({@code delay} after the failed attempt), as attempt number {@code attempt}. */
    public record RetryAt(int attempt, Instant at, Duration delay) implements Next {
    }

    /** Stop: the delivery failed for good. */
    public record GiveUp(int attempts, Duration span) implements Next {
    }

    private final List<Duration> waits;
    private final Duration minSpan;
    private final DoubleSupplier random;

    /**
     * @param random uniform in [0, 1): where in the ± {@link #JITTER} band each wait lands (tests pass fixed values)
     */
    public RetrySchedule(List<Duration> waits, Duration minSpan, DoubleSupplier random) {
        if (waits.isEmpty()) {
            throw new IllegalArgumentException("a schedule has at least one wait");
        }
        this.waits = List.copyOf(waits);
        this.minSpan = minSpan;
        this.random = random;
    }

    public static RetrySchedule standard(DoubleSupplier random) {
        return new RetrySchedule(STANDARD_WAITS, MIN_SPAN, random);
    }

    /** The longest schedule {@link #fromSpec} takes: a test schedule is short by design. */
    public static final int MAX_SPEC_WAITS = 20;
    private static final Pattern SPEC_WAIT = Pattern.compile("(\\d{1,6})(ms|s|m|h)");

    /**
     * A short schedule for tests and the local stack, e.g. {@code 1s,1s,2s} (units ms, s, m, h): those waits with the
     * usual jitter and Retry-After rule, giving up after the last one with no minimum span. Throws
     * IllegalArgumentException naming the entry that is not a wait.
     */
    public static RetrySchedule fromSpec(String spec, DoubleSupplier random) {
        List<Duration> waits = new ArrayList<>();
        String[] entries = spec == null ? new String[0] : spec.trim().split("\\s*,\\s*");
        for (String entry : entries) {
            Matcher m = SPEC_WAIT.matcher(entry);
            if (!m.matches()) {
                String shown = entry.length() > 20 ? entry.substring(0, 20) + "…" : entry;
                throw new IllegalArgumentException("'" + shown + "' is not a wait such as 500ms, 1s, 5m or 2h");
            }
            long n = Long.parseLong(m.group(1));
            waits.add(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            });
        }
        if (waits.isEmpty() || waits.size() > MAX_SPEC_WAITS) {
            throw new IllegalArgumentException("a schedule is 1 to " + MAX_SPEC_WAITS + " comma-separated waits");
        }
        return new RetrySchedule(waits, Duration.ZERO, random);
    }

    /** Attempts the schedule makes in all when every one fails (more only if {@link #MIN_SPAN} asks for them). */
    public int attempts() {
        return waits.size() + 1;
    }

    /**
     * @param attemptsMade   attempts made so far, the failed one included (1 after the first)
     * @param firstAttemptAt when the first attempt was made
     * @param failedAt       when the failed attempt ended
     * @param retryAfter     the receiver's {@code Retry-After}, or null
     */
    public Next afterFailure(int attemptsMade, Instant firstAttemptAt, Instant failedAt, Duration retryAfter) {
        if (attemptsMade < 1) {
            throw new IllegalArgumentException("attemptsMade starts at 1");
        }
        Duration span = Duration.between(firstAttemptAt, failedAt);
        Duration base;
        if (attemptsMade <= waits.size()) {
            base = waits.get(attemptsMade - 1);
        } else if (span.compareTo(minSpan) < 0) {
            base = waits.get(waits.size() - 1); // the schedule ran out early: keep going at its slowest pace
        } else {
            return new GiveUp(attemptsMade, span);
        }
        Duration wait = jittered(base);
        if (retryAfter != null && !retryAfter.isNegative()) {
            Duration asked = retryAfter.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : retryAfter;
            if (asked.compareTo(wait) > 0) {
                wait = asked;
            }
        }
        return new RetryAt(attemptsMade + 1, failedAt.plus(wait), wait);
    }

    private Duration jittered(Duration base) {
        double factor = 1 + JITTER * (2 * random.getAsDouble() - 1);
        return Duration.ofMillis(Math.round(base.toMillis() * factor));
    }
}
