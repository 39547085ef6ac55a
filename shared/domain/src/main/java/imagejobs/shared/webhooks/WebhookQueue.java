package imagejobs.shared.webhooks;

import java.util.List;

/**
 * The delivery queue: one message per attempt (a retry is a new message sent with a delay), and the dead-letter
 * queue that keeps what was given up. Messages are claim checks ({@link WebhookMessage}): the body and the secrets
 * are read when the attempt is made.
 */
public interface WebhookQueue {
    /** SQS's longest DelaySeconds; longer waits are hops ({@link WebhookMessage#delaySeconds}). */
    int MAX_DELAY_SECONDS = WebhookMessage.MAX_QUEUE_DELAY_SECONDS;

    /** Sends one message, visible after {@code delaySeconds} (0 to {@link #MAX_DELAY_SECONDS}). */
    void send(WebhookMessage message, int delaySeconds);

    /**
     * Sends first-attempt messages, at once; returns those that were not sent (empty when all were), in the order
     * given. Throws only when nothing could be attempted at all.
     */
    List<WebhookMessage> sendAll(List<WebhookMessage> messages);

    /** Keeps a delivery the schedule gave up on in the dead-letter queue (ops look at it, the alarm counts it). */
    void giveUp(WebhookMessage message);
}
