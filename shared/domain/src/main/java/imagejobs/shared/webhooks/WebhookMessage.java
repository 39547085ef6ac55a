package imagejobs.shared.webhooks;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/**
 * One message of the delivery queue: which job and event to deliver, the number of the attempt it makes, when the
 * first attempt was made (null until it is), and {@code notBefore}, the time the attempt is due when the wait is
 * longer than one queue delay allows: a message that arrives earlier is sent on again, delayed by what is left
 * ({@link #delaySeconds}). A claim check: the body, the URL and the secrets are read at delivery time.
 */
public record WebhookMessage(String requestId, String tenant, WebhookEvent event, int attempt, Instant firstAttemptAt,
                             Instant notBefore) {
    /** SQS's longest DelaySeconds: 15 minutes per send. */
    public static final int MAX_QUEUE_DELAY_SECONDS = 900;
    private static final Pattern ID = Pattern.compile("[0-9A-Za-z]{1,64}");
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    public WebhookMessage {
        if (requestId == null || !ID.matcher(requestId).matches() || tenant == null
                || !TENANT.matcher(tenant).matches() || event == null || attempt < 1) {
            throw new IllegalArgumentException("not a webhook delivery message");
        }
    }

    /** The first attempt's message for an event that just fired. */
    public static WebhookMessage first(String requestId, String tenant, WebhookEvent event) {
        return new WebhookMessage(requestId, tenant, event, 1, null, null);
    }

    public String webhookId() {
        return WebhookIds.of(requestId, event);
    }

    /** The message for the next attempt, due at {@code at}. */
    public WebhookMessage retry(int nextAttempt, Instant first, Instant at) {
        return new WebhookMessage(requestId, tenant, event, nextAttempt, first, at);
    }

    /** Whether the attempt is due at {@code now}. */
    public boolean due(Instant now) {
        return notBefore == null || !now.isBefore(notBefore);
    }

    /** The DelaySeconds to send this message with at {@code now}: what is left of the wait, at most one queue delay. */
    public int delaySeconds(Instant now) {
        if (notBefore == null || !now.isBefore(notBefore)) {
            return 0;
        }
        long millis = Duration.between(now, notBefore).toMillis();
        long seconds = (millis + 999) / 1000;
        return (int) Math.min(MAX_QUEUE_DELAY_SECONDS, seconds);
    }

    public String toJson() {
        ObjectNode node = Json.object();
        node.put("request_id", requestId);
        node.put("tenant", tenant);
        node.put("event", event.wire());
        node.put("attempt", attempt);
        if (firstAttemptAt != null) {
            node.put("first_attempt_at", firstAttemptAt.toString());
        }
        if (notBefore != null) {
            node.put("not_before", notBefore.toString());
        }
        return Json.write(node);
    }

    /** The message in {@code body}; empty when it is none of ours (logged and dropped by the caller). */
    public static Optional<WebhookMessage> fromJson(String body) {
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            if (node == null || !node.isObject()) {
                return Optional.empty();
            }
            Optional<WebhookEvent> event = WebhookEvent.fromWire(text(node, "event"));
            JsonNode attempt = node.get("attempt");
            if (event.isEmpty() || attempt == null || !attempt.canConvertToInt()) {
                return Optional.empty();
            }
            return Optional.of(new WebhookMessage(text(node, "request_id"), text(node, "tenant"), event.get(),
                    attempt.intValue(), instant(node, "first_attempt_at"), instant(node, "not_before")));
        } catch (java.io.IOException | IllegalArgumentException | DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static String text(JsonNode node, String name) {
        JsonNode value = node.get(name);
        return value == null || !value.isTextual() ? null : value.asText();
    }

    private static Instant instant(JsonNode node, String name) {
        String value = text(node, name);
        return value == null ? null : Instant.parse(value);
    }
}
