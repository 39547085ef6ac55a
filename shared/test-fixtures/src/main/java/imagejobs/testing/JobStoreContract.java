package imagejobs.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.jobs.JobStore.IdempotentCreate;
import imagejobs.shared.jobs.JobStore.JobPage;
import imagejobs.shared.jobs.JobStore.ListQuery;
import imagejobs.shared.jobs.Timestamps;
import imagejobs.shared.json.Json;
import imagejobs.shared.webhooks.DeliveryRecord;
import imagejobs.shared.webhooks.WebhookEvent;
import imagejobs.shared.webhooks.WebhookSubscription;

/**
 * What every {@link JobStore} does: run against the in-memory store and against DynamoJobStore on DynamoDB Local, so
 * the fake cannot drift from the table's rules. Subclasses give a store; each test uses its own ids and tenant, so a
 * shared table is fine.
 */
public abstract class JobStoreContract {
    /**
     * Sub-millisecond on purpose: the table keeps milliseconds. A year ahead of the wall clock: DynamoDB Local's TTL
     * sweep deletes items (jobs, idempotency records) whose expires_at has passed, whatever the test's own clock.
     */
    protected static final Instant T0 = Instant.now().plus(Duration.ofDays(365)).truncatedTo(ChronoUnit.DAYS)
            .plusSeconds(36_000).plusNanos(123_456_789);
    private static final JobError BLOCKED = new JobError("SAFETY_BLOCKED", "blocked", false);

    private JobStore store;
    private String tenant;
    private String prefix;

    /** A store to test; called before each test. */
    protected abstract JobStore createStore();

    @BeforeEach
    void newStore() {
        store = createStore();
        String run = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        tenant = "tenant-" + run;
        prefix = "job-" + run + "-";
    }

    private Job queued(String id, Instant createdAt) {
        return Job.queued(prefix + id, tenant, "gemini-2.5-flash-image", Job.SOURCE_API, null,
                "{\"contents\":[]}", null, "hash-" + id, createdAt, createdAt.plus(Duration.ofDays(30)));
    }

    private Job created(String id, Instant createdAt) {
        Job job = queued(id, createdAt);
        assertTrue(store.create(job));
        return job;
    }

    private Job claimed(String id) {
        created(id, T0);
        return store.claim(prefix + id, T0.plusSeconds(1), T0.plusSeconds(60)).orElseThrow();
    }

    private static ObjectNode outcome() {
        ObjectNode outcome = Json.object();
        outcome.put("text", "done");
        return outcome;
    }

    @Test
    void aCreatedJobReadsBackAsWritten() {
        Job job = created("a", T0);
        assertEquals(job, store.get(job.requestId()).orElseThrow());
        assertEquals(Timestamps.format(T0), Timestamps.format(job.createdAt()));
    }

    @Test
    void aMissingJobIsEmpty() {
        assertTrue(store.get(prefix + "missing").isEmpty());
        assertTrue(store.claim(prefix + "missing", T0, T0.plusSeconds(60)).isEmpty());
        assertTrue(store.cancel(prefix + "missing", T0).isEmpty());
        assertFalse(store.failUnfinished(prefix + "missing", BLOCKED, T0));
        assertFalse(store.failUnleased(prefix + "missing", BLOCKED, T0));
    }

    @Test
    void createRefusesAnotherJobWithTheSameIdButAcceptsItsOwnRepeat() {
        Job job = created("a", T0);
        Job other = new Job(job.requestId(), "someone-else", job.model(), JobStatus.QUEUED, job.source(), null,
                T0.plusSeconds(5), T0.plusSeconds(5), null, null, 0, null, null, "{}", null, "other-hash", null, null,
                null, job.expiresAt());
        assertFalse(store.create(other));
        assertTrue(store.create(job), "a repeated create of the same job (its answer was lost) counts as done");
        assertEquals(tenant, store.get(job.requestId()).orElseThrow().tenant());
    }

    @Test
    void claimMovesAQueuedJobToProcessingOnce() {
        Job job = created("a", T0);
        Instant now = T0.plusSeconds(1);
        Job claimed = store.claim(job.requestId(), now, now.plusSeconds(60)).orElseThrow();
        assertEquals(JobStatus.PROCESSING, claimed.status());
        assertEquals(1, claimed.attempts());
        assertEquals(now.toEpochMilli(), claimed.startedAt().toEpochMilli());
        assertEquals(now.plusSeconds(60).toEpochMilli(), claimed.leaseUntil().toEpochMilli());
        assertEquals(claimed, store.get(job.requestId()).orElseThrow());
        assertTrue(store.claim(job.requestId(), now.plusSeconds(1), now.plusSeconds(61)).isEmpty(),
                "a live lease is not claimable");
        assertTrue(store.claim(job.requestId(), now.plusSeconds(60), now.plusSeconds(120)).isEmpty(),
                "a lease ending exactly now still holds");
    }

