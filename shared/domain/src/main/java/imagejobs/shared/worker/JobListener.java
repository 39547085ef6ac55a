package imagejobs.shared.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;

/**
 * Told of a job's progress by the worker, after the jobs table recorded it: the place for notifications such as
 * webhooks. Called on the worker's thread; an exception thrown here counts as a failure of the attempt, so an
 * implementation that may fail should catch and record its own failures.
 */
public interface JobListener {

    /** Tells nobody. */
    JobListener NONE = new JobListener() {
    };

    /** An attempt has claimed the job ({@code job.attempts()} is its number). */
    default void started(Job job) {
    }

    /**
     * The job reached {@code status} ({@code success} with its outcome, or {@code failed} with its error) in this
     * attempt. Not called when another holder decides the outcome.
     */
    default void finished(Job job, JobStatus status, ObjectNode outcome, JobError error) {
    }
}
