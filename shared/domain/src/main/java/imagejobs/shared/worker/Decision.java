package imagejobs.shared.worker;

import java.time.Duration;
import java.time.Instant;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;

/**
 * What the worker does with one delivery, as decided by {@link LeaseRules} and carried out by {@link WorkerEffects}.
 * Each variant is one exit path of the worker: its store transition (if any), what happens to the message, and the
 * log line and metrics that go with it. A new outcome (deferring by re-sending the message, say) is a new variant
 * here plus its branch in {@link WorkerEffects#apply}.
 */
public sealed interface Decision {

    /** The message names a job the table does not have: delete it. */
    record Drop() implements Decision {
    }

    /** The job is already terminal: acknowledge (delete) the message. */
    record AlreadyFinished(JobStatus status) implements Decision {
    }

    /**
     * Another worker holds the job under a live lease: keep this copy, hidden until the lease ends (it brings the
     * job back should the holder die).
     */
    record WaitForLease(Duration delay, Instant leaseUntil) implements Decision {
    }

    /** The job was requeued with a {@code retry_at} still ahead: hide the message until then. */
    record WaitForRetryAt(Duration delay) implements Decision {
    }

    /** Too little time left in this invocation for a call: return the message unclaimed. */
    record ReturnUnclaimed(Duration delay, Duration budget) implements Decision {
    }

    /** The claim lost to a concurrent delivery and the job gives no other reason to wait: look again shortly. */
    record LostClaimRace(Duration delay) implements Decision {
    }

    /** The {@link ClaimGate} is closed: return the message unclaimed, no attempt spent. */
    record GateClosed(Duration delay) implements Decision {
    }

    /**
     * The message carries another wait token than the job: a stale copy of a message the worker has since re-sent
     * (or of one whose re-send lost to another copy). Acknowledge it; the job's current message carries on.
     */
    record StaleWaitMessage() implements Decision {
    }

    /**
     * The upstream gate denied the job a Gemini slot or reserved a later one: send its message again, visible after
     * {@code delaySeconds}, carrying a new token, record why it waits, and acknowledge the received copy. No attempt
     * is spent.
     *
     * @param expectedToken the token of the received message (null: none), which the job must still hold
     * @param outcome       {@code denied} or {@code reserved} (the UpstreamSlots metric)
     */
    record WaitForSlot(String expectedToken, int delaySeconds, Job.Waiting waiting, String outcome)
            implements Decision {
    }

    /** The job waited longer than MAX_QUEUE_SECONDS for a Gemini slot: {@code queued → failed}, no attempt spent. */
    record QueueTimeout(JobError error) implements Decision {
    }

    /** Gemini answered 429 to this attempt: the model cools down for every worker and the job waits, no attempt spent. */
    record Throttled(java.time.Duration retryDelay) implements Decision {
    }

    /** The jobs table failed before the claim: bring the message back soon instead of after the queue's timeout. */
    record StoreUnavailable(Duration delay, String errorType) implements Decision {
    }

    /** Claim the job ({@code queued → processing}, or take over an expired lease) and run an attempt. */
    record Claim() implements Decision {
    }

    /** {@code processing → success} with this outcome. */
    record Complete(ObjectNode outcome, int images, long geminiLatencyMs, Instant completedAt) implements Decision {
    }

    /**
     * {@code processing → failed}.
     *
     * @param countedFailure the {@code cause} of the AttemptFailures metric this failure counts as, or null
     */
    record Fail(JobError error, String countedFailure) implements Decision {
    }

    /**
     * {@code processing → queued} after a retryable failure; the message comes back after {@code delay}.
     *
     * @param countedFailure the {@code cause} of the AttemptFailures metric this failure counts as
     */
    record Requeue(String lastError, Duration delay, String countedFailure) implements Decision {
    }
}