    @Test
    void anExpiredLeaseIsTakenOverWithTheNextAttempt() {
        Job first = claimed("a");
        Job second = store.claim(first.requestId(), first.leaseUntil().plusMillis(1), T0.plusSeconds(200))
                .orElseThrow();
        assertEquals(2, second.attempts());
        assertEquals(first.startedAt(), second.startedAt(), "started_at is the first claim's");
        assertFalse(store.complete(first.requestId(), 1, outcome(), 1, T0.plusSeconds(100)),
                "the first attempt is fenced off");
        assertFalse(store.extendLease(first.requestId(), 1, T0.plusSeconds(500)));
        assertTrue(store.extendLease(first.requestId(), 2, T0.plusSeconds(500)));
        assertEquals(T0.plusSeconds(500).toEpochMilli(),
                store.get(first.requestId()).orElseThrow().leaseUntil().toEpochMilli());
    }

    @Test
    void completeFinishesTheCurrentAttemptOnly() {
        Job job = claimed("a");
        Instant done = T0.plusSeconds(10);
        assertFalse(store.complete(job.requestId(), 2, outcome(), 1, done));
        assertTrue(store.complete(job.requestId(), 1, outcome(), 1, done));
        Job finished = store.get(job.requestId()).orElseThrow();
        assertEquals(JobStatus.SUCCESS, finished.status());
        assertEquals(outcome(), finished.outcome());
        assertEquals(done.toEpochMilli(), finished.completedAt().toEpochMilli());
        assertEquals(done.toEpochMilli(), finished.updatedAt().toEpochMilli());
        assertNull(finished.leaseUntil());
        assertTrue(store.complete(job.requestId(), 1, outcome(), 1, done),
                "the same completion again (its answer was lost) counts as done");
        assertFalse(store.fail(job.requestId(), 1, BLOCKED, done.plusSeconds(1)));
        assertFalse(store.requeue(job.requestId(), 1, "late", done.plusSeconds(5), done.plusSeconds(1)));
        assertFalse(store.failUnfinished(job.requestId(), BLOCKED, done.plusSeconds(1)));
        assertTrue(store.claim(job.requestId(), done.plusSeconds(999), done.plusSeconds(1999)).isEmpty());
        assertTrue(store.cancel(job.requestId(), done.plusSeconds(1)).isEmpty());
        assertEquals(finished, store.get(job.requestId()).orElseThrow(), "a finished job never moves back");
    }

    @Test
    void failRecordsTheErrorAndDropsLeaseAndRetry() {
        Job job = claimed("a");
        Instant at = T0.plusSeconds(5);
        assertTrue(store.fail(job.requestId(), 1, BLOCKED, at));
        Job failed = store.get(job.requestId()).orElseThrow();
        assertEquals(JobStatus.FAILED, failed.status());
        assertEquals(BLOCKED, failed.error());
        assertEquals(at.toEpochMilli(), failed.completedAt().toEpochMilli());
        assertNull(failed.leaseUntil());
        assertNull(failed.retryAt());
        assertTrue(store.fail(job.requestId(), 1, BLOCKED, at), "a repeat of the same failure counts as done");
        assertFalse(store.fail(job.requestId(), 1, new JobError("OTHER", "x", false), at));
    }

    @Test
    void requeueWaitsForItsRetryTime() {
        Job job = claimed("a");
        Instant now = T0.plusSeconds(5);
        Instant retryAt = T0.plusSeconds(30);
        assertTrue(store.requeue(job.requestId(), 1, "UPSTREAM_503", retryAt, now));
        Job queued = store.get(job.requestId()).orElseThrow();
        assertEquals(JobStatus.QUEUED, queued.status());
        assertEquals("UPSTREAM_503", queued.lastError());
        assertEquals(retryAt.toEpochMilli(), queued.retryAt().toEpochMilli());
        assertNull(queued.leaseUntil());
        assertTrue(store.requeue(job.requestId(), 1, "UPSTREAM_503", retryAt, now), "a repeat counts as done");
        assertTrue(store.claim(job.requestId(), retryAt.minusMillis(1), retryAt.plusSeconds(60)).isEmpty());
        Job again = store.claim(job.requestId(), retryAt, retryAt.plusSeconds(60)).orElseThrow();
        assertEquals(2, again.attempts());
        assertNull(again.retryAt());
    }

