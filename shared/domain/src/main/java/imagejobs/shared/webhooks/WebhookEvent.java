package imagejobs.shared.webhooks;

import java.util.Locale;
import java.util.Optional;

/**
 * What a webhook can be sent for, as clients name it in {@code webhook_events_filter}: {@code start} once, when a
 * worker first takes the job, and {@code completed} once, when the job ends ({@code success}, {@code failed} or
 * {@code cancelled}).
 */
public enum WebhookEvent {
    START, COMPLETED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<WebhookEvent> fromWire(String value) {
        for (WebhookEvent e : values()) {
            if (e.wire().equals(value)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
