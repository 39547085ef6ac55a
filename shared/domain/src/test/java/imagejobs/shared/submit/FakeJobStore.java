package imagejobs.shared.submit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;

/** The jobs table in memory, with DynamoJobStore's conditions for what submit uses; faults can be injected. */
final class FakeJobStore implements JobStore {
    final Map<String, Job> jobs = new LinkedHashMap<>();
    final Map<String, Binding> bindings = new LinkedHashMap<>();
    RuntimeException createFailure;
    /** Writes the job, then throws: the ambiguous "timed out after it landed" failure. */
    boolean createLandsThenFails;
    /** The pre-check misses every binding, as when two submits race past it. */
    boolean hideBindingsFromLookup;
    /** How many failUnfinished calls throw before one goes through. */
    int failUnfinishedFailures;

    record Binding(String requestId, String requestHash, Instant expiresAt) {
    }

    @Override
    public synchronized boolean create(Job job) {
        maybeFail(job);
        return jobs.putIfAbsent(job.requestId(), job) == null;
    }

    @Override
    public synchronized IdempotentCreate createIdempotent(Job job, String keyHash, Instant keyExpiresAt) {
        Binding existing = bindings.get(keyHash);
        if (existing != null && !existing.expiresAt().isBefore(job.createdAt())) {
            if (!existing.requestHash().equals(job.requestHash())) {
                return new IdempotentCreate.Conflict(existing.requestId());
            }
            return new IdempotentCreate.Existing(jobs.get(existing.requestId()));
        }
        maybeFail(job);
        bindings.put(keyHash, new Binding(job.requestId(), job.requestHash(), keyExpiresAt));
        jobs.put(job.requestId(), job);
        return new IdempotentCreate.Created(job);
    }

    private void maybeFail(Job job) {
        if (createLandsThenFails) {
            jobs.put(job.requestId(), job);
            throw new IllegalStateException("simulated: the write landed but the answer was lost");
        }
        if (createFailure != null) {
            throw createFailure;
        }
    }

    @Override
    public synchronized Optional<IdempotencyBinding> findIdempotencyKey(String keyHash, Instant now) {
        Binding b = hideBindingsFromLookup ? null : bindings.get(keyHash);
        if (b == null || b.expiresAt().isBefore(now)) {
            return Optional.empty();
        }
        return Optional.of(new IdempotencyBinding(b.requestId(), b.requestHash()));
    }

    @Override
    public synchronized boolean releaseIdempotencyKey(String keyHash, String requestId) {
        Binding b = bindings.get(keyHash);
        if (b == null || !b.requestId().equals(requestId)) {
            return false;
        }
        bindings.remove(keyHash);
        return true;
    }

    @Override
    public synchronized Optional<Job> get(String requestId) {
        return Optional.ofNullable(jobs.get(requestId));
    }

    @Override
    public synchronized boolean failUnfinished(String requestId, JobError error, Instant now) {
        if (failUnfinishedFailures > 0) {
            failUnfinishedFailures--;
            throw new IllegalStateException("simulated: the store is briefly unreachable");
        }
        Job job = jobs.get(requestId);
        if (job == null || job.status().terminal()) {
            return false;
        }
        jobs.put(requestId, job.withError(error, now));
        return true;
    }

    synchronized List<Job> withStatus(JobStatus status) {
        List<Job> out = new ArrayList<>();
        jobs.values().stream().filter(j -> j.status() == status).forEach(out::add);
        return out;
    }

    @Override
    public Optional<Job> claim(String requestId, Instant now, Instant leaseUntil) {
        throw new UnsupportedOperationException("not used by submit");
    }

    @Override
    public boolean extendLease(String requestId, int attempt, Instant leaseUntil) {
        throw new UnsupportedOperationException("not used by submit");
    }

    @Override
    public boolean complete(String requestId, int attempt, ObjectNode outcome, int imageCount, Instant now) {
        throw new UnsupportedOperationException("not used by submit");
    }

    @Override
    public boolean fail(String requestId, int attempt, JobError error, Instant now) {
        throw new UnsupportedOperationException("not used by submit");
    }

    @Override
    public boolean requeue(String requestId, int attempt, String lastError, Instant retryAt, Instant now) {
        throw new UnsupportedOperationException("not used by submit");
    }

    @Override
    public Optional<Job> cancel(String requestId, Instant now) {
        throw new UnsupportedOperationException("not used by submit");
    }

    @Override
    public JobPage list(String tenant, ListQuery query) {
        throw new UnsupportedOperationException("not used by submit");
    }
}
