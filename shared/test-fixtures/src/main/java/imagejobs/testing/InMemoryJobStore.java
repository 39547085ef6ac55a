package imagejobs.testing;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.webhooks.DeliveryRecord;
import imagejobs.shared.webhooks.WebhookEvent;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.jobs.Timestamps;

/**
 * The jobs table in a map, with the DynamoDB store's rules ({@link JobStoreContract} holds both to them): every
 * transition a conditional write with the attempt as fencing token, a write repeated after it landed counts as done,
 * times kept to the millisecond and the TTL to the second, idempotency bindings that stop binding once expired,
 * listings of summaries (no request, no outcome) newest first with exclusive bounds.
 *
 * <p>Faults and races are injected through the public fields; tests read and seed {@link #jobs} directly.
 */
public class InMemoryJobStore implements JobStore {
    private static final Comparator<Job> NEWEST_FIRST = Comparator
            .comparing((Job j) -> Timestamps.format(j.createdAt()))
            .thenComparing(Job::requestId)
            .reversed();

    /** The table, in write order. Seeding through {@link #put} keeps the table's precision. */
    public final Map<String, Job> jobs = Collections.synchronizedMap(new LinkedHashMap<>());
    /** Idempotency key hash → binding. */
    public final Map<String, Binding> bindings = Collections.synchronizedMap(new LinkedHashMap<>());

    /** Thrown by every create. */
    public volatile RuntimeException createFailure;
    /** Creates write the job, then throw: the ambiguous "timed out after it landed" failure. */
    public volatile boolean createLandsThenFails;
    /** The pre-check ({@link #findIdempotencyKey}) misses every binding, as when two submits race past it. */
    public volatile boolean hideBindingsFromLookup;
    /** How many failUnfinished calls throw before one goes through. */
    public volatile int failUnfinishedFailures;
    /** Runs before a cancel's conditional write (a racing worker moves the job). */
    public volatile Runnable beforeCancel = () -> { };
    /** Runs after a cancel's condition failed, before the caller reads the job again. */
    public volatile Runnable afterFailedCancel = () -> { };
    public volatile int cancelCalls;

    public record Binding(String requestId, String requestHash, Instant expiresAt) {
    }

    /** Writes a job as it is (no condition), at the table's precision. */
    public void put(Job job) {
        jobs.put(job.requestId(), stored(job));
    }

    /** The job, or null. */
    public Job job(String requestId) {
        return jobs.get(requestId);
    }

    public List<Job> withStatus(JobStatus status) {
        synchronized (jobs) {
            return jobs.values().stream().filter(j -> j.status() == status).toList();
        }
    }

    @Override
    public synchronized boolean create(Job job) {
        maybeFail(job);
        Job stored = stored(job);
        Job existing = jobs.putIfAbsent(job.requestId(), stored);
        // As on DynamoDB: a create that finds this very job (its earlier try landed) counts as done.
        return existing == null || sameCreate(existing, stored);
    }

    @Override
    public synchronized IdempotentCreate createIdempotent(Job job, String idempotencyKeyHash, Instant keyExpiresAt) {
        Binding existing = bindings.get(idempotencyKeyHash);
        // The table compares whole seconds: a binding holds until the second after its expiry.
        if (existing != null && existing.expiresAt().getEpochSecond() >= job.createdAt().getEpochSecond()) {
            if (!existing.requestHash().equals(job.requestHash())) {
                return new IdempotentCreate.Conflict(existing.requestId());
            }
            Job earlier = jobs.get(existing.requestId());
            if (earlier == null) {
                throw new IllegalStateException("idempotency record points at a missing job");
            }
            return new IdempotentCreate.Existing(earlier);
        }
        if (jobs.containsKey(job.requestId())) {
            throw new IllegalStateException("a job with id " + job.requestId() + " already exists");
        }
        maybeFail(job);
        bindings.put(idempotencyKeyHash, new Binding(job.requestId(), job.requestHash(),
                keyExpiresAt.truncatedTo(ChronoUnit.SECONDS)));
        Job stored = stored(job);
        jobs.put(job.requestId(), stored);
        return new IdempotentCreate.Created(stored);
    }

    private void maybeFail(Job job) {
        if (createLandsThenFails) {
            jobs.put(job.requestId(), stored(job));
            throw new IllegalStateException("simulated: the write landed but the answer was lost");
        }
        if (createFailure != null) {
            throw createFailure;
        }
    }

