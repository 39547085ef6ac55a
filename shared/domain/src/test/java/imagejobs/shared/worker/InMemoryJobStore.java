package imagejobs.shared.worker;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;

/** A {@link JobStore} with DynamoJobStore's conditions (claim, lease, attempt as fencing token), in a map. */
public class InMemoryJobStore implements JobStore {
    public final Map<String, Job> jobs = new ConcurrentHashMap<>();

    public void put(Job job) {
        jobs.put(job.requestId(), job);
    }

    public Job job(String id) {
        return jobs.get(id);
    }

    @Override
    public boolean create(Job job) {
        return jobs.putIfAbsent(job.requestId(), job) == null;
    }

    @Override
    public IdempotentCreate createIdempotent(Job job, String idempotencyKeyHash, Instant keyExpiresAt) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Job> get(String requestId) {
        return Optional.ofNullable(jobs.get(requestId));
    }

    @Override
    public synchronized Optional<Job> claim(String requestId, Instant now, Instant leaseUntil) {
        Job j = jobs.get(requestId);
        if (j == null) {
            return Optional.empty();
        }
        boolean queued = j.status() == JobStatus.QUEUED && (j.retryAt() == null || !j.retryAt().isAfter(now));
        boolean expired = j.status() == JobStatus.PROCESSING && j.leaseUntil() != null && j.leaseUntil().isBefore(now);
        if (!queued && !expired) {
            return Optional.empty();
        }
        Job claimed = with(j, JobStatus.PROCESSING, j.startedAt() == null ? now : j.startedAt(), j.completedAt(),
                j.attempts() + 1, leaseUntil, null, j.outcome(), j.error(), j.lastError(), now);
        jobs.put(requestId, claimed);
        return Optional.of(claimed);
    }

    @Override
    public synchronized boolean extendLease(String requestId, int attempt, Instant leaseUntil) {
        Job j = current(requestId, attempt);
        if (j == null) {
            return false;
        }
        jobs.put(requestId, with(j, j.status(), j.startedAt(), j.completedAt(), j.attempts(), leaseUntil, j.retryAt(),
                j.outcome(), j.error(), j.lastError(), j.updatedAt()));
        return true;
    }

    @Override
    public synchronized boolean complete(String requestId, int attempt, ObjectNode outcome, int imageCount, Instant now) {
        Job j = current(requestId, attempt);
        if (j == null) {
            return false;
        }
        jobs.put(requestId, with(j, JobStatus.SUCCESS, j.startedAt(), now, j.attempts(), null, j.retryAt(),
                outcome.deepCopy(), null, j.lastError(), now));
        return true;
    }

    @Override
    public synchronized boolean fail(String requestId, int attempt, JobError error, Instant now) {
        Job j = current(requestId, attempt);
        if (j == null) {
            return false;
        }
        jobs.put(requestId, with(j, JobStatus.FAILED, j.startedAt(), now, j.attempts(), null, null, j.outcome(), error,
                j.lastError(), now));
        return true;
    }

    @Override
    public synchronized boolean requeue(String requestId, int attempt, String lastError, Instant retryAt, Instant now) {
        Job j = current(requestId, attempt);
        if (j == null) {
            return false;
        }
        jobs.put(requestId, with(j, JobStatus.QUEUED, j.startedAt(), j.completedAt(), j.attempts(), null, retryAt,
                j.outcome(), j.error(), lastError, now));
        return true;
    }

    @Override
    public synchronized boolean failUnfinished(String requestId, JobError error, Instant now) {
        Job j = jobs.get(requestId);
        if (j == null || j.status().terminal()) {
            return false;
        }
        jobs.put(requestId, with(j, JobStatus.FAILED, j.startedAt(), now, j.attempts(), null, null, j.outcome(), error,
                j.lastError(), now));
        return true;
    }

    @Override
    public Optional<Job> cancel(String requestId, Instant now) {
        throw new UnsupportedOperationException();
    }

    @Override
    public JobPage list(String tenant, ListQuery query) {
        throw new UnsupportedOperationException();
    }

    private Job current(String requestId, int attempt) {
        Job j = jobs.get(requestId);
        return j != null && j.status() == JobStatus.PROCESSING && j.attempts() == attempt ? j : null;
    }

    static Job with(Job j, JobStatus status, Instant startedAt, Instant completedAt, int attempts, Instant leaseUntil,
                    Instant retryAt, ObjectNode outcome, JobError error, String lastError, Instant updatedAt) {
        return new Job(j.requestId(), j.tenant(), j.model(), status, j.source(), j.sourceKey(), j.createdAt(),
                updatedAt, startedAt, completedAt, attempts, leaseUntil, retryAt, j.request(), j.requestKey(),
                j.requestHash(), outcome, error, lastError, j.expiresAt());
    }
}
