package imagejobs.shared.queue;

import java.time.Duration;

/** The jobs queue. Messages carry the job id only (claim check): the job itself lives in the jobs table. */
public interface JobQueue {

    void send(String requestId);

    /** Makes a received message visible again after {@code delay} (retry with backoff). */
    void retryAfter(String receiptHandle, Duration delay);
}
