package imagejobs.shared.worker;

import imagejobs.testing.InMemoryJobStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.gemini.GeminiException;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;

/** The worker's decisions from the job's state, the time and the budget alone: no store, no queue, no Gemini. */
class LeaseRulesTest {
    private static final Instant T0 = Instant.parse("2026-01-10T12:00:00Z");
    private static final Duration LEASE = Duration.ofSeconds(360);
    private static final Duration BUDGET = Duration.ofSeconds(300);
    private final LeaseRules rules = new LeaseRules(new WorkerPolicy(3, LEASE,
            new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5), b -> 0)));

    private static Job queued() {
        return Job.queued("01JOB", "tenant-a", "gemini-2.5-flash-image", Job.SOURCE_API, null, "{}", null, "h", T0,
                T0.plus(Duration.ofDays(30)));
    }

    /** The job as a claim at {@code at} leaves it: processing, one more attempt, leased. */
    private static Job claimed(Job job, Instant at) {
        return new InMemoryJobStore() {
            {
                put(job);
            }
        }.claim(job.requestId(), at, at.plus(LEASE)).orElseThrow();
    }

    @Test
    void aDueQueuedJobIsClaimedWithALeaseAndTheMessageHiddenJustPastIt() {
        assertEquals(new Decision.Claim(), rules.beforeClaim(Optional.of(queued()), T0, BUDGET));
        assertEquals(new Decision.Claim(), rules.beforeClaim(Optional.of(queued()), T0, null), "no budget: unbounded");
        assertEquals(T0.plus(LEASE), rules.leaseUntil(T0));
        assertEquals(LEASE.plusSeconds(5), rules.visibilityWhileLeased());
    }

    @Test
    void anUnknownJobIsDropped() {
        assertEquals(new Decision.Drop(), rules.beforeClaim(Optional.empty(), T0, BUDGET));
    }

    @ParameterizedTest
    @CsvSource({"SUCCESS", "FAILED", "CANCELLED"})
    void aFinishedJobIsAcknowledged(JobStatus status) {
        assertEquals(new Decision.AlreadyFinished(status),
                rules.beforeClaim(Optional.of(queued().withStatus(status)), T0, BUDGET));
    }

    @Test
    void aLiveLeaseKeepsTheDuplicateUntilItEndsAndAnExpiredOneIsTakenOver() {
        Job held = claimed(queued(), T0);
        assertEquals(new Decision.WaitForLease(Duration.ofSeconds(301), T0.plus(LEASE)),
                rules.beforeClaim(Optional.of(held), T0.plusSeconds(60), BUDGET));
        assertEquals(new Decision.Claim(), rules.beforeClaim(Optional.of(held), T0.plus(LEASE), BUDGET));
    }

    @Test
    void aRequeuedJobWaitsForItsRetryAt() {
        InMemoryJobStore store = new InMemoryJobStore();
        store.put(claimed(queued(), T0));
        store.requeue("01JOB", 1, "RATE_LIMITED: slow down", T0.plusSeconds(7), T0);
        Job requeued = store.job("01JOB");
        assertEquals(new Decision.WaitForRetryAt(Duration.ofSeconds(4)),
                rules.beforeClaim(Optional.of(requeued), T0.plusSeconds(3), BUDGET));
        assertEquals(new Decision.Claim(), rules.beforeClaim(Optional.of(requeued), T0.plusSeconds(7), BUDGET));
    }

    @Test
    void tooLittleBudgetReturnsTheMessageUnclaimed() {
        assertEquals(new Decision.ReturnUnclaimed(Duration.ofSeconds(1), Duration.ofSeconds(29)),
                rules.beforeClaim(Optional.of(queued()), T0, Duration.ofSeconds(29)), "20 s margin + 10 s call > 29 s");
        assertEquals(new Decision.Claim(), rules.beforeClaim(Optional.of(queued()), T0, Duration.ofSeconds(30)));
    }

    @Test
    void aLostClaimDecidesFromTheJobAsItIsNow() {
        assertEquals(new Decision.LostClaimRace(Duration.ofSeconds(1)), rules.lostClaim(Optional.empty(), T0));
        assertEquals(new Decision.LostClaimRace(Duration.ofSeconds(1)), rules.lostClaim(Optional.of(queued()), T0));
        assertEquals(new Decision.AlreadyFinished(JobStatus.CANCELLED),
                rules.lostClaim(Optional.of(queued().withStatus(JobStatus.CANCELLED)), T0));
        assertInstanceOf(Decision.WaitForLease.class, rules.lostClaim(Optional.of(claimed(queued(), T0)), T0));
    }

    @Test
    void aClosedGateReturnsTheMessageAfterItsWait() {
        assertEquals(new Decision.GateClosed(Duration.ofSeconds(3)), rules.gateClosed(Duration.ofSeconds(3)));
    }

    @Test
    void aStoreOutageBeforeTheClaimBringsTheMessageBackAfterTheThirdBackoffStep() {
        assertEquals(new Decision.StoreUnavailable(Duration.ofSeconds(8), "UncheckedIOException"),
                rules.storeUnavailable(new UncheckedIOException("down", new java.io.IOException())));
    }

    @Test
    void claimsBeyondTheCapFailAsWorkerFailedWithTheLastError() {
        Job job = queued();
        for (int i = 0; i < 3; i++) {
            job = claimed(job, T0.plus(LEASE.multipliedBy(2L * i)));
        }
        assertEquals(Optional.empty(), rules.beyondCap(job), "the third attempt is within the cap");
        Job fourth = claimed(job, T0.plus(LEASE.multipliedBy(8)));
        Decision.Fail fail = assertInstanceOf(Decision.Fail.class, rules.beyondCap(fourth).orElseThrow());
        assertEquals(new JobError("WORKER_FAILED", "gave up after 3 attempts; last error: the worker stopped before"
                + " finishing", true), fail.error());
        assertEquals(null, fail.countedFailure(), "nothing failed in this delivery");
    }

    @Test
    void anOutcomeCompletesWithItsOwnTimestampImagesAndLatency() {
        ObjectNode outcome = (ObjectNode) Json.parse("{\"images\":[{},{}],\"timings\":{\"completed_at\":"
                + "\"2026-01-10T12:00:20Z\",\"gemini_latency_ms\":20000}}");
        assertEquals(new Decision.Complete(outcome, 2, 20_000, T0.plusSeconds(20)), rules.complete(outcome, T0));
        ObjectNode bare = Json.object();
        assertEquals(new Decision.Complete(bare, 0, 0, T0), rules.complete(bare, T0), "no timings: now");
        assertEquals(new Decision.Complete(outcome, 2, 20_000, T0.plusSeconds(20)),
                rules.afterAttempt(claimed(queued(), T0), new JobAttempt.Result.Produced(outcome), T0));
    }

    @Test
    void aRejectionFailsAtOnceUncounted() {
        JobError refusal = new JobError("SAFETY_BLOCKED", "blocked", false);
        assertEquals(new Decision.Fail(refusal, null),
                rules.afterAttempt(claimed(queued(), T0), new JobAttempt.Result.Rejected(refusal), T0));
    }

    @Test
    void retryableUpstreamFailuresRequeueWithBackoffThenFailAtTheCap() {
        GeminiException limited = new GeminiException(GeminiException.Kind.RATE_LIMITED, 429, "HTTP 429: slow down",
                Duration.ofSeconds(7));
        Job first = claimed(queued(), T0);
        assertEquals(new Decision.Requeue("RATE_LIMITED: HTTP 429: slow down", Duration.ofSeconds(7), "upstream"),
                rules.afterAttempt(first, new JobAttempt.Result.UpstreamFailed(limited), T0), "Gemini's wait beats 2 s");
        GeminiException down = new GeminiException(GeminiException.Kind.UNAVAILABLE, 503, "HTTP 503", null);
        assertEquals(new Decision.Requeue("UPSTREAM_UNAVAILABLE: HTTP 503", Duration.ofSeconds(2), "upstream"),
                rules.afterAttempt(first, new JobAttempt.Result.UpstreamFailed(down), T0));
        Job third = claimed(claimed(first, T0.plus(LEASE.multipliedBy(2))), T0.plus(LEASE.multipliedBy(4)));
        assertEquals(new Decision.Fail(new JobError("UPSTREAM_UNAVAILABLE", "gave up after 3 attempts: HTTP 503",
                true), "upstream"), rules.afterAttempt(third, new JobAttempt.Result.UpstreamFailed(down), T0));
    }

    @Test
    void nonRetryableUpstreamFailuresFailAtOnceUncounted() {
        GeminiException bad = new GeminiException(GeminiException.Kind.INVALID_REQUEST, 400, "HTTP 400: bad", null);
        assertEquals(new Decision.Fail(new JobError("INVALID_REQUEST", "HTTP 400: bad", false), null),
                rules.afterAttempt(claimed(queued(), T0), new JobAttempt.Result.UpstreamFailed(bad), T0));
    }

    @Test
    void crashesRequeueInTheClientsWordsThenFailAsWorkerFailed() {
        Job first = claimed(queued(), T0);
        Decision.Requeue requeue = assertInstanceOf(Decision.Requeue.class,
                rules.crashed(first, new IllegalStateException("NullPointer in x.y.Z")));
        assertEquals("an internal error in the worker (logged with the job's id)", requeue.lastError());
        assertEquals(Duration.ofSeconds(2), requeue.delay());
        assertEquals("crash", requeue.countedFailure());
        Job third = claimed(claimed(first, T0.plus(LEASE.multipliedBy(2))), T0.plus(LEASE.multipliedBy(4)));
        Decision.Fail fail = assertInstanceOf(Decision.Fail.class, rules.crashed(third, new IllegalStateException()));
        assertEquals("WORKER_FAILED", fail.error().code());
        assertTrue(fail.error().message().startsWith("gave up after 3 attempts; last error: an internal error"));
        assertEquals("crash", fail.countedFailure());
    }
}
