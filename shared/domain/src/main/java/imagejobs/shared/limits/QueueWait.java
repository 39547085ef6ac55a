package imagejobs.shared.limits;

import java.time.Duration;
import java.time.Instant;

/**
 * How a job that may not call Gemini yet goes back to the queue, or fails because it waited too long.
 *
 * <p>The message is sent again with a delay and the received one deleted (not made invisible): SQS counts every
 * receive towards the queue's maxReceiveCount (10, then the dead-letter queue), holds a hidden message in flight
 * (120,000 at most per queue) and lets visibility be extended to 12 hours at most, while a new message starts afresh.
 * One send delays at most 15 minutes (SQS DelaySeconds); a longer wait takes several hops, each asking the gate again.
 * A job fails with {@value #QUEUE_TIMEOUT} only once it has waited longer than MAX_QUEUE_SECONDS since it was
 * submitted; a wait that would end later comes back at that deadline and fails then.
 */
public final class QueueWait {
    public static final String QUEUE_TIMEOUT = "QUEUE_TIMEOUT";
    /** SQS: the longest DelaySeconds of one SendMessage. */
    public static final int MAX_DELAY_SECONDS = 900;

    /** What to do with the message. */
    public sealed interface Plan {
    }

    /** Send the job's message again, visible after {@code delaySeconds}, and delete the received one. */
    public record Resend(int delaySeconds) implements Plan {
    }

    /** Fail the job with {@value #QUEUE_TIMEOUT} and this message; delete the received one. */
    public record TimedOut(Duration waited, String message) implements Plan {
    }

    private final Duration maxQueue;

    public QueueWait(Duration maxQueue) {
        this.maxQueue = maxQueue;
    }

    /**
     * @param submittedAt when the job was submitted (the wait counts from there)
     * @param comeBackAt  the gate's retryAt for a denial, or a reservation's start
     * @param reserved    true for a reservation: the message comes back before its slot (rounded down) and the
     *                    worker waits out the rest, at most a second
     */
    public Plan plan(Instant submittedAt, Instant comeBackAt, Instant now, boolean reserved, String model,
                     WaitReason reason) {
        Duration waited = Duration.between(submittedAt, now);
        Instant deadline = submittedAt.plus(maxQueue);
        if (!now.isBefore(deadline)) {
            return new TimedOut(waited, "waited " + human(waited) + " in the queue for " + model + ", whose "
                    + what(reason) + "; a job waits at most " + human(maxQueue) + ": submit it again later");
        }
        Instant target = comeBackAt.isAfter(deadline) ? deadline : comeBackAt;
        long millis = Math.max(0, Duration.between(now, target).toMillis());
        long seconds = reserved && !target.equals(deadline) ? millis / 1000 : (millis + 999) / 1000;
        return new Resend((int) Math.min(MAX_DELAY_SECONDS, seconds));
    }

    private static String what(WaitReason reason) {
        return switch (reason) {
            case RATE -> "Gemini quota of requests per minute stayed used up";
            case CONCURRENCY -> "limit of calls at once stayed reached";
            case COOL_DOWN -> "Gemini quota stayed exhausted (Gemini answered 429)";
        };
    }

    /** "6 h", "1 h 5 min", "15 min", "42 s". */
    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 60) {
            return s + " s";
        }
        long h = s / 3600;
        long m = (s % 3600) / 60;
        if (h == 0) {
            return m + " min";
        }
        return m == 0 ? h + " h" : h + " h " + m + " min";
    }
}
