package imagejobs.shared.webhooks;

import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a job asked to be told and where: the webhook URL in its canonical spelling (as
 * {@link imagejobs.shared.reference.ReferenceUri} writes it) and the events wanted. Stored with the job at intake;
 * read by whatever decides which events a status change fires and by the delivery.
 */
public record WebhookSubscription(String url, Set<WebhookEvent> events) {
    /** {@code webhook_events_filter} when the client names none. */
    public static final Set<WebhookEvent> DEFAULT_EVENTS = Set.copyOf(EnumSet.of(WebhookEvent.COMPLETED));

    public WebhookSubscription {
        Objects.requireNonNull(url, "url");
        if (events == null || events.isEmpty()) {
            throw new IllegalArgumentException("a webhook subscription names at least one event");
        }
        events = Set.copyOf(EnumSet.copyOf(events));
    }

    public static WebhookSubscription of(String url, Collection<WebhookEvent> events) {
        return new WebhookSubscription(url, EnumSet.copyOf(events));
    }

    public boolean wants(WebhookEvent event) {
        return events.contains(event);
    }

    /** The events as clients write them, in a fixed order ({@code start} before {@code completed}). */
    public List<String> eventNames() {
        return EnumSet.copyOf(events).stream().map(WebhookEvent::wire).toList();
    }
}
