package imagejobs.it;

import java.time.Instant;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStore;

/**
 * A job store that passes every call to another: crash and fault wrappers extend it and override only the calls
 * they intercept. The interface's default methods are not forwarded (they run on this store, over the calls that
 * are), so a subclass forwards those it wants the delegate to answer.
 */
public class ForwardingJobStore implements JobStore {
    protected final JobStore delegate;

    public ForwardingJobStore(JobStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public boolean create(Job job) {
        return delegate.create(job);
    }

    @Override
    public IdempotentCreate createIdempotent(Job job, String idempotencyKeyHash, Instant keyExpiresAt) {
        return delegate.createIdempotent(job, idempotencyKeyHash, keyExpiresAt);
    }

    @Override
    public Optional<Job> get(String requestId) {
        return delegate.get(requestId);
    }

    @Override
    public Optional<Job> claim(String requestId, Instant now, Instant leaseUntil) {
        return delegate.claim(requestId, now, leaseUntil);
    }

    @Override
    public boolean extendLease(String requestId, int attempt, Instant leaseUntil) {
        return delegate.extendLease(requestId, attempt, leaseUntil);
    }

    @Override
    public boolean complete(String requestId, int attempt, ObjectNode outcome, int imageCount, Instant now) {
        return delegate.complete(requestId, attempt, outcome, imageCount, now);
    }

    @Override
    public boolean fail(String requestId, int attempt, JobError error, Instant now) {
        return delegate.fail(requestId, attempt, error, now);
    }

    @Override
    public boolean requeue(String requestId, int attempt, String lastError, Instant retryAt, Instant now) {
        return delegate.requeue(requestId, attempt, lastError, retryAt, now);
    }

    @Override
    public boolean markWaiting(String requestId, String expectedToken, String newToken, Job.Waiting waiting,
                               Instant now) {
        return delegate.markWaiting(requestId, expectedToken, newToken, waiting, now);
    }

    @Override
    public boolean failQueued(String requestId, JobError error, Instant now) {
        return delegate.failQueued(requestId, error, now);
    }

    @Override
    public boolean requeueThrottled(String requestId, int attempt, Instant now) {
        return delegate.requeueThrottled(requestId, attempt, now);
    }

    @Override
    public boolean failUnfinished(String requestId, JobError error, Instant now) {
        return delegate.failUnfinished(requestId, error, now);
    }

    @Override
    public Optional<Job> cancel(String requestId, Instant now) {
        return delegate.cancel(requestId, now);
    }

    @Override
    public JobPage list(String tenant, ListQuery query) {
        return delegate.list(tenant, query);
    }
}
