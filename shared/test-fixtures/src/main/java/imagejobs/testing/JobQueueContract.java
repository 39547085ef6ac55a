package imagejobs.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import imagejobs.shared.errors.DependencyFailure;
import imagejobs.shared.queue.JobMessage;
import imagejobs.shared.queue.JobQueue;
import imagejobs.testing.InMemoryJobQueue.Received;

/**
 * What every {@link JobQueue} does: run against the in-memory queue and against SqsJobQueue on ElasticMQ, so the fake
 * cannot drift from SQS's rules. The port only sends and delays; receiving is the consumer's (Lambda's), so each
 * subclass says how to receive from its queue. Each test gets an empty queue.
 */
public abstract class JobQueueContract {
    private JobQueue queue;

    /** An empty queue (visibility timeout 30 seconds); called before each test. */
    protected abstract JobQueue createQueue();

    /** Receives what is visible now, up to {@code max} messages, without waiting for more. */
    protected abstract List<Received> receive(JobQueue queue, int max);

    @BeforeEach
    void newQueue() {
        queue = createQueue();
    }

    @Test
    void aSentJobArrivesAsAClaimCheck() {
        queue.send("job-1");
        List<Received> got = receive(queue, 10);
        assertEquals(1, got.size());
        assertEquals(Optional.of("job-1"), JobMessage.requestId(got.get(0).body()));
        assertFalse(got.get(0).receiptHandle().isBlank());
    }

    @Test
    void aReceivedMessageStaysInvisible() {
        queue.send("job-1");
        assertEquals(1, receive(queue, 10).size());
        assertTrue(receive(queue, 10).isEmpty());
    }

    @Test
    void retryAfterZeroMakesTheMessageVisibleAgain() {
        queue.send("job-1");
        Received first = receive(queue, 10).get(0);
        queue.retryAfter(first.receiptHandle(), Duration.ZERO);
        List<Received> again = receive(queue, 10);
        assertEquals(1, again.size());
        assertEquals(first.body(), again.get(0).body());
    }

    @Test
    void retryAfterADelayKeepsTheMessageAway() {
        queue.send("job-1");
        Received first = receive(queue, 10).get(0);
        queue.retryAfter(first.receiptHandle(), Duration.ofMinutes(5));
        assertTrue(receive(queue, 10).isEmpty());
    }

    @Test
    void aDelayedMessageCarriesItsWaitTokenAndStaysAwayForItsDelay() {
        queue.sendDelayed("job-now", "token-1", 0, "tenant-a");
        queue.sendDelayed("job-later", "token-2", 600, "tenant-a");
        List<Received> got = receive(queue, 10);
        assertEquals(1, got.size());
        assertEquals(Optional.of("job-now"), JobMessage.requestId(got.get(0).body()));
        assertEquals(Optional.of("token-1"), JobMessage.waitToken(got.get(0).body()));
    }

    @Test
    void aJobSentWithItsTenantAsMessageGroupArrivesAsAClaimCheck() {
        queue.send("job-1", "tenant-a");
        List<Received> got = receive(queue, 10);
        assertEquals(1, got.size());
        assertEquals(Optional.of("job-1"), JobMessage.requestId(got.get(0).body()));
    }

    @Test
    void retryAfterAnUnknownReceiptHandleFailsForGood() {
        DependencyFailure failure = assertThrows(DependencyFailure.class,
                () -> queue.retryAfter("not-a-receipt-handle", Duration.ofSeconds(5)));
        assertEquals(DependencyFailure.Dependency.QUEUE, failure.dependency());
        assertFalse(failure.isTransient());
    }
}
