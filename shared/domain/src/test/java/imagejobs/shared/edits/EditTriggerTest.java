package imagejobs.shared.edits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import imagejobs.shared.image.TestImages;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.validation.FieldError;
import imagejobs.shared.errors.DependencyFailure;
import imagejobs.shared.errors.DependencyFailure.Dependency;

/**
 * Every step of {@link EditTrigger#handle} after the tenant is known ends as one job, or (DynamoDB out of reach) as
 * an exception that makes Lambda deliver the event again.
 */
class EditTriggerTest {
    private final EditTriggerRig rig = new EditTriggerRig();
    private final byte[] png = TestImages.png(64, 48);

    private Job onlyJob(String key) {
        List<Job> jobs = rig.jobsFor(key);
        assertEquals(1, jobs.size(), "one job for " + key + ": " + jobs);
        return jobs.get(0);
    }

    @Test
    void aGoodUploadIsQueued() {
        S3Upload upload = rig.upload("edits/alpha/cat.png", png, Map.of("prompt", "add a hat"));
        String log = rig.capture(() -> assertEquals(EditTrigger.Outcome.QUEUED, rig.trigger.handle(upload)));
        Job job = onlyJob(upload.key());
        assertEquals(JobStatus.QUEUED, job.status());
        assertEquals(List.of(job.requestId()), rig.sent);
        assertTrue(job.request().contains("add a hat"), job.request());
        assertTrue(log.contains("\"" + EditTrigger.JOB_CREATED_METRIC + "\":1"), log);
    }

    @Test
    void aMalformedEncodedPromptIsAFailedJobNamingTheMetadata() {
        S3Upload upload = rig.upload("edits/alpha/q.png", png, Map.of("prompt", "=?UTF-8?Q?=ZZ?="));
        assertEquals(EditTrigger.Outcome.FAILED, rig.trigger.handle(upload));
        Job job = onlyJob(upload.key());
        assertEquals(JobStatus.FAILED, job.status());
        assertEquals(EditTrigger.INVALID_METADATA, job.error().code());
        assertTrue(job.error().message().startsWith("x-amz-meta-prompt is not readable text"), job.error().message());
        assertTrue(job.error().message().contains("'=ZZ'"), job.error().message());
        assertFalse(job.error().retryable());
        assertTrue(rig.sent.isEmpty(), "nothing queued, so Gemini is never called");
    }

    @Test
    void everyFieldTheTriggerReadsIsDecodedAndChecked() {
        S3Upload good = rig.upload("edits/alpha/enc.png", png, Map.of(
                "Prompt", "=?UTF-8?B?YWpvdXRlIHVuIGNoYXBlYXU=?=",
                "model", "=?UTF-8?Q?gemini-3-pro-image-preview?=",
                "aspect-ratio", "=?UTF-8?Q?16:9?=",
                "image-size", "=?UTF-8?Q?2K?="));
        assertEquals(EditTrigger.Outcome.QUEUED, rig.trigger.handle(good));
        Job job = onlyJob(good.key());
        assertEquals("gemini-3-pro-image-preview", job.model());
        assertTrue(job.request().contains("ajoute un chapeau") && job.request().contains("16:9")
                && job.request().contains("2K"), job.request());

        for (String field : List.of("model", "aspect-ratio", "image-size")) {
            S3Upload bad = rig.upload("edits/alpha/bad-" + field + ".png", png,
                    Map.of("prompt", "p", field, "=?NO-SUCH?Q?x?="));
            assertEquals(EditTrigger.Outcome.FAILED, rig.trigger.handle(bad), field);
            Job failed = onlyJob(bad.key());
            assertEquals(EditTrigger.INVALID_METADATA, failed.error().code(), field);
            assertTrue(failed.error().message().startsWith("x-amz-meta-" + field + " "), failed.error().message());
        }
    }

    @Test
    void malformedMetadataTheTriggerDoesNotReadIsLeftAlone() {
        S3Upload upload = rig.upload("edits/alpha/other.png", png,
                Map.of("prompt", "p", "author", "=?UTF-8?Q?=ZZ?="));
        assertEquals(EditTrigger.Outcome.QUEUED, rig.trigger.handle(upload));
    }

