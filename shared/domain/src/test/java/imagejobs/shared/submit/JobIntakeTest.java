package imagejobs.shared.submit;

import imagejobs.testing.MutableClock;
import imagejobs.testing.InMemoryObjectStore;
import imagejobs.testing.InMemoryJobQueue;
import imagejobs.testing.InMemoryJobStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.errors.DependencyFailure;
import imagejobs.shared.errors.DependencyFailure.Dependency;
import imagejobs.shared.errors.Rejection;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.RequestIds;
import imagejobs.shared.json.Json;
import imagejobs.shared.validation.CanonicalRequest;
import imagejobs.shared.validation.ImageReferences;
import imagejobs.shared.validation.RequestValidator;

/**
 * {@link JobIntake} on the in-memory stores: what ends up in the jobs table, the bucket and the queue, and what the
 * caller is told, for a good request, each failing dependency, an idempotent replay, and a job whose id comes from
 * its source (the edits path).
 */
class JobIntakeTest {
    private static final String BUCKET = "imagejobs-images-test";
    private static final String TENANT = "tenant-a";
    private static final RequestValidator VALIDATOR = new RequestValidator(ModelCatalog.load(),
            new ImageReferences(BUCKET));

    private final InMemoryJobStore jobs = new InMemoryJobStore();
    private final InMemoryJobQueue queue = new InMemoryJobQueue();
    private final InMemoryObjectStore objects = new InMemoryObjectStore(BUCKET);
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-02T10:15:30.250Z"));
    private final Settings settings = new Settings(new Environment(Map.of()));
    private final JobIntake intake = new JobIntake(new InputSpiller(objects), jobs, queue, settings, clock);

    private static CanonicalRequest request(String prompt) {
        return VALIDATOR.validateRequestQueue(Json.parse("{\"model\":\"gemini-2.5-flash-image\",\"payload\":"
                + "{\"prompt\":\"" + prompt + "\"}}"), TENANT);
    }

    private static CanonicalRequest withInlineImage() {
        return VALIDATOR.validateNative("gemini-2.5-flash-image", Json.parse("{\"contents\":[{\"parts\":[{\"text\":"
                + "\"edit\"},{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"" + TestImages.b64(TestImages.png())
                + "\"}}]}]}"), TENANT);
    }

    private static JobIntake.Submission submission(CanonicalRequest request, String keyHash) {
        return new JobIntake.Submission(TENANT, request, Job.SOURCE_API, keyHash);
    }

    private static DependencyFailure unreachable(Dependency dependency) {
        return new DependencyFailure(dependency, true, new RuntimeException("connect timed out"));
    }

    @Test
    void aRequestIsStoredQueuedThenSent() {
        JobIntake.Accepted accepted = intake.accept(submission(request("a fox"), null));

        assertFalse(accepted.replayed());
        Job stored = jobs.jobs.get(accepted.job().requestId());
        assertEquals(accepted.job(), stored);
        assertEquals(JobStatus.QUEUED, stored.status());
        assertEquals(TENANT, stored.tenant());
        assertEquals(Job.SOURCE_API, stored.source());
        assertTrue(stored.request().contains("a fox"), stored.request());
        assertEquals(clock.instant().plus(settings.retention()).getEpochSecond(), stored.expiresAt().getEpochSecond());
        assertEquals(List.of(stored.requestId()), queue.sent);
        assertEquals(TENANT, queue.groups.get(stored.requestId()), "the tenant is the message group (fair queues)");
    }

    @Test
    void inlineImagesGoToTheBucketNotTheJob() {
        Job job = intake.accept(submission(withInlineImage(), null)).job();
        String key = "inputs/" + TENANT + "/" + job.requestId() + "/0.png";
        assertTrue(objects.objects.containsKey(key), objects.objects.keySet().toString());
        assertFalse(job.request().contains("inlineData"), job.request());
        assertTrue(job.request().contains("s3://" + BUCKET + "/" + key), job.request());
    }

    @Test
    void storeWithoutEnqueueLeavesTheJobQueuedAndSendsNothing() {
        // The shape a route that runs the job inline uses: stored, then run, never queued.
        Job job = intake.store(submission(request("inline"), null)).job();
        assertEquals(JobStatus.QUEUED, jobs.jobs.get(job.requestId()).status());
        assertTrue(queue.sent.isEmpty());
    }