    @Test
    void aWaitingJobMovesOnOnlyFromTheTokenItHolds() {
        Job job = created("a", T0);
        Instant at = T0.plusSeconds(2).truncatedTo(ChronoUnit.MILLIS);
        Job.Waiting waiting = new Job.Waiting(7L, null, "RATE", "gemini-3-pro-image-preview", at, at.plusSeconds(40));
        assertTrue(store.markWaiting(job.requestId(), null, "t1", waiting, at));
        Job stored = store.get(job.requestId()).orElseThrow();
        assertEquals(JobStatus.QUEUED, stored.status());
        assertEquals("t1", stored.waitToken());
        assertEquals(waiting, stored.waiting());
        assertTrue(store.markWaiting(job.requestId(), null, "t1", waiting, at), "a repeat counts as done");
        assertFalse(store.markWaiting(job.requestId(), null, "t2", waiting, at), "a stale copy (no token)");
        assertFalse(store.markWaiting(job.requestId(), "t0", "t3", waiting, at), "a stale copy (another token)");

        Job.Waiting reserved = new Job.Waiting(null, "lease-9", "RATE", "gemini-3-pro-image-preview", at,
                at.plusSeconds(50));
        assertTrue(store.markWaiting(job.requestId(), "t1", "t4", reserved, at.plusSeconds(40)));
        assertEquals(reserved, store.get(job.requestId()).orElseThrow().waiting(), "the ticket is gone");

        Job claimed = store.claim(job.requestId(), at.plusSeconds(50), at.plusSeconds(400)).orElseThrow();
        assertNull(claimed.waiting(), "a claimed job no longer waits");
        assertEquals("t4", claimed.waitToken(), "its message still carries the token");
        assertFalse(store.markWaiting(job.requestId(), "t4", "t5", waiting, at.plusSeconds(51)), "not queued");
    }

    @Test
    void aThrottledAttemptGoesBackToTheQueueWithoutCounting() {
        Job job = claimed("a");
        Instant now = T0.plusSeconds(5);
        assertTrue(store.requeueThrottled(job.requestId(), 1, now));
        Job queued = store.get(job.requestId()).orElseThrow();
        assertEquals(JobStatus.QUEUED, queued.status());
        assertEquals(1, queued.attempts());
        assertEquals(1, queued.throttled());
        assertEquals(0, queued.countedAttempts());
        assertNull(queued.leaseUntil());
        assertNull(queued.retryAt());
        assertTrue(store.requeueThrottled(job.requestId(), 1, now), "a repeat counts as done");
        assertEquals(1, store.get(job.requestId()).orElseThrow().throttled());
        assertFalse(store.requeueThrottled(job.requestId(), 2, now), "not the current attempt");
        Job again = store.claim(job.requestId(), now, now.plusSeconds(60)).orElseThrow();
        assertEquals(2, again.attempts());
        assertEquals(1, again.countedAttempts());
    }

    @Test
    void aWaitWhoseMessageWasNeverSentGoesBackToTheReceivedMessagesToken() {
        Job job = created("a", T0);
        Instant at = T0.plusSeconds(2).truncatedTo(ChronoUnit.MILLIS);
        Job.Waiting waiting = new Job.Waiting(7L, null, "RATE", "gemini-3-pro-image-preview", at, at.plusSeconds(40));
        assertTrue(store.markWaiting(job.requestId(), null, "t1", waiting, at));
        // The re-send failed: the intake's message (no token) is the job's current one again.
        assertTrue(store.markWaiting(job.requestId(), "t1", null, waiting, at));
        assertNull(store.get(job.requestId()).orElseThrow().waitToken());
        assertTrue(store.markWaiting(job.requestId(), "t1", null, waiting, at), "a repeat counts as done");
        assertTrue(store.markWaiting(job.requestId(), null, "t2", waiting, at), "that message moves the job on");
        assertEquals("t2", store.get(job.requestId()).orElseThrow().waitToken());
    }