    @Test
    void aTenantWithOnlyDisabledKeysGetsNoJobButALogLineAndAMetric() {
        S3Upload upload = rig.upload("edits/gamma/cat.png", png, Map.of("prompt", "spend"));
        String log = rig.capture(() -> assertEquals(EditTrigger.Outcome.IGNORED, rig.trigger.handle(upload)));
        assertTrue(rig.jobs.jobs.isEmpty());
        assertTrue(rig.sent.isEmpty());
        assertTrue(log.contains("keys are all disabled"), log);
        assertTrue(log.contains("\"" + EditTrigger.INACTIVE_TENANT_METRIC + "\":1"), log);
        assertTrue(log.contains("\"tenant\":\"gamma\""), log);
    }

    @Test
    void anUnknownTenantGetsNoJobButALogLineAndAMetric() {
        S3Upload upload = rig.upload("edits/nobody/cat.png", png, Map.of("prompt", "p"));
        String log = rig.capture(() -> assertEquals(EditTrigger.Outcome.IGNORED, rig.trigger.handle(upload)));
        assertTrue(rig.jobs.jobs.isEmpty());
        assertTrue(log.contains("\"" + EditTrigger.UNKNOWN_TENANT_METRIC + "\":1"), log);
    }

    @Test
    void anObjectDeletedBeforeItsEventIsAFailedJob() {
        S3Upload upload = rig.upload("edits/alpha/gone.png", png, Map.of("prompt", "p"));
        rig.store.objects.remove(upload.key());
        assertEquals(EditTrigger.Outcome.FAILED, rig.trigger.handle(upload));
        Job job = onlyJob(upload.key());
        assertEquals(FieldError.INVALID_REFERENCE, job.error().code());
        assertTrue(job.error().message().contains("was deleted before the edit could read it"));
    }

    @Test
    void aTransientS3ErrorIsTriedAgainAndTheUploadIsQueued() {
        S3Upload upload = rig.upload("edits/alpha/blip.png", png, Map.of("prompt", "p"));
        rig.headFault.set(1, () -> new UncheckedIOException(new ConnectException("Connection refused")));
        rig.getFault.set(1, () -> unreachable("Unable to execute HTTP request"));
        assertEquals(EditTrigger.Outcome.QUEUED, rig.trigger.handle(upload));
        assertEquals(JobStatus.QUEUED, onlyJob(upload.key()).status());
        assertEquals(EditTrigger.RETRY_PAUSES, rig.pauses, "one pause per failed try");
    }

    @Test
    void s3OutOfReachOnEveryTryIsAFailedRetryableJob() {
        S3Upload upload = rig.upload("edits/alpha/down.png", png, Map.of("prompt", "p"));
        rig.headFault.set(100, () -> new UncheckedIOException(new IOException("no answer from S3")));
        assertEquals(EditTrigger.Outcome.FAILED, rig.trigger.handle(upload));
        Job job = onlyJob(upload.key());
        assertEquals(EditTrigger.SERVICE_UNAVAILABLE, job.error().code());
        assertTrue(job.error().retryable());
        assertTrue(job.error().message().contains("upload the image again"), job.error().message());
        assertEquals(EditTrigger.RETRY_PAUSES, rig.pauses);
        assertTrue(rig.sent.isEmpty());
    }

    @Test
    void aFailedSpillOfALargeRequestIsTriedAgainToo() {
        // A prompt long enough that the request document goes to S3 (inputs/) instead of the job item.
        S3Upload upload = rig.upload("edits/alpha/spill.png", png, Map.of("prompt", "x".repeat(110_000)));
        rig.putFault.set(1, () -> new UncheckedIOException(new IOException("PutObject: no answer")));
        assertEquals(EditTrigger.Outcome.QUEUED, rig.trigger.handle(upload));
        Job job = onlyJob(upload.key());
        assertTrue(job.requestKey() != null && rig.store.objects.containsKey(job.requestKey()), job.requestKey());
        assertEquals(EditTrigger.RETRY_PAUSES.subList(0, 1), rig.pauses);
    }

