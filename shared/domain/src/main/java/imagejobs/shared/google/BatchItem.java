package imagejobs.shared.google;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;

/**
 * One request of a batch as its job stands: status, and the outcome or error once finished. A job that no longer
 * exists (expired) has a null status.
 */
public record BatchItem(String requestId, JobStatus status, ObjectNode outcome, JobError error,
                        FailedJobs.Upstream upstream) {

    public static BatchItem missing(String requestId) {
        return new BatchItem(requestId, null, null, null, null);
    }

    public boolean finished() {
        return status == null || status.terminal();
    }

    /** Finished with an answer of Gemini's: images, or a refusal Gemini reports with a 200. */
    public boolean answered() {
        return status == JobStatus.SUCCESS
                || status == JobStatus.FAILED && FailedJobs.isRefusal(error);
    }
}