    @Test
    void onlyAQueuedJobFailsForWaitingTooLong() {
        JobError timeout = new JobError("QUEUE_TIMEOUT", "waited 6 h", true);
        Job waiting = created("a", T0);
        Instant at = T0.plusSeconds(21_600);
        assertTrue(store.failQueued(waiting.requestId(), timeout, at));
        Job failed = store.get(waiting.requestId()).orElseThrow();
        assertEquals(JobStatus.FAILED, failed.status());
        assertEquals(timeout, failed.error());
        assertEquals(0, failed.attempts());
        assertTrue(store.failQueued(waiting.requestId(), timeout, at), "a repeat counts as done");
        Job running = claimed("b");
        assertFalse(store.failQueued(running.requestId(), timeout, at));
        assertEquals(JobStatus.PROCESSING, store.get(running.requestId()).orElseThrow().status());
    }

    @Test
    void cancelOnlyTakesAQueuedJob() {
        Job job = created("a", T0);
        Instant at = T0.plusSeconds(3);
        Job cancelled = store.cancel(job.requestId(), at).orElseThrow();
        assertEquals(JobStatus.CANCELLED, cancelled.status());
        assertEquals(at.toEpochMilli(), cancelled.completedAt().toEpochMilli());
        assertEquals(cancelled, store.get(job.requestId()).orElseThrow());
        assertTrue(store.cancel(job.requestId(), at).isEmpty());
        assertTrue(store.claim(job.requestId(), at, at.plusSeconds(60)).isEmpty());

        Job processing = claimed("b");
        assertTrue(store.cancel(processing.requestId(), at).isEmpty());
        assertEquals(JobStatus.PROCESSING, store.get(processing.requestId()).orElseThrow().status());
    }

    @Test
    void failUnfinishedTakesQueuedAndProcessingJobsWhateverTheAttempt() {
        Job queued = created("a", T0);
        assertTrue(store.failUnfinished(queued.requestId(), BLOCKED, T0.plusSeconds(1)));
        assertEquals(JobStatus.FAILED, store.get(queued.requestId()).orElseThrow().status());
        Job processing = claimed("b");
        assertTrue(store.failUnfinished(processing.requestId(), BLOCKED, T0.plusSeconds(2)));
        Job failed = store.get(processing.requestId()).orElseThrow();
        assertEquals(BLOCKED, failed.error());
        assertNull(failed.leaseUntil());
    }

    @Test
    void failUnleasedLeavesALiveLeaseAlone() {
        Job job = claimed("a"); // lease until T0+60s
        Instant lease = job.leaseUntil();
        assertFalse(store.failUnleased(job.requestId(), BLOCKED, lease.minusSeconds(1)));
        assertFalse(store.failUnleased(job.requestId(), BLOCKED, lease), "a lease ending exactly now still holds");
        assertEquals(JobStatus.PROCESSING, store.get(job.requestId()).orElseThrow().status());
        assertTrue(store.failUnleased(job.requestId(), BLOCKED, lease.plusMillis(1)));
        assertEquals(JobStatus.FAILED, store.get(job.requestId()).orElseThrow().status());
        Job queued = created("b", T0);
        assertTrue(store.failUnleased(queued.requestId(), BLOCKED, T0.plusSeconds(1)));
    }

    @Test
    void anIdempotencyKeyBindsOneJobUntilItExpires() {
        String key = "key-" + prefix;
        Job first = queued("a", T0);
        Instant expires = T0.plus(Duration.ofHours(24));
        assertInstanceOf(IdempotentCreate.Created.class, store.createIdempotent(first, key, expires));
        assertEquals(first, store.get(first.requestId()).orElseThrow());

        Job repeat = queued("b", T0.plusSeconds(10));
        Job sameBody = new Job(repeat.requestId(), tenant, repeat.model(), JobStatus.QUEUED, repeat.source(), null,
                repeat.createdAt(), repeat.updatedAt(), null, null, 0, null, null, repeat.request(), null,
                first.requestHash(), null, null, null, repeat.expiresAt());
        IdempotentCreate existing = store.createIdempotent(sameBody, key, expires);
        assertEquals(new IdempotentCreate.Existing(first), existing);
        assertTrue(store.get(repeat.requestId()).isEmpty(), "the repeat wrote no job");
        assertEquals(new IdempotentCreate.Conflict(first.requestId()), store.createIdempotent(repeat, key, expires));

        assertEquals(first.requestId(), store.findIdempotencyKey(key, T0.plusSeconds(20)).orElseThrow().requestId());
        assertEquals(first.requestHash(), store.findIdempotencyKey(key, expires).orElseThrow().requestHash(),
                "the binding holds through its expiry second");
        assertTrue(store.findIdempotencyKey(key, expires.plusSeconds(1)).isEmpty());

        Job later = queued("c", expires.plusSeconds(1));
        assertInstanceOf(IdempotentCreate.Created.class,
                store.createIdempotent(later, key, expires.plus(Duration.ofHours(24))), "an expired key binds anew");
        assertEquals(later.requestId(), store.findIdempotencyKey(key, later.createdAt()).orElseThrow().requestId());
    }

