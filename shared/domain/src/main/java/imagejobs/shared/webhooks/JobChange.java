package imagejobs.shared.webhooks;

import java.util.List;

import imagejobs.shared.jobs.JobStatus;

/**
 * One write to a job as the jobs table's change stream reports it: the status before and after, the attempt count
 * after, and the job's subscription (null when it has none). {@code before} is null for a job just written,
 * {@code after} null for a job deleted (retention). What the change fires is decided here, from both sides, so
 * every path that ends a job is covered without any of them knowing about webhooks.
 */
public record JobChange(String requestId, String tenant, JobStatus before, JobStatus after, int attemptsAfter,
                        WebhookSubscription subscription) {

    /** The events this change fires, {@code start} before {@code completed}. */
    public List<WebhookEvent> events() {
        return WebhookEvents.fired(before, after, attemptsAfter, subscription);
    }
}