    @Test
    void aFailedUploadIs503AndStoresNothing() {
        objects.putFailure = unreachable(Dependency.OBJECT_STORE);
        Rejection refused = assertThrows(Rejection.class, () -> intake.accept(submission(withInlineImage(), null)));
        assertEquals(Rejection.Kind.UNAVAILABLE, refused.kind());
        assertEquals(JobIntake.STORAGE_UNAVAILABLE, refused.code());
        assertEquals(Duration.ofSeconds(1), refused.retryAfter());
        assertTrue(jobs.jobs.isEmpty());
        assertTrue(queue.sent.isEmpty());
    }

    @Test
    void aFailedJobWriteIs503AndSendsNothing() {
        jobs.createFailure = unreachable(Dependency.JOBS_TABLE);
        Rejection refused = assertThrows(Rejection.class, () -> intake.accept(submission(request("p"), null)));
        assertEquals(JobIntake.JOB_STORE_UNAVAILABLE, refused.code());
        assertFalse(refused.getMessage().contains("DependencyFailure") || refused.getMessage().contains("timed out"),
                refused.getMessage());
        assertTrue(jobs.jobs.isEmpty());
        assertTrue(queue.sent.isEmpty());
    }

    @Test
    void aJobWriteThatLandedBeforeFailingIsAbandonedAndItsKeyFreed() {
        jobs.createLandsThenFails = true;
        assertThrows(Rejection.class, () -> intake.accept(submission(request("p"), "key-hash-1")));
        Job job = jobs.jobs.values().iterator().next();
        assertEquals(JobStatus.FAILED, job.status());
        assertEquals(JobIntake.ENQUEUE_FAILED, job.error().code());
        assertTrue(jobs.bindings.isEmpty(), "the key is free for the retry");
        assertTrue(queue.sent.isEmpty());
    }

    @Test
    void aFailedSendMarksTheJobFailedReleasesTheKeyAndIs503() {
        queue.failure = unreachable(Dependency.QUEUE);
        Rejection refused = assertThrows(Rejection.class, () -> intake.accept(submission(request("p"), "key-hash-2")));

        assertEquals(Rejection.Kind.UNAVAILABLE, refused.kind());
        assertEquals(JobIntake.ENQUEUE_FAILED, refused.code());
        assertTrue(refused.getMessage().contains("nothing was queued"), refused.getMessage());
        Job job = jobs.jobs.values().iterator().next();
        assertEquals(JobStatus.FAILED, job.status());
        assertEquals(JobIntake.ENQUEUE_FAILED, job.error().code());
        assertEquals("the job could not be queued; submit it again", job.error().message());
        assertTrue(job.error().retryable());
        assertTrue(JobIntake.neverQueued(job));
        assertTrue(jobs.bindings.isEmpty());
    }

    @Test
    void markingTheUnqueuedJobFailedIsTriedAgainWhenTheStoreHiccups() {
        queue.failure = unreachable(Dependency.QUEUE);
        jobs.failUnfinishedFailures = JobIntake.FAIL_MARK_ATTEMPTS - 1;
        assertThrows(Rejection.class, () -> intake.accept(submission(request("p"), null)));
        assertTrue(jobs.withStatus(JobStatus.QUEUED).isEmpty(), "no queued job without a message");
        assertEquals(1, jobs.withStatus(JobStatus.FAILED).size());
    }

    @Test
    void theSameRequestUnderTheSameKeyIsAReplayOfTheFirstJob() {
        JobIntake.Accepted first = intake.accept(submission(request("a fox"), "key-hash-3"));
        clock.advance(Duration.ofMinutes(5));
        JobIntake.Accepted again = intake.accept(submission(request("a fox"), "key-hash-3"));

        assertTrue(again.replayed());
        assertEquals(first.job(), again.job());
        assertEquals(1, jobs.jobs.size());
        assertEquals(List.of(first.job().requestId()), queue.sent, "sent once");
    }

    @Test
    void anotherRequestUnderTheSameKeyIs409NamingTheFirstJob() {
        Job first = intake.accept(submission(request("a fox"), "key-hash-4")).job();
        Rejection refused = assertThrows(Rejection.class,
                () -> intake.accept(submission(request("a cat"), "key-hash-4")));
        assertEquals(Rejection.Kind.CONFLICT, refused.kind());
        assertEquals(JobIntake.IDEMPOTENCY_KEY_REUSED, refused.code());
        assertEquals("Idempotency-Key", refused.field());
        assertTrue(refused.getMessage().contains(first.requestId()), refused.getMessage());
        assertEquals(1, queue.sent.size());
    }

