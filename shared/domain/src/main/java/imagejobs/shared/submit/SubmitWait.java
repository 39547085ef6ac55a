package imagejobs.shared.submit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.status.JobView;

/**
 * {@code Prefer: wait=N} on {@code POST /v1/requests} (RFC 7240): after the job is stored and queued, the submit
 * watches it for up to N seconds (at most {@code API_SYNC_WAIT_SECONDS}) and answers with the finished job when the
 * worker finishes it in time, else with the usual 202. The worker does the work; this only reads the job, with a
 * backoff from 100 ms to 1 s (a Gemini call takes seconds, so faster polling would only cost reads), and never
 * holds the function past its own remaining time less a margin for the answer.
 */
public final class SubmitWait {
    static final Duration FIRST_POLL = Duration.ofMillis(100);
    static final Duration MAX_POLL = Duration.ofSeconds(1);
    /** Left of the Lambda's remaining time for writing the answer after the last read. */
    static final Duration MARGIN = Duration.ofSeconds(2);

    /** How the wait pauses between reads (Thread::sleep in production; tests advance a clock). */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    /**
     * What to answer: {@code finished} → 200 with {@code view} (the full job, presigned URLs included, as
     * {@code GET /v1/requests/{id}} shows it); else 202 with {@code view} as the submit shows it. {@code applied} is the wait
     * honoured, for {@code Preference-Applied}; empty when the request asked none (or none usable).
     */
    public record Reply(boolean finished, ObjectNode view, OptionalInt applied) {
    }

    private final JobStore jobs;
    private final JobView finishedView;
    private final int maxSeconds;
    private final Clock clock;
    private final Sleeper sleeper;

    /**
     * @param finishedView the view {@code GET /v1/requests/{id}} answers with (presigned URLs, spilled conversation)
     * @param maxSeconds   the route's bound ({@code API_SYNC_WAIT_SECONDS}); a longer wait asked is cut to it
     */
    public SubmitWait(JobStore jobs, JobView finishedView, int maxSeconds, Clock clock, Sleeper sleeper) {
        this.jobs = jobs;
        this.finishedView = finishedView;
        this.maxSeconds = maxSeconds;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    public int maxSeconds() {
        return maxSeconds;
    }

    /**
     * @param submitted    the submit's result (a replay of an earlier submit may already be finished)
     * @param preferHeader the request's {@code Prefer} header, or null
     * @param remaining    the function's remaining time (null: not bounded by it)
     */
    public Reply reply(SubmitService.Submitted submitted, String preferHeader, Duration remaining) {
        OptionalInt seconds = PreferWait.seconds(preferHeader, maxSeconds);
        if (seconds.isEmpty()) {
            return new Reply(false, submitted.view(), seconds);
        }
        Instant start = clock.instant();
        Instant deadline = start.plusSeconds(seconds.getAsInt());
        if (remaining != null) {
            Instant last = start.plus(remaining).minus(MARGIN);
            deadline = last.isBefore(deadline) ? last : deadline;
        }
        Optional<Job> finished = awaitTerminal(submitted.job(), deadline);
        return finished.map(job -> new Reply(true, finishedView.full(job), seconds))
                .orElseGet(() -> new Reply(false, submitted.view(), seconds));
    }

    /** The job once its status is terminal, reading it until {@code deadline}; empty when it is not by then. */
    Optional<Job> awaitTerminal(Job job, Instant deadline) {
        Duration pause = FIRST_POLL;
        Job current = job;
        while (!current.status().terminal()) {
            Duration left = Duration.between(clock.instant(), deadline);
            if (left.isNegative() || left.isZero()) {
                return Optional.empty();
            }
            try {
                sleeper.sleep(pause.compareTo(left) < 0 ? pause : left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
            Optional<Job> read = jobs.get(current.requestId());
            if (read.isEmpty()) {
                return Optional.empty(); // expired under us: the 202 still says where to look
            }
            current = read.get();
            pause = pause.multipliedBy(2).compareTo(MAX_POLL) < 0 ? pause.multipliedBy(2) : MAX_POLL;
        }
        return Optional.of(current);
    }
}
