package imagejobs.shared.webhooks;

import static imagejobs.shared.jobs.JobStatus.CANCELLED;
import static imagejobs.shared.jobs.JobStatus.FAILED;
import static imagejobs.shared.jobs.JobStatus.PROCESSING;
import static imagejobs.shared.jobs.JobStatus.QUEUED;
import static imagejobs.shared.jobs.JobStatus.SUCCESS;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class WebhookEventsTest {
    private static final WebhookSubscription BOTH = new WebhookSubscription("https://h.example.com/",
            Set.of(WebhookEvent.START, WebhookEvent.COMPLETED));
    private static final WebhookSubscription COMPLETED_ONLY = new WebhookSubscription("https://h.example.com/",
            WebhookSubscription.DEFAULT_EVENTS);

    @Test
    void startFiresOnTheFirstClaimOnly() {
        assertEquals(List.of(WebhookEvent.START), WebhookEvents.fired(QUEUED, PROCESSING, 1, BOTH));
        assertEquals(List.of(), WebhookEvents.fired(QUEUED, PROCESSING, 2, BOTH), "a retry's claim");
        assertEquals(List.of(), WebhookEvents.fired(PROCESSING, PROCESSING, 2, BOTH), "a lease take-over");
        assertEquals(List.of(), WebhookEvents.fired(QUEUED, PROCESSING, 1, COMPLETED_ONLY), "not asked for");
    }

    @Test
    void completedFiresOnceOnEveryWayIntoAFinalStatus() {
        assertEquals(List.of(WebhookEvent.COMPLETED), WebhookEvents.fired(PROCESSING, SUCCESS, 1, BOTH));
        assertEquals(List.of(WebhookEvent.COMPLETED), WebhookEvents.fired(PROCESSING, FAILED, 3, COMPLETED_ONLY));
        assertEquals(List.of(WebhookEvent.COMPLETED), WebhookEvents.fired(QUEUED, FAILED, 0, BOTH),
                "dead-lettered or never queued");
        assertEquals(List.of(WebhookEvent.COMPLETED), WebhookEvents.fired(QUEUED, CANCELLED, 0, BOTH), "cancelled");
        assertEquals(List.of(WebhookEvent.COMPLETED), WebhookEvents.fired(null, FAILED, 0, BOTH),
                "an S3 edit refused at intake is written failed");
    }

    @Test
    void nothingElseFires() {
        assertEquals(List.of(), WebhookEvents.fired(null, QUEUED, 0, BOTH), "a new queued job");
        assertEquals(List.of(), WebhookEvents.fired(SUCCESS, SUCCESS, 1, BOTH), "the delivery state being written");
        assertEquals(List.of(), WebhookEvents.fired(PROCESSING, QUEUED, 1, BOTH), "a requeue after a 429");
        assertEquals(List.of(), WebhookEvents.fired(SUCCESS, null, 1, BOTH), "retention deleting the job");
        assertEquals(List.of(), WebhookEvents.fired(PROCESSING, SUCCESS, 1, null), "no webhook");
    }
}
