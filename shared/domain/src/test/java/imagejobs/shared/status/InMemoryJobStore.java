package imagejobs.shared.status;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.jobs.Timestamps;

/**
 * A JobStore in memory with the listing semantics of the DynamoDB one: per-tenant, newest first (ties by id,
 * descending), exclusive bounds, filters, expired jobs hidden, pages filled to the limit. Only what the status
 * queries use is implemented. {@link #beforeCancel} and
 * {@link #afterFailedCancel} let a test move the job around the conditional write, as a racing worker would.
 */
final class InMemoryJobStore implements JobStore {
    private static final Comparator<Job> NEWEST_FIRST = Comparator
            .comparing((Job j) -> Timestamps.format(j.createdAt()))
            .thenComparing(Job::requestId)
            .reversed();

    final Map<String, Job> jobs = new LinkedHashMap<>();
    Runnable beforeCancel = () -> { };
    Runnable afterFailedCancel = () -> { };
    int cancelCalls;

    void put(Job job) {
        jobs.put(job.requestId(), job);
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
    public Optional<Job> claim(String requestId, Instant now, Instant leaseUntil) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean extendLease(String requestId, int attempt, Instant leaseUntil) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean complete(String requestId, int attempt, ObjectNode outcome, int imageCount, Instant now) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean fail(String requestId, int attempt, JobError error, Instant now) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean requeue(String requestId, int attempt, String lastError, Instant retryAt, Instant now) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean failUnfinished(String requestId, JobError error, Instant now) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Job> cancel(String requestId, Instant now) {
        cancelCalls++;
        beforeCancel.run();
        Job job = jobs.get(requestId);
        if (job == null || job.status() != JobStatus.QUEUED) {
            afterFailedCancel.run();
            return Optional.empty();
        }
        Job cancelled = new Job(job.requestId(), job.tenant(), job.model(), JobStatus.CANCELLED, job.source(),
                job.sourceKey(), job.createdAt(), now, job.startedAt(), now, job.attempts(), job.leaseUntil(),
                job.retryAt(), job.request(), job.requestKey(), job.requestHash(), job.outcome(), job.error(),
                job.lastError(), job.expiresAt());
        jobs.put(requestId, cancelled);
        return Optional.of(cancelled);
    }

    @Override
    public JobPage list(String tenant, ListQuery query) {
        List<Job> matching = jobs.values().stream()
                .filter(j -> j.tenant().equals(tenant))
                .filter(j -> query.statuses() == null || query.statuses().isEmpty() || query.statuses().contains(j.status()))
                .filter(j -> query.model() == null || query.model().equals(j.model()))
                .filter(j -> query.createdAfter() == null || j.createdAt().isAfter(query.createdAfter()))
                .filter(j -> query.createdBefore() == null || j.createdAt().isBefore(query.createdBefore()))
                .filter(j -> query.visibleAt() == null || !j.expired(query.visibleAt()))
                .sorted(NEWEST_FIRST)
                .toList();
        int start = 0;
        if (query.after() != null) {
            while (start < matching.size() && !isAfter(matching.get(start), query.after())) {
                start++;
            }
        }
        List<Job> page = new ArrayList<>(matching.subList(start, Math.min(matching.size(), start + query.limit())));
        boolean more = start + query.limit() < matching.size();
        Job last = page.isEmpty() ? null : page.get(page.size() - 1);
        return new JobPage(page, more ? new Position(Timestamps.format(last.createdAt()), last.requestId()) : null);
    }

    /** True when {@code job} comes after {@code position} in newest-first order. */
    private static boolean isAfter(Job job, Position position) {
        int byTime = Timestamps.format(job.createdAt()).compareTo(position.createdAt());
        return byTime < 0 || (byTime == 0 && job.requestId().compareTo(position.requestId()) < 0);
    }
}
