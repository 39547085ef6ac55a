package imagejobs.shared.queue;

import java.time.Duration;

import software.amazon.awssdk.services.sqs.SqsClient;

/** {@link JobQueue} on SQS. */
public final class SqsJobQueue implements JobQueue {
    /** SQS caps a message's visibility timeout at 12 hours. */
    private static final long MAX_VISIBILITY_SECONDS = 12 * 3600;

    private final SqsClient sqs;
    private final String queueUrl;

    public SqsJobQueue(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    @Override
    public void send(String requestId) {
        sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(JobMessage.body(requestId)));
    }

    @Override
    public void retryAfter(String receiptHandle, Duration delay) {
        long seconds = Math.max(0, Math.min(MAX_VISIBILITY_SECONDS, (delay.toMillis() + 999) / 1000));
        sqs.changeMessageVisibility(r -> r.queueUrl(queueUrl).receiptHandle(receiptHandle)
                .visibilityTimeout((int) seconds));
    }
}
