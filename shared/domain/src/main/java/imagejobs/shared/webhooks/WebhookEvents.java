package imagejobs.shared.webhooks;

import java.util.ArrayList;
import java.util.List;

import imagejobs.shared.jobs.JobStatus;

/**
 * Which events a change of a job fires, decided from the job before and after the change (a DynamoDB stream
 * record's old and new image), whatever code path made it:
 * <ul>
 * <li>{@code start}: {@code queued → processing} on the first attempt (the worker's first claim); retries and lease
 *     take-overs fire nothing;</li>
 * <li>{@code completed}: any change into {@code success}, {@code failed} or {@code cancelled} from a status that was
 *     not final, or a job written already final (an S3 edit refused at intake). Nothing else ever fires it, so a
 *     job fires it once; a cancel that is refused (409) changes nothing and fires nothing.</li>
 * </ul>
 * Changes that keep the status (the delivery state itself, a lease extension) fire nothing.
 */
public final class WebhookEvents {
    private WebhookEvents() {
    }

    /**
     * @param before        the status before the change; null when the job was just written
     * @param after         the status after it; null when the job was deleted (retention)
     * @param attemptsAfter the job's attempt count after the change
     */
    public static List<WebhookEvent> fired(JobStatus before, JobStatus after, int attemptsAfter,
                                           WebhookSubscription subscription) {
        List<WebhookEvent> events = new ArrayList<>(1);
        if (subscription == null || after == null || before == after) {
            return events;
        }
        if (before == JobStatus.QUEUED && after == JobStatus.PROCESSING && attemptsAfter == 1
                && subscription.wants(WebhookEvent.START)) {
            events.add(WebhookEvent.START);
        }
        if (after.terminal() && (before == null || !before.terminal()) && subscription.wants(WebhookEvent.COMPLETED)) {
            events.add(WebhookEvent.COMPLETED);
        }
        return events;
    }
}
