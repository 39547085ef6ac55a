package imagejobs.shared.webhooks;

import java.util.Map;

/**
 * Sends one delivery: {@code POST url} with {@code content-type: application/json}, the given headers and body. The
 * implementation owns the network rules (addresses, time limit, no redirects, response body unread) and never
 * throws for what the receiver does: every receiver behaviour is a {@link DeliveryOutcome}.
 */
public interface WebhookSender {
    DeliveryOutcome send(String url, Map<String, String> headers, byte[] body);
}