    @Override
    public synchronized Optional<IdempotencyBinding> findIdempotencyKey(String idempotencyKeyHash, Instant now) {
        Binding b = hideBindingsFromLookup ? null : bindings.get(idempotencyKeyHash);
        if (b == null || b.expiresAt().getEpochSecond() < now.getEpochSecond()) {
            return Optional.empty();
        }
        return Optional.of(new IdempotencyBinding(b.requestId(), b.requestHash()));
    }

    @Override
    public synchronized boolean releaseIdempotencyKey(String idempotencyKeyHash, String requestId) {
        Binding b = bindings.get(idempotencyKeyHash);
        if (b == null || !b.requestId().equals(requestId)) {
            return false;
        }
        bindings.remove(idempotencyKeyHash);
        return true;
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
        long nowMs = now.toEpochMilli();
        boolean queued = j.status() == JobStatus.QUEUED && (j.retryAt() == null || j.retryAt().toEpochMilli() <= nowMs);
        boolean expired = j.status() == JobStatus.PROCESSING && j.leaseUntil() != null
                && j.leaseUntil().toEpochMilli() < nowMs;
        if (!queued && !expired) {
            return Optional.empty();
        }
        Job claimed = write(with(j, JobStatus.PROCESSING, j.startedAt() == null ? now : j.startedAt(), j.completedAt(),
                j.attempts() + 1, leaseUntil, null, j.outcome(), j.error(), j.lastError(), now)
                .withWaiting(j.waitToken(), null, now));
        return Optional.of(claimed);
    }

    @Override
    public synchronized boolean extendLease(String requestId, int attempt, Instant leaseUntil) {
        Job j = current(requestId, attempt);
        if (j == null) {
            return false;
        }
        write(with(j, j.status(), j.startedAt(), j.completedAt(), j.attempts(), leaseUntil, j.retryAt(), j.outcome(),
                j.error(), j.lastError(), j.updatedAt()));
        return true;
    }

    @Override
    public synchronized boolean complete(String requestId, int attempt, ObjectNode outcome, int imageCount, Instant now) {
        Job j = current(requestId, attempt);
        if (j == null) {
            Job seen = jobs.get(requestId);
            return seen != null && seen.status() == JobStatus.SUCCESS && seen.attempts() == attempt
                    && sameMillis(seen.completedAt(), now);
        }
        write(with(j, JobStatus.SUCCESS, j.startedAt(), now, j.attempts(), null, j.retryAt(), outcome.deepCopy(),
                j.error(), j.lastError(), now));
        return true;
    }

    @Override
    public synchronized boolean fail(String requestId, int attempt, JobError error, Instant now) {
        Job j = current(requestId, attempt);
        if (j == null) {
            Job seen = jobs.get(requestId);
            return seen != null && seen.attempts() == attempt && failedBy(seen, error, now);
        }
        write(failed(j, error, now));
        return true;
    }

    @Override
    public synchronized boolean requeue(String requestId, int attempt, String lastError, Instant retryAt, Instant now) {
        Job j = current(requestId, attempt);
        if (j == null) {
            Job seen = jobs.get(requestId);
            return seen != null && seen.status() == JobStatus.QUEUED && seen.attempts() == attempt
                    && sameMillis(seen.retryAt(), retryAt) && lastError.equals(seen.lastError());
        }
        write(with(j, JobStatus.QUEUED, j.startedAt(), j.completedAt(), j.attempts(), null, retryAt, j.outcome(),
                j.error(), lastError, now));
        return true;
    }

    @Override
    public synchronized boolean markWaiting(String requestId, String expectedToken, String newToken,
                                            Job.Waiting waiting, Instant now) {
        Job j = jobs.get(requestId);
        if (j == null || j.status() != JobStatus.QUEUED || !Objects.equals(j.waitToken(), expectedToken)) {
            return j != null && j.status() == JobStatus.QUEUED && Objects.equals(j.waitToken(), newToken);
        }
        write(j.withWaiting(newToken, waiting, now));
        return true;
    }

    @Override
    public synchronized boolean failQueued(String requestId, JobError error, Instant now) {
        Job j = jobs.get(requestId);
        if (j == null || j.status() != JobStatus.QUEUED) {
            return j != null && failedBy(j, error, now);
        }
        write(failed(j, error, now));
        return true;
    }

