package imagejobs.shared.webhooks;

import java.time.Instant;
import java.util.Locale;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.jobs.Timestamps;
import imagejobs.shared.json.Json;

/**
 * The delivery state of one event of a job, as the job keeps it (one record per event, written by the delivery
 * only, never touching the job's own status): {@code pending} until an attempt succeeds ({@code delivered}) or the
 * schedule gives up ({@code failed}); the number of attempts made, the last HTTP status (null when the last attempt
 * got no answer) and when the last attempt was made.
 */
public record DeliveryRecord(State state, int attempts, Integer lastStatus, Instant lastAttemptAt, String lastError) {

    public enum State {
        PENDING, DELIVERED, FAILED;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final DeliveryRecord NOT_YET = new DeliveryRecord(State.PENDING, 0, null, null, null);

    /** The record after attempt number {@code attempt} ended with {@code outcome} at {@code at}. */
    public static DeliveryRecord after(int attempt, DeliveryOutcome outcome, boolean gaveUp, Instant at) {
        State state = outcome.delivered() ? State.DELIVERED : gaveUp ? State.FAILED : State.PENDING;
        return new DeliveryRecord(state, attempt, outcome.status() == 0 ? null : outcome.status(), at,
                outcome.delivered() ? null : outcome.detail());
    }

    /**
     * Whether this record may replace {@code stored}: a later attempt's, never going back from a final state (a
     * duplicate or late queue message must not turn {@code delivered} into {@code pending}). The store's
     * conditional write applies the same rule.
     */
    public boolean supersedes(DeliveryRecord stored) {
        if (stored == null) {
            return true;
        }
        if (stored.state != State.PENDING) {
            return false;
        }
        return attempts > stored.attempts || (attempts == stored.attempts && state != State.PENDING);
    }

    /**
     * The job view's {@code webhook} object: {@code {url, events, state, attempts, last_status, last_attempt_at}}
     * (plus {@code last_error} after a failed attempt), for the event the client hears about last: {@code completed}
     * once it fired, else {@code start}.
     */
    public static ObjectNode view(WebhookSubscription subscription, DeliveryRecord start, DeliveryRecord completed) {
        DeliveryRecord shown = completed != null ? completed : start != null ? start : NOT_YET;
        ObjectNode node = Json.object();
        node.put("url", subscription.url());
        subscription.eventNames().forEach(node.putArray("events")::add);
        node.put("state", shown.state.wire());
        node.put("attempts", shown.attempts);
        if (shown.lastStatus == null) {
            node.putNull("last_status");
        } else {
            node.put("last_status", shown.lastStatus);
        }
        if (shown.lastAttemptAt == null) {
            node.putNull("last_attempt_at");
        } else {
            node.put("last_attempt_at", Timestamps.format(shown.lastAttemptAt));
        }
        if (shown.lastError != null) {
            node.put("last_error", shown.lastError);
        }
        return node;
    }
}
