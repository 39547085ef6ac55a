package imagejobs.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;

import imagejobs.shared.webhooks.WebhookMessage;
import imagejobs.shared.webhooks.WebhookQueue;

/**
 * The webhook delivery queue and its dead-letter queue in memory: every message sent, in order, with the delay it
 * was sent with. {@link #refuse} makes {@link #sendAll} report the matching messages as not sent (SendMessageBatch's
 * per-entry failures); {@link #failure} makes every call throw. {@link #take} hands out what a consumer would
 * receive next (tests drive the delivery by hand; delays are not waited for).
 */
public class InMemoryWebhookQueue implements WebhookQueue {
    /** One send: the message and its DelaySeconds. */
    public record Sent(WebhookMessage message, int delaySeconds) {
    }

    public final List<Sent> sent = Collections.synchronizedList(new ArrayList<>());
    public final List<WebhookMessage> deadLetters = Collections.synchronizedList(new ArrayList<>());
    public volatile Predicate<WebhookMessage> refuse = m -> false;
    public volatile RuntimeException failure;
    private final List<Sent> pending = new ArrayList<>();

    @Override
    public synchronized void send(WebhookMessage message, int delaySeconds) {
        if (failure != null) {
            throw failure;
        }
        if (delaySeconds < 0 || delaySeconds > MAX_DELAY_SECONDS) {
            throw new IllegalArgumentException("DelaySeconds must be 0 to " + MAX_DELAY_SECONDS + ": " + delaySeconds);
        }
        Sent s = new Sent(message, delaySeconds);
        sent.add(s);
        pending.add(s);
    }

    @Override
    public synchronized List<WebhookMessage> sendAll(List<WebhookMessage> messages) {
        if (failure != null) {
            throw failure;
        }
        List<WebhookMessage> unsent = new ArrayList<>();
        for (WebhookMessage message : messages) {
            if (refuse.test(message)) {
                unsent.add(message);
            } else {
                Sent s = new Sent(message, 0);
                sent.add(s);
                pending.add(s);
            }
        }
        return unsent;
    }

    @Override
    public synchronized void giveUp(WebhookMessage message) {
        if (failure != null) {
            throw failure;
        }
        deadLetters.add(message);
    }

    /** The oldest message not taken yet, or null. */
    public synchronized Sent take() {
        return pending.isEmpty() ? null : pending.remove(0);
    }

    /** Messages sent and not taken yet. */
    public synchronized int waiting() {
        return pending.size();
    }
}