    @Override
    public synchronized boolean requeueThrottled(String requestId, int attempt, Instant now) {
        Job j = current(requestId, attempt);
        if (j == null) {
            Job seen = jobs.get(requestId);
            return seen != null && seen.status() == JobStatus.QUEUED && seen.attempts() == attempt
                    && seen.throttled() > 0 && sameMillis(seen.updatedAt(), now);
        }
        Job queued = with(j, JobStatus.QUEUED, j.startedAt(), j.completedAt(), j.attempts(), null, null, j.outcome(),
                j.error(), j.lastError(), now);
        write(new Job(queued.requestId(), queued.tenant(), queued.model(), queued.status(), queued.source(),
                queued.sourceKey(), queued.createdAt(), queued.updatedAt(), queued.startedAt(), queued.completedAt(),
                queued.attempts(), null, null, queued.request(), queued.requestKey(), queued.requestHash(),
                queued.outcome(), queued.error(), queued.lastError(), queued.expiresAt(), queued.waitToken(), null,
                j.throttled() + 1, j.webhook(), j.webhookStart(), j.webhookCompleted()));
        return true;
    }

    @Override
    public synchronized boolean recordWebhook(String requestId, WebhookEvent event, DeliveryRecord record) {
        Job j = jobs.get(requestId);
        if (j == null || !record.supersedes(j.delivery(event))) {
            return j != null && record.equals(j.delivery(event));
        }
        write(new Job(j.requestId(), j.tenant(), j.model(), j.status(), j.source(), j.sourceKey(), j.createdAt(),
                j.updatedAt(), j.startedAt(), j.completedAt(), j.attempts(), j.leaseUntil(), j.retryAt(), j.request(),
                j.requestKey(), j.requestHash(), j.outcome(), j.error(), j.lastError(), j.expiresAt(), j.waitToken(),
                j.waiting(), j.throttled(), j.webhook(), event == WebhookEvent.START ? record : j.webhookStart(),
                event == WebhookEvent.COMPLETED ? record : j.webhookCompleted()));
        return true;
    }

    @Override
    public synchronized boolean failUnfinished(String requestId, JobError error, Instant now) {
        if (failUnfinishedFailures > 0) {
            failUnfinishedFailures--;
            throw new IllegalStateException("simulated: the store is briefly unreachable");
        }
        Job j = jobs.get(requestId);
        if (j == null) {
            return false;
        }
        if (j.status().terminal()) {
            return failedBy(j, error, now);
        }
        write(failed(j, error, now));
        return true;
    }

    @Override
    public synchronized boolean failUnleased(String requestId, JobError error, Instant now) {
        Job j = jobs.get(requestId);
        if (j == null) {
            return false;
        }
        // As the table's condition: a lease ending exactly now still holds.
        boolean unleased = j.status() == JobStatus.QUEUED || (j.status() == JobStatus.PROCESSING
                && (j.leaseUntil() == null || j.leaseUntil().toEpochMilli() < now.toEpochMilli()));
        if (!unleased) {
            return failedBy(j, error, now);
        }
        write(failed(j, error, now));
        return true;
    }

    @Override
    public Optional<Job> cancel(String requestId, Instant now) {
        cancelCalls++;
        beforeCancel.run();
        Optional<Job> cancelled = cancelIfQueued(requestId, now);
        if (cancelled.isEmpty()) {
            afterFailedCancel.run();
        }
        return cancelled;
    }

    private synchronized Optional<Job> cancelIfQueued(String requestId, Instant now) {
        Job j = jobs.get(requestId);
        if (j == null || j.status() != JobStatus.QUEUED) {
            return Optional.empty();
        }
        return Optional.of(write(with(j, JobStatus.CANCELLED, j.startedAt(), now, j.attempts(), j.leaseUntil(),
                j.retryAt(), j.outcome(), j.error(), j.lastError(), now)));
    }

