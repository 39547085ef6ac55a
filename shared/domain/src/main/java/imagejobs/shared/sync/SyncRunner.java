package imagejobs.shared.sync;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.queue.JobQueue;
import imagejobs.shared.submit.SubmitService;
import imagejobs.shared.submit.SubmitService.SubmitCommand;
import imagejobs.shared.submit.SubmitService.Submitted;
import imagejobs.shared.submit.SubmitService.SyncIntake;
import imagejobs.shared.worker.JobProcessor;

/**
 * A synchronous call (Google's {@code :generateContent}): the request becomes a normal job through the submit
 * service (authentication, rate limit, validation, idempotency), then this function runs the job itself with the
 * worker's own {@link JobProcessor} (upstream gate, claim, attempt, retries) and answers with the finished job, or
 * with the job still running when the bound is reached.
 *
 * <p>The job's message is sent delayed past the bound (plus a slack): it is the insurance that the worker finishes
 * the job should this function die, or answer at the bound, before it did. Within the bound that message is
 * invisible, so the worker and this function never race for the job; later, the lease rules decide as for any
 * delivery (a live lease is left alone, a finished job is acknowledged).
 *
 * <p>A call without an {@code Idempotency-Key} gets a key derived from the tenant, the path and the body bytes
 * ({@link SyncKeys}), valid for {@link #keyWindow}: the Java SDK retries a 504 with the identical body, and such a retry
 * attaches to the job already running. The key is released once a finished job's answer is handed back, so the same
 * request sent again later is a new job.
 *
 * <p>The attempt runs on {@code executor} while the caller's thread waits up to the bound: the answer at the bound
 * never waits for a Gemini call in flight. That attempt keeps its lease and finishes if the process lives on.
 */
public final class SyncRunner {
    /** Added to the bound for the insurance message's delay: the time an answer at the bound takes to leave. */
    public static final Duration MESSAGE_SLACK = Duration.ofSeconds(60);
    static final Duration FIRST_POLL = Duration.ofMillis(250);
    static final Duration MAX_POLL = Duration.ofSeconds(1);
    private static final StructuredLog LOG = StructuredLog.get(SyncRunner.class);

    /** Waits; tests pass one that moves a fake clock. */
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;

        Sleeper REAL = d -> Thread.sleep(Math.max(1, d.toMillis()));
    }

    /** How the call ended. */
    public sealed interface Outcome {
        Job job();

        /** Whether the call attached to an earlier job (same idempotency key, explicit or derived). */
        boolean replayed();

        /** The job reached a terminal state within the bound. */
        record Finished(Job job, boolean replayed) implements Outcome {
        }

        /** The bound was reached first; the job carries on and can be polled. */
        record Pending(Job job, boolean replayed) implements Outcome {
        }
    }

    private final SubmitService submit;
    private final JobProcessor processor;
    private final JobStore jobs;
    private final Executor executor;
    private final Clock clock;
    private final Sleeper sleeper;

    public SyncRunner(SubmitService submit, JobProcessor processor, JobStore jobs, Executor executor, Clock clock,
                      Sleeper sleeper) {
        this.submit = submit;
        this.processor = processor;
        this.jobs = jobs;
        this.executor = executor;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    /**
     * How long a derived key binds: the Java SDK's five attempts, each up to the bound, with its backoffs between
     * (1 s doubling to 60 s, jittered) fit in six bounds plus two minutes. A key outliving the calls costs nothing:
     * the same request sent later gets the finished job's answer, and that delivery frees the key.
     */
    public static Duration keyWindow(Duration bound) {
        return bound.multipliedBy(6).plus(Duration.ofMinutes(2));
    }

    /** The insurance message's delay for a bound: past it, within SQS's 900 s. */
    public static int messageDelaySeconds(Duration bound) {
        return (int) Math.min(JobQueue.MAX_DELAY_SECONDS, bound.plus(MESSAGE_SLACK).toSeconds());
    }

    /**
     * @param path   the request's path (part of the derived idempotency key)
     * @param bound  how long the caller is kept waiting at most
     * @param budget this invocation's time left (cuts the Gemini call as in the worker), or null when unbounded
     */
    public Outcome run(SubmitCommand command, String path, Duration bound, Duration budget) {
        Instant deadline = clock.instant().plus(bound);
        Submitted submitted = submit.submitForSync(command,
                new SyncIntake(path, keyWindow(bound), messageDelaySeconds(bound)));
        Job job = submitted.job();
        StructuredLog.put("job_id", job.requestId());
        Instant invocationEnd = budget == null ? null : clock.instant().plus(budget);
        CompletableFuture<?> attempt = null;
        Duration poll = FIRST_POLL;
        while (true) {
            if (job.status().terminal()) {
                submit.releaseDerivedKey(submitted);
                return new Outcome.Finished(job, submitted.replayed());
            }
            Instant now = clock.instant();
            if (!now.isBefore(deadline)) {
                LOG.info("sync bound reached; the job carries on", "status", job.status().wire());
                return new Outcome.Pending(job, submitted.replayed());
            }
            if ((attempt == null || attempt.isDone()) && runnableNow(job, now)) {
                Job current = job;
                Duration left = invocationEnd == null ? null : Duration.between(now, invocationEnd);
                attempt = CompletableFuture.runAsync(() -> processor.process(current.requestId(), null, null, left),
                        executor);
                waitFor(attempt, Duration.between(now, deadline));
                poll = FIRST_POLL;
            } else {
                sleep(min(poll, Duration.between(now, deadline)));
                poll = min(poll.multipliedBy(2), MAX_POLL);
            }
            job = read(job);
        }
    }

    /**
     * Whether this function should take the job itself now: queued, not waiting for a gate slot (the gate's own
     * message carries it on), and due (a retry's backoff has passed).
     */
    private static boolean runnableNow(Job job, Instant now) {
        return job.status() == JobStatus.QUEUED && job.waitToken() == null
                && (job.retryAt() == null || !job.retryAt().isAfter(now));
    }

    private void waitFor(CompletableFuture<?> attempt, Duration left) {
        try {
            attempt.get(Math.max(1, left.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // The bound is reached: the attempt goes on; the loop answers with the job as it stands.
        } catch (ExecutionException e) {
            // The processor already recorded what it could (its crash path); the job's state says the rest.
            LOG.error("inline attempt failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the job", e);
        }
    }

    private void sleep(Duration duration) {
        try {
            sleeper.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the job", e);
        }
    }

    private Job read(Job job) {
        Optional<Job> now = jobs.get(job.requestId());
        return now.orElse(job);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