    @Test
    void releasingAKeyFreesItOnlyForItsOwnJob() {
        String key = "key-" + prefix;
        Job first = queued("a", T0);
        Instant expires = T0.plus(Duration.ofHours(24));
        store.createIdempotent(first, key, expires);
        assertFalse(store.releaseIdempotencyKey(key, prefix + "other"));
        assertTrue(store.findIdempotencyKey(key, T0).isPresent());
        assertTrue(store.releaseIdempotencyKey(key, first.requestId()));
        assertFalse(store.releaseIdempotencyKey(key, first.requestId()));
        assertTrue(store.findIdempotencyKey(key, T0).isEmpty());
        Job retry = queued("b", T0.plusSeconds(1));
        assertInstanceOf(IdempotentCreate.Created.class, store.createIdempotent(retry, key, expires));
        assertTrue(store.findIdempotencyKey("never-used-" + prefix, T0).isEmpty());
    }

    @Test
    void listingPagesThroughSummariesNewestFirst() {
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            expected.add(created("n" + i, T0.plusSeconds(i)).requestId());
        }
        // The same created_at as n3: the index keeps no order among ties, but a page boundary (pages of 2: n4 and one
        // of the pair, then the other) must neither skip nor repeat either of them.
        expected.add(created("n9", T0.plusSeconds(3)).requestId());