    @Override
    public JobPage list(String tenant, ListQuery query) {
        if (query.limit() < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        List<Job> matching;
        synchronized (jobs) {
            matching = jobs.values().stream()
                    .filter(j -> j.tenant().equals(tenant))
                    .filter(j -> query.statuses() == null || query.statuses().isEmpty()
                            || query.statuses().contains(j.status()))
                    .filter(j -> query.model() == null || query.model().equals(j.model()))
                    .filter(j -> query.createdAfter() == null || j.createdAt().isAfter(query.createdAfter()))
                    .filter(j -> query.createdBefore() == null || j.createdAt().isBefore(query.createdBefore()))
                    .filter(j -> query.visibleAt() == null || !j.expired(query.visibleAt()))
                    .filter(j -> query.after() == null || isAfter(j, query.after()))
                    .sorted(NEWEST_FIRST)
                    .map(InMemoryJobStore::summary)
                    .toList();
        }
        List<Job> page = new ArrayList<>(matching.subList(0, Math.min(matching.size(), query.limit())));
        boolean more = matching.size() > query.limit();
        Job last = page.isEmpty() ? null : page.get(page.size() - 1);
        return new JobPage(List.copyOf(page),
                more ? new Position(Timestamps.format(last.createdAt()), last.requestId()) : null);
    }

    /** True when {@code job} comes after {@code position} in newest-first order. */
    private static boolean isAfter(Job job, Position position) {
        int byTime = Timestamps.format(job.createdAt()).compareTo(position.createdAt());
        return byTime < 0 || (byTime == 0 && job.requestId().compareTo(position.requestId()) < 0);
    }

    /** What the listing index projects: no request document, request hash or outcome. */
    private static Job summary(Job j) {
        return new Job(j.requestId(), j.tenant(), j.model(), j.status(), j.source(), j.sourceKey(), j.createdAt(),
                j.updatedAt(), j.startedAt(), j.completedAt(), j.attempts(), j.leaseUntil(), j.retryAt(), null, null,
                null, null, j.error(), j.lastError(), j.expiresAt());
    }

    private Job current(String requestId, int attempt) {
        Job j = jobs.get(requestId);
        return j != null && j.status() == JobStatus.PROCESSING && j.attempts() == attempt ? j : null;
    }

    private Job write(Job job) {
        Job stored = stored(job);
        jobs.put(stored.requestId(), stored);
        return stored;
    }

    private static Job failed(Job j, JobError error, Instant now) {
        return with(j, JobStatus.FAILED, j.startedAt(), now, j.attempts(), null, null, j.outcome(), error,
                j.lastError(), now);
    }

    private static boolean failedBy(Job job, JobError error, Instant now) {
        return job.status() == JobStatus.FAILED && job.error() != null && error.code().equals(job.error().code())
                && sameMillis(job.completedAt(), now);
    }

    private static boolean sameCreate(Job existing, Job job) {
        return existing.tenant().equals(job.tenant()) && existing.createdAt().equals(job.createdAt())
                && Objects.equals(existing.requestHash(), job.requestHash());
    }

    private static boolean sameMillis(Instant value, Instant expected) {
        return value != null && value.toEpochMilli() == expected.toEpochMilli();
    }

    /** The job as the table keeps it: times to the millisecond, the expiry (TTL) to the second. */
    private static Job stored(Job j) {
        return new Job(j.requestId(), j.tenant(), j.model(), j.status(), j.source(), j.sourceKey(), ms(j.createdAt()),
                ms(j.updatedAt()), ms(j.startedAt()), ms(j.completedAt()), j.attempts(), ms(j.leaseUntil()),
                ms(j.retryAt()), j.request(), j.requestKey(), j.requestHash(),
                j.outcome() == null ? null : j.outcome().deepCopy(), j.error(), j.lastError(),
                j.expiresAt() == null ? null : j.expiresAt().truncatedTo(ChronoUnit.SECONDS), j.waitToken(),
                j.waiting() == null ? null : new Job.Waiting(j.waiting().ticket(), j.waiting().reservation(),
                        j.waiting().detail(), j.waiting().model(), ms(j.waiting().since()),
                        ms(j.waiting().nextCheckAt())), j.throttled(), j.webhook(), delivery(j.webhookStart()),
                delivery(j.webhookCompleted()));
    }

    private static DeliveryRecord delivery(DeliveryRecord r) {
        return r == null ? null : new DeliveryRecord(r.state(), r.attempts(), r.lastStatus(), ms(r.lastAttemptAt()),
                r.lastError());
    }

    private static Instant ms(Instant t) {
        return t == null ? null : t.truncatedTo(ChronoUnit.MILLIS);
    }

    private static Job with(Job j, JobStatus status, Instant startedAt, Instant completedAt, int attempts,
                            Instant leaseUntil, Instant retryAt, ObjectNode outcome, JobError error, String lastError,
                            Instant updatedAt) {
        return new Job(j.requestId(), j.tenant(), j.model(), status, j.source(), j.sourceKey(), j.createdAt(),
                updatedAt, startedAt, completedAt, attempts, leaseUntil, retryAt, j.request(), j.requestKey(),
                j.requestHash(), outcome, error, lastError, j.expiresAt(), j.waitToken(), j.waiting(), j.throttled(),
                j.webhook(), j.webhookStart(), j.webhookCompleted());
    }
}