    @Test
    void aKeyStillBoundToAJobThatNeverQueuedMakesANewJob() {
        queue.failure = unreachable(Dependency.QUEUE);
        assertThrows(Rejection.class, () -> intake.accept(submission(request("p"), "key-hash-5")));
        Job failed = jobs.jobs.values().iterator().next();
        // As if the release had failed after the 503.
        jobs.bindings.put("key-hash-5", new InMemoryJobStore.Binding(failed.requestId(), failed.requestHash(),
                clock.instant().plusSeconds(3600)));
        queue.failure = null;

        JobIntake.Accepted retried = intake.accept(submission(request("p"), "key-hash-5"));

        assertFalse(retried.replayed());
        assertNotEquals(failed.requestId(), retried.job().requestId());
        assertEquals(List.of(retried.job().requestId()), queue.sent);
    }

    @Test
    void equalRequestsHashEquallyWhicheverFormTheyCameIn() {
        CanonicalRequest simple = request("edit");
        CanonicalRequest nativeForm = VALIDATOR.validateNative("gemini-2.5-flash-image",
                Json.parse("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"edit\"}]}]}"), TENANT);
        assertEquals(JobIntake.requestHash(simple), JobIntake.requestHash(nativeForm));
        assertNotEquals(JobIntake.requestHash(simple), JobIntake.requestHash(request("other")));
    }

    // The edits path: ids derived from the upload, so the source's next delivery recovers what failed here.

    private Job derivedJob(String name) {
        String requestId = RequestIds.fromName(name);
        InputSpiller.StoredRequest stored = intake.stage(TENANT, requestId, request("add a hat").gemini());
        return intake.queued(requestId, TENANT, "gemini-2.5-flash-image", Job.SOURCE_S3, "edits/" + TENANT + "/"
                + name, stored, null, clock.instant());
    }

    @Test
    void aDerivedJobIsAdmittedOnceAndSent() {
        Job job = derivedJob("cat.png");
        assertTrue(intake.admit(job));
        clock.advance(Duration.ofSeconds(30)); // a redelivery builds its job again, later
        assertFalse(intake.admit(derivedJob("cat.png")), "a second delivery finds the first job");
        assertTrue(intake.admit(job), "the first delivery's own write, sent again after a lost answer, counts as done");
        assertTrue(intake.enqueue(job.requestId(), job.tenant(), "the edit could not be queued; upload the image again"));
        assertEquals(List.of(job.requestId()), queue.sent);
        assertEquals(job.tenant(), queue.groups.get(job.requestId()));
        assertEquals(JobStatus.QUEUED, jobs.jobs.get(job.requestId()).status());
        assertEquals(Job.SOURCE_S3, jobs.jobs.get(job.requestId()).source());
    }

    @Test
    void aFailedStoreOfADerivedJobPropagatesForRedelivery() {
        DependencyFailure down = unreachable(Dependency.JOBS_TABLE);
        jobs.createFailure = down;
        Job job = derivedJob("down.png");
        assertSame(down, assertThrows(DependencyFailure.class, () -> intake.admit(job)));
        assertTrue(jobs.jobs.isEmpty());
        assertTrue(queue.sent.isEmpty());
    }

    @Test
    void aFailedSendOfADerivedJobMarksItFailedWithTheCallersMessage() {
        Job job = derivedJob("sqs.png");
        intake.admit(job);
        queue.failure = unreachable(Dependency.QUEUE);

        assertFalse(intake.enqueue(job.requestId(), job.tenant(), "the edit of edits/x could not be queued; upload the image again"));

        Job failed = jobs.jobs.get(job.requestId());
        assertEquals(JobStatus.FAILED, failed.status());
        assertEquals(JobIntake.ENQUEUE_FAILED, failed.error().code());
        assertEquals("the edit of edits/x could not be queued; upload the image again", failed.error().message());
        assertTrue(failed.error().retryable());
    }

    @Test
    void aDerivedJobThatCanBeNeitherSentNorMarkedThrowsSoItsSourceDeliversAgain() {
        Job job = derivedJob("both.png");
        intake.admit(job);
        queue.failure = unreachable(Dependency.QUEUE);
        jobs.failUnfinishedFailures = JobIntake.FAIL_MARK_ATTEMPTS;

        assertThrows(RuntimeException.class, () -> intake.enqueue(job.requestId(), job.tenant(), "not queued"));
        assertEquals(JobStatus.QUEUED, jobs.jobs.get(job.requestId()).status(), "still queued: the retry resends");

        queue.failure = null;
        assertTrue(intake.enqueue(job.requestId(), job.tenant(), "not queued"), "the redelivery's send");
        assertEquals(List.of(job.requestId()), queue.sent);
    }
}
