package imagejobs.shared.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.errors.DependencyFailure;
import imagejobs.shared.errors.DependencyFailure.Dependency;
import imagejobs.testing.InMemoryJobStore;

/**
 * Nothing is lost when a dependency fails mid-submit: the caller gets a 503 to retry on, and no job is left queued
 * without a message (the failure is injected where the SQS, DynamoDB or S3 client would throw).
 */
class EnqueueFailureTest {
    private static final String BODY = "{\"model\":\"gemini-2.5-flash-image\",\"payload\":{\"prompt\":\"a fox\"}}";
    private final SubmitHarness harness = new SubmitHarness();

    private SubmitHarness.Answer post(String idempotencyKey, String body) {
        Map<String, String> headers = SubmitHarness.auth(SubmitHarness.KEY);
        headers.put("idempotency-key", idempotencyKey);
        return harness.call(SubmitHarness.REQUESTS, headers, body);
    }

    @Test
    void aFailedSendMarksTheJobFailedAndAnswers503() {
        harness.queue.failure = unreachable("Unable to execute HTTP request: connect timed out");

        SubmitHarness.Answer answer = harness.submit(BODY);

        assertEquals(503, answer.status());
        assertEquals("ENQUEUE_FAILED", answer.code());
        assertEquals("1", answer.headers().get("retry-after"));
        assertTrue(answer.message().contains("submit it again"), answer.message());
        assertEquals(1, harness.jobs.jobs.size(), "the job was written before the send");
        Job job = harness.jobs.jobs.values().iterator().next();
        assertEquals(JobStatus.FAILED, job.status());
        assertEquals("ENQUEUE_FAILED", job.error().code());
        assertTrue(job.error().retryable());
        assertTrue(harness.jobs.withStatus(JobStatus.QUEUED).isEmpty(), "no queued job without a message");
        assertTrue(harness.queue.sent.isEmpty());
    }

    @Test
    void theIdempotencyKeyIsReleasedSoTheRetryCreatesANewJob() {
        harness.queue.failure = unreachable("throttled");
        SubmitHarness.Answer failed = post("order-9", BODY);
        assertEquals(503, failed.status());
        assertTrue(harness.jobs.bindings.isEmpty(), "the key is free again");

        harness.queue.failure = null;
        SubmitHarness.Answer retried = post("order-9", BODY);

        assertEquals(202, retried.status());
        assertEquals(List.of(retried.requestId()), harness.queue.sent);
        assertEquals(1, harness.jobs.withStatus(JobStatus.QUEUED).size());
        assertEquals(1, harness.jobs.withStatus(JobStatus.FAILED).size());
        assertNull(retried.headers().get("idempotent-replayed"), "a new job, not a replay");
    }

    @Test
    void aKeyWhoseReleaseFailedIsStillFreeForTheRetry() {
        harness.queue.failure = unreachable("throttled");
        post("order-10", BODY);
        // The release did run in the fake; put the binding back, as if the release itself had failed.
        Job failed = harness.jobs.jobs.values().iterator().next();
        harness.jobs.bindings.put(IdempotencyKeys.hash(SubmitHarness.TENANT, "order-10"),
                new InMemoryJobStore.Binding(failed.requestId(), failed.requestHash(), harness.clock.instant().plusSeconds(3600)));
        harness.queue.failure = null;

        SubmitHarness.Answer retried = post("order-10", BODY);

        assertEquals(202, retried.status());
        assertNotEquals(failed.requestId(), retried.requestId());
        assertEquals(List.of(retried.requestId()), harness.queue.sent);
    }

    @Test
    void aFailedJobWriteIs503AndSendsNothing() {
        harness.jobs.createFailure = unreachable("DynamoDB unreachable");
        SubmitHarness.Answer answer = harness.submit(BODY);
        assertEquals(503, answer.status());
        assertEquals("JOB_STORE_UNAVAILABLE", answer.code());
        assertTrue(harness.jobs.jobs.isEmpty());
        assertTrue(harness.queue.sent.isEmpty());
    }

    @Test
    void aJobWriteThatLandedBeforeFailingIsNotLeftQueued() {
        harness.jobs.createLandsThenFails = true;
        SubmitHarness.Answer answer = post("order-11", BODY);
        assertEquals(503, answer.status());
        assertTrue(harness.jobs.withStatus(JobStatus.QUEUED).isEmpty(), "no queued job without a message");
        assertEquals(1, harness.jobs.withStatus(JobStatus.FAILED).size());
        assertTrue(harness.queue.sent.isEmpty());
    }

    @Test
    void aFailedUploadIs503AndStoresNoJob() {
        harness.objects.putFailure = unreachable("S3 unreachable");
        String body = "{\"contents\":[{\"parts\":[{\"text\":\"edit\"},{\"inlineData\":{\"mimeType\":\"image/png\","
                + "\"data\":\"" + TestImages.b64(TestImages.png()) + "\"}}]}]}";
        SubmitHarness.Answer answer = harness.generate("gemini-2.5-flash-image", body);
        assertEquals(503, answer.status());
        assertEquals("STORAGE_UNAVAILABLE", answer.code());
        harness.assertNothingPersisted("failed upload");
    }

    @Test
    void markingFailedIsRetriedWhenTheStoreHiccups() {
        harness.jobs.failUnfinishedFailures = SubmitService.FAIL_MARK_ATTEMPTS - 1;
        harness.queue.failure = unreachable("down");
        assertEquals(503, harness.submit(BODY).status());
        assertTrue(harness.jobs.withStatus(JobStatus.QUEUED).isEmpty());
        assertEquals(1, harness.jobs.withStatus(JobStatus.FAILED).size());
    }

    /** What the adapters throw when AWS cannot be reached (connection refused, timeout). */
    private static DependencyFailure unreachable(String what) {
        return new DependencyFailure(Dependency.OBJECT_STORE, true, new RuntimeException(what));
    }
}
