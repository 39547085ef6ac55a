package imagejobs.shared.webhooks;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import imagejobs.shared.log.Metrics;
import imagejobs.shared.log.StructuredLog;

/**
 * Turns a batch of job changes (the jobs table's stream, in order) into first-attempt delivery messages. A change
 * whose message could not be sent is returned so that the caller (the stream's consumer) reports it as the batch
 * item failure: the stream is read again from there. Changes after it that were sent are sent again then; their
 * deliveries carry the same webhook-id and the delivery drops the duplicate attempt.
 */
public final class WebhookDispatch {
    public static final String EVENTS_DISPATCHED = "WebhookEventsDispatched";
    private static final StructuredLog LOG = StructuredLog.get(WebhookDispatch.class);

    private final WebhookQueue queue;
    private final Metrics metrics;

    public WebhookDispatch(WebhookQueue queue, Metrics metrics) {
        this.queue = queue;
        this.metrics = metrics;
    }

    /** Sends every event the changes fire; the first change (in the given order) whose event was not sent, if any. */
    public Optional<JobChange> dispatch(List<JobChange> changes) {
        List<WebhookMessage> messages = new ArrayList<>();
        List<JobChange> origins = new ArrayList<>();
        for (JobChange change : changes) {
            for (WebhookEvent event : change.events()) {
                messages.add(WebhookMessage.first(change.requestId(), change.tenant(), event));
                origins.add(change);
            }
        }
        if (messages.isEmpty()) {
            return Optional.empty();
        }
        List<WebhookMessage> unsent;
        try {
            unsent = queue.sendAll(messages);
        } catch (RuntimeException e) {
            LOG.error("webhook events not enqueued; the stream records will be read again", e,
                    "events", messages.size());
            return Optional.of(origins.get(0));
        }
        // Messages are values: the same (job, event) twice in one batch would be one identity, which is fine.
        Set<WebhookMessage> failed = new HashSet<>(unsent);
        JobChange firstFailed = null;
        for (int i = 0; i < messages.size(); i++) {
            WebhookMessage message = messages.get(i);
            if (failed.contains(message)) {
                if (firstFailed == null) {
                    firstFailed = origins.get(i);
                }
                continue;
            }
            metrics.emit(List.of(List.of("event")), Map.of("event", message.event().wire()),
                    new Metrics.Value(EVENTS_DISPATCHED, 1, Metrics.Unit.COUNT));
            LOG.info("webhook event enqueued", "job_id", message.requestId(), "tenant", message.tenant(),
                    "event", message.event().wire());
        }
        if (firstFailed != null) {
            LOG.warn("webhook events not enqueued; the stream records will be read again", "events", failed.size(),
                    "job_id", firstFailed.requestId());
        }
        return Optional.ofNullable(firstFailed);
    }
}