        List<Job> seen = new ArrayList<>();
        JobStore.Position after = null;
        int pages = 0;
        do {
            JobPage page = store.list(tenant, new ListQuery(null, null, null, null, 2, after));
            page.jobs().forEach(j -> {
                seen.add(j);
                assertNull(j.request(), "listings carry summaries only");
                assertNull(j.outcome());
                assertEquals(tenant, j.tenant());
            });
            after = page.next();
            pages++;
        } while (after != null && pages < 10);
        List<String> ids = seen.stream().map(Job::requestId).toList();
        assertEquals(expected, new HashSet<>(ids), "every job listed: " + ids);
        assertEquals(expected.size(), ids.size(), "no job twice: " + ids);
        for (int i = 1; i < seen.size(); i++) {
            assertFalse(seen.get(i).createdAt().isAfter(seen.get(i - 1).createdAt()), "newest first: " + ids);
        }
        assertTrue(store.list("other-" + tenant, new ListQuery(null, null, null, null, 10, null)).jobs().isEmpty());
    }

    @Test
    void listingFiltersByStatusModelAndExclusiveBounds() {
        Job a = created("a", T0);
        Job b = created("b", T0.plusSeconds(1));
        Job c = created("c", T0.plusSeconds(2));
        store.cancel(b.requestId(), T0.plusSeconds(3));
        assertEquals(List.of(b.requestId()), ids(new ListQuery(Set.of(JobStatus.CANCELLED), null, null, null, 10, null)));
        assertEquals(List.of(c.requestId(), a.requestId()),
                ids(new ListQuery(Set.of(JobStatus.QUEUED), "gemini-2.5-flash-image", null, null, 10, null)));
        assertEquals(List.of(), ids(new ListQuery(null, "gemini-3-pro-image-preview", null, null, 10, null)));
        assertEquals(List.of(b.requestId()),
                ids(new ListQuery(null, null, a.createdAt(), c.createdAt(), 10, null)), "both bounds exclusive");
        assertEquals(List.of(c.requestId(), b.requestId()),
                ids(new ListQuery(null, null, a.createdAt().plusNanos(1), null, 10, null)));
        JobPage last = store.list(tenant, new ListQuery(null, null, null, null, 3, null));
        assertEquals(3, last.jobs().size());
        assertNull(last.next(), "an exactly full last page has no next position");
    }

    @Test
    void listingHidesJobsPastTheirRetention() {
        Job job = created("a", T0);
        Instant expires = job.expiresAt();
        assertEquals(List.of(job.requestId()),
                ids(new ListQuery(null, null, null, null, 10, null, expires.minusMillis(1))));
        assertEquals(List.of(), ids(new ListQuery(null, null, null, null, 10, null, expires)));
        assertEquals(List.of(job.requestId()), ids(new ListQuery(null, null, null, null, 10, null, null)));
    }

    @Test
    void aListingNeedsAPositiveLimit() {
        assertThrows(IllegalArgumentException.class,
                () -> store.list(tenant, new ListQuery(null, null, null, null, 0, null)));
    }

    @Test
    void aJobKeepsItsWebhookSubscription() {
        WebhookSubscription subscription = WebhookSubscription.of("https://hooks.example.com/in?token=abc",
                List.of(WebhookEvent.START, WebhookEvent.COMPLETED));
        Job job = queued("w", T0).withWebhook(subscription);
        assertTrue(store.create(job));
        Job stored = store.get(job.requestId()).orElseThrow();
        assertEquals(subscription, stored.webhook());
        assertNull(stored.webhookStart());
        assertNull(stored.webhookCompleted());
        assertNull(created("plain", T0).webhook(), "a job without a webhook has none");
        assertNull(store.get(prefix + "plain").orElseThrow().webhook());
    }

    @Test
    void webhookDeliveriesAreRecordedWithoutTouchingTheJobAndNeverGoBack() {
        Job job = queued("d", T0).withWebhook(WebhookSubscription.of("https://hooks.example.com/",
                List.of(WebhookEvent.COMPLETED)));
        assertTrue(store.create(job));
        Instant at = T0.plusSeconds(5).truncatedTo(ChronoUnit.MILLIS);
        DeliveryRecord first = new DeliveryRecord(DeliveryRecord.State.PENDING, 1, 503, at, "answered HTTP 503");
        assertTrue(store.recordWebhook(job.requestId(), WebhookEvent.COMPLETED, first));
        DeliveryRecord second = new DeliveryRecord(DeliveryRecord.State.DELIVERED, 2, 200, at.plusSeconds(5), null);
        assertTrue(store.recordWebhook(job.requestId(), WebhookEvent.COMPLETED, second));
        assertFalse(store.recordWebhook(job.requestId(), WebhookEvent.COMPLETED, first), "an older attempt's record");
        assertFalse(store.recordWebhook(job.requestId(), WebhookEvent.COMPLETED,
                new DeliveryRecord(DeliveryRecord.State.PENDING, 3, null, at.plusSeconds(9), "timed out")),
                "nothing replaces a final record");
        Job stored = store.get(job.requestId()).orElseThrow();
        assertEquals(second, stored.webhookCompleted());
        assertNull(stored.webhookStart(), "each event keeps its own record");
        assertEquals(JobStatus.QUEUED, stored.status());
        assertEquals(job.updatedAt().truncatedTo(ChronoUnit.MILLIS), stored.updatedAt(), "updated_at is the job's");

        DeliveryRecord start = new DeliveryRecord(DeliveryRecord.State.FAILED, 8, null, at, "did not answer");
        assertTrue(store.recordWebhook(job.requestId(), WebhookEvent.START, start));
        assertEquals(start, store.get(job.requestId()).orElseThrow().webhookStart());
        assertEquals(second, store.get(job.requestId()).orElseThrow().webhookCompleted());
        assertFalse(store.recordWebhook(prefix + "gone", WebhookEvent.COMPLETED, first), "no job, nothing written");
        assertTrue(store.get(prefix + "gone").isEmpty());
    }

    @Test
    void theWorkersWritesKeepTheWebhook() {
        Job job = queued("k", T0).withWebhook(WebhookSubscription.of("https://hooks.example.com/",
                List.of(WebhookEvent.COMPLETED)));
        assertTrue(store.create(job));
        DeliveryRecord pending = new DeliveryRecord(DeliveryRecord.State.PENDING, 1, null,
                T0.plusSeconds(1).truncatedTo(ChronoUnit.MILLIS), "timed out");
        assertTrue(store.recordWebhook(job.requestId(), WebhookEvent.COMPLETED, pending));
        Job claimed = store.claim(job.requestId(), T0.plusSeconds(2), T0.plusSeconds(60)).orElseThrow();
        assertEquals(job.webhook(), claimed.webhook());
        assertTrue(store.complete(job.requestId(), claimed.attempts(), outcome(), 1, T0.plusSeconds(3)));
        Job done = store.get(job.requestId()).orElseThrow();
        assertEquals(JobStatus.SUCCESS, done.status());
        assertEquals(job.webhook(), done.webhook());
        assertEquals(pending, done.webhookCompleted());
    }

    private List<String> ids(ListQuery query) {
        JobPage page = store.list(tenant, query);
        assertNotNull(page.jobs());
        return page.jobs().stream().map(Job::requestId).toList();
    }
}
