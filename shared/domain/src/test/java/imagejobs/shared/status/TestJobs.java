package imagejobs.shared.status;

import java.time.Instant;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.RequestIds;

/** Jobs in each state, for the status tests. */
final class TestJobs {
    static final Instant NOW = Instant.parse("2026-11-23T08:00:00Z");
    static final String TENANT = "tenant-a";
    static final String OTHER_TENANT = "tenant-b";
    static final String MODEL = "gemini-2.5-flash-image";

    private TestJobs() {
    }

    static String id(int n) {
        return RequestIds.fromName("job-" + n);
    }

    static Job queued(String id, String tenant, Instant createdAt) {
        return Job.queued(id, tenant, MODEL, Job.SOURCE_API, null, "{\"contents\":[]}", null, "hash", createdAt,
                createdAt.plusSeconds(30L * 86400));
    }

    static Job with(Job job, JobStatus status, ObjectNode outcome, JobError error, String lastError) {
        Instant started = status == JobStatus.QUEUED && lastError == null ? null : job.createdAt().plusSeconds(1);
        Instant completed = status.terminal() ? job.createdAt().plusSeconds(9) : null;
        return new Job(job.requestId(), job.tenant(), job.model(), status, job.source(), job.sourceKey(),
                job.createdAt(), completed == null ? job.createdAt() : completed, started, completed,
                status == JobStatus.QUEUED && lastError == null ? 0 : 1, null, null, job.request(), job.requestKey(),
                job.requestHash(), outcome, error, lastError, job.expiresAt());
    }

    static Job status(Job job, JobStatus status) {
        return with(job, status, null, null, null);
    }

    static Job expiring(Job job, Instant expiresAt) {
        return new Job(job.requestId(), job.tenant(), job.model(), job.status(), job.source(), job.sourceKey(),
                job.createdAt(), job.updatedAt(), job.startedAt(), job.completedAt(), job.attempts(), job.leaseUntil(),
                job.retryAt(), job.request(), job.requestKey(), job.requestHash(), job.outcome(), job.error(),
                job.lastError(), expiresAt);
    }

    static Job model(Job job, String model) {
        return new Job(job.requestId(), job.tenant(), model, job.status(), job.source(), job.sourceKey(),
                job.createdAt(), job.updatedAt(), job.startedAt(), job.completedAt(), job.attempts(), job.leaseUntil(),
                job.retryAt(), job.request(), job.requestKey(), job.requestHash(), job.outcome(), job.error(),
                job.lastError(), job.expiresAt());
    }
}