    @Test
    void anUnexpectedErrorIsAFailedJobAtOnceWithoutInternals() {
        S3Upload upload = rig.upload("edits/alpha/bug.png", png, Map.of("prompt", "p"));
        rig.headFault.set(100, () -> new NumberFormatException("For input string: \"ZZ\""));
        assertEquals(EditTrigger.Outcome.FAILED, rig.trigger.handle(upload));
        Job job = onlyJob(upload.key());
        assertEquals(EditTrigger.INTERNAL_ERROR, job.error().code());
        assertFalse(job.error().message().contains("NumberFormat"), job.error().message());
        assertFalse(job.error().message().contains("ZZ"), job.error().message());
        assertTrue(rig.pauses.isEmpty(), "a bug is not tried again");
    }

    @Test
    void dynamoDbOutOfReachFailsTheInvocationSoLambdaDeliversItAgain() {
        S3Upload upload = rig.upload("edits/alpha/dynamo.png", png, Map.of("prompt", "p"));
        DependencyFailure down = new DependencyFailure(Dependency.JOBS_TABLE, true, null);
        rig.jobsGetFault.set(1, () -> down);
        assertSame(down, assertThrows(DependencyFailure.class, () -> rig.trigger.handle(upload)));
        assertTrue(rig.jobs.jobs.isEmpty());

        rig.jobsCreateFault.set(1, () -> down);
        assertThrows(DependencyFailure.class, () -> rig.trigger.handle(upload));
        assertTrue(rig.jobs.jobs.isEmpty());

        assertEquals(EditTrigger.Outcome.QUEUED, rig.trigger.handle(upload), "the next delivery makes the job");
        assertEquals(1, rig.jobsFor(upload.key()).size());
    }

    @Test
    void aFailedEnqueueIsAFailedRetryableJob() {
        S3Upload upload = rig.upload("edits/alpha/sqs.png", png, Map.of("prompt", "p"));
        rig.sendFault.set(1, () -> unreachable("SQS unreachable"));
        assertEquals(EditTrigger.Outcome.FAILED, rig.trigger.handle(upload));
        Job job = onlyJob(upload.key());
        assertEquals(EditTrigger.ENQUEUE_FAILED, job.error().code());
        assertTrue(job.error().retryable());
    }

    @Test
    void aDuplicateOfAQueuedJobSendsAgainAndAFailedSendFailsTheJob() {
        S3Upload upload = rig.upload("edits/alpha/dup.png", png, Map.of("prompt", "p"));
        assertEquals(EditTrigger.Outcome.QUEUED, rig.trigger.handle(upload));
        assertEquals(EditTrigger.Outcome.REQUEUED, rig.trigger.handle(upload));
        assertEquals(2, rig.sent.size());
        rig.sendFault.set(1, () -> unreachable("SQS unreachable"));
        assertEquals(EditTrigger.Outcome.FAILED, rig.trigger.handle(upload));
        assertEquals(EditTrigger.ENQUEUE_FAILED, onlyJob(upload.key()).error().code(), "never queued without a message");
        assertEquals(EditTrigger.Outcome.DUPLICATE, rig.trigger.handle(upload));
    }

    @Test
    void uploadingTheSameKeyAgainIsANewJob() {
        S3Upload first = rig.upload("edits/alpha/ok1.png", png, Map.of("prompt", "p"));
        S3Upload second = rig.upload("edits/alpha/ok1.png", png, Map.of("prompt", "p"));
        assertEquals(EditTrigger.Outcome.QUEUED, rig.trigger.handle(first));
        assertEquals(EditTrigger.Outcome.QUEUED, rig.trigger.handle(second));
        assertEquals(2, rig.jobsFor("edits/alpha/ok1.png").size());
    }

    @Test
    void retryPausesFitWellInsideTheTimeout() {
        Duration total = EditTrigger.RETRY_PAUSES.stream().reduce(Duration.ZERO, Duration::plus);
        assertTrue(total.compareTo(Duration.ofSeconds(10)) < 0, total.toString());
    }

    /** What the adapters throw when AWS cannot be reached (connection refused, timeout). */
    private static DependencyFailure unreachable(String what) {
        return new DependencyFailure(Dependency.OBJECT_STORE, true, new RuntimeException(what));
    }
}
