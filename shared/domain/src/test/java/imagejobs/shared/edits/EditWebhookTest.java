package imagejobs.shared.edits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.validation.FieldError;
import imagejobs.shared.webhooks.WebhookEvent;
import imagejobs.shared.image.TestImages;

/** An S3 edit asks for a webhook in its object metadata. */
class EditWebhookTest {
    private final EditTriggerRig rig = new EditTriggerRig();
    private final byte[] png = TestImages.png(64, 48);

    private Job onlyJob(String key) {
        List<Job> jobs = rig.jobsFor(key);
        assertEquals(1, jobs.size(), "one job for " + key + ": " + jobs);
        return jobs.get(0);
    }

    @Test
    void theWebhookMetadataBecomesTheJobsSubscription() {
        S3Upload upload = rig.upload("edits/alpha/hook.png", png, Map.of("prompt", "add a hat",
                "webhook", "https://hooks.example.com/edits", "webhook-events-filter", "start, completed"));
        assertEquals(EditTrigger.Outcome.QUEUED, rig.trigger.handle(upload));
        Job job = onlyJob(upload.key());
        assertEquals("https://hooks.example.com/edits", job.webhook().url());
        assertEquals(Set.of(WebhookEvent.START, WebhookEvent.COMPLETED), job.webhook().events());
    }

    @Test
    void aRefusedEditStillTellsItsWebhook() {
        S3Upload upload = rig.upload("edits/alpha/nohat.png", png, Map.of("prompt", "p", "model", "gemini-0-image",
                "webhook", "https://hooks.example.com/edits"));
        assertEquals(EditTrigger.Outcome.FAILED, rig.trigger.handle(upload));
        Job job = onlyJob(upload.key());
        assertEquals(JobStatus.FAILED, job.status());
        assertEquals("https://hooks.example.com/edits", job.webhook().url(), "the failed job fires completed");
    }

    @Test
    void aBadWebhookIsAFailedJobNamingTheMetadata() {
        S3Upload upload = rig.upload("edits/alpha/ssrf.png", png, Map.of("prompt", "p",
                "webhook", "https://169.254.169.254/latest"));
        assertEquals(EditTrigger.Outcome.FAILED, rig.trigger.handle(upload));
        Job job = onlyJob(upload.key());
        assertEquals(FieldError.INVALID_WEBHOOK, job.error().code());
        assertTrue(job.error().message().contains("x-amz-meta-webhook"), job.error().message());
        assertNull(job.webhook());
        assertTrue(rig.sent.isEmpty());
    }
}
