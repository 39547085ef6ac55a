package imagejobs.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import imagejobs.shared.webhooks.WebhookEvent;
import imagejobs.shared.webhooks.WebhookMessage;
import imagejobs.shared.webhooks.WebhookQueue;

/**
 * What every {@link WebhookQueue} does: run against the in-memory queue and against SqsWebhookQueue on ElasticMQ, so
 * the fake cannot drift. Receiving is the consumer's, so each subclass says how to read its delivery queue and its
 * dead-letter queue. Each test gets empty queues. Delays are the emulator test's business (the fake keeps no time).
 */
public abstract class WebhookQueueContract {
    private WebhookQueue queue;

    /** A delivery queue and a dead-letter queue, both empty; called before each test. */
    protected abstract WebhookQueue createQueue();

    /** The messages on the delivery queue, waiting (boundedly) until {@code expected} came. */
    protected abstract List<WebhookMessage> received(int expected);

    /** The messages on the dead-letter queue, waiting (boundedly) until {@code expected} came. */
    protected abstract List<WebhookMessage> deadLettered(int expected);

    @BeforeEach
    void newQueue() {
        queue = createQueue();
    }

    private static WebhookMessage first(int i) {
        return WebhookMessage.first("job" + i, "tenant-a", WebhookEvent.COMPLETED);
    }

    @Test
    void aRetryArrivesWithEveryFieldItWasSentWith() {
        WebhookMessage retry = WebhookMessage.first("job1", "tenant-a", WebhookEvent.START)
                .retry(3, Instant.parse("2026-12-04T10:00:00Z"), Instant.parse("2026-12-04T10:05:05Z"));

        queue.send(retry, 0);

        assertEquals(List.of(retry), received(1));
    }

    @Test
    void sendAllSendsEachMessageOnceAndReportsNoneUnsent() {
        List<WebhookMessage> all = IntStream.range(0, 25).mapToObj(WebhookQueueContract::first).toList();

        assertEquals(List.of(), queue.sendAll(all));

        List<WebhookMessage> got = received(25);
        assertEquals(25, got.size(), "none lost, none doubled: " + got);
        assertEquals(new HashSet<>(all), new HashSet<>(got));
    }

    @Test
    void sendAllOfNothingSendsNothing() {
        assertEquals(List.of(), queue.sendAll(List.of()));
        assertTrue(received(0).isEmpty());
    }

    @Test
    void aGivenUpDeliveryGoesToTheDeadLetterQueueOnly() {
        WebhookMessage last = first(9).retry(8, Instant.parse("2026-12-04T10:00:00Z"), null);

        queue.giveUp(last);

        assertEquals(List.of(last), deadLettered(1));
        assertTrue(received(0).isEmpty(), "not on the delivery queue");
    }
}
