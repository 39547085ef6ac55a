package imagejobs.shared.queue;

import java.time.Duration;

/** The jobs queue. Messages carry the job id only (claim check): the job itself lives in the jobs table. */
public interface JobQueue {
    /** SQS: the longest DelaySeconds of one SendMessage. */
    int MAX_DELAY_SECONDS = 900;

    void send(String requestId);

    /**
     * {@link #send(String)} with the tenant as the message group, as every re-send carries it ({@link #sendDelayed}):
     * on an SQS standard queue the group makes it a fair queue, so that one tenant's backlog does not delay the
     * others' first deliveries. Queues without groups just send.
     */
    default void send(String requestId, String groupId) {
        send(requestId);
    }

    /**
     * Sends the job's message again, carrying {@code waitToken} and visible after {@code delaySeconds} (0..900): a job
     * waiting for a Gemini slot. {@code groupId} (the tenant) is the message group: SQS fair queues use it to keep one
     * tenant's backlog from delaying the others; nothing here depends on it.
     */
    default void sendDelayed(String requestId, String waitToken, int delaySeconds, String groupId) {
        throw new UnsupportedOperationException("this queue does not send delayed messages");
    }

    /** Makes a received message visible again after {@code delay} (retry with backoff). */
    void retryAfter(String receiptHandle, Duration delay);
}
