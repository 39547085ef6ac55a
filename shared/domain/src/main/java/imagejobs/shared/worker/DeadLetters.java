package imagejobs.shared.worker;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.queue.JobMessage;

/**
 * What to do with a message that reached the dead-letter queue: fail its job with DEAD_LETTERED and the last
 * error it saw, so no job stays queued or processing for ever. A job a worker still holds under a live lease is
 * left to that worker: the message is kept and looked at again after the lease (the holder may yet finish; if it
 * dies, this is the last copy).
 */
public final class DeadLetters {
    private static final StructuredLog LOG = StructuredLog.get(DeadLetters.class);
    public static final String DEAD_LETTERED = "DEAD_LETTERED";

    private final JobStore jobs;
    private final Clock clock;

    public DeadLetters(JobStore jobs, Clock clock) {
        this.jobs = jobs;
        this.clock = clock;
    }

    /** @return true when the message is done with (delete it), false to see it again later */
    public boolean handle(String messageId, String body, String receiveCount) {
        StructuredLog.clearContext();
        StructuredLog.put("message_id", messageId);
        try {
            Optional<String> requestId = JobMessage.requestId(body);
            if (requestId.isEmpty()) {
                LOG.warn("dead letter without a request id; dropped");
                return true;
            }
            StructuredLog.put("job_id", requestId.get());
            Optional<Job> job = jobs.get(requestId.get());
            if (job.isEmpty()) {
                LOG.warn("dead letter for an unknown job; dropped");
                return true;
            }
            StructuredLog.put("tenant", job.get().tenant());
            if (job.get().status().terminal()) {
                return true;
            }
            Instant now = clock.instant();
            String last = job.get().lastError();
            JobError error = new JobError(DEAD_LETTERED, "the job could not be processed after repeated deliveries"
                    + (last == null ? "" : "; last error: " + last) + "; submit it again", true);
            if (jobs.failUnleased(requestId.get(), error, now)) {
                LOG.info("job finished", "status", JobStatus.FAILED.wire(), "model", job.get().model(),
                        "attempts", job.get().attempts(), "error_code", DEAD_LETTERED, "error_message", error.message(),
                        "receives", receiveCount);
                return true;
            }
            Optional<Job> now2 = jobs.get(requestId.get());
            boolean stillLeased = now2.isPresent() && !now2.get().status().terminal();
            if (stillLeased) {
                LOG.info("dead letter for a job a worker still holds; kept until its lease ends");
                return false;
            }
            return true;
        } finally {
            StructuredLog.clearContext();
        }
    }
}
