package imagejobs.adapters.sqs;

import java.time.Duration;

import software.amazon.awssdk.services.sqs.SqsClient;
import imagejobs.shared.queue.JobMessage;
import imagejobs.shared.queue.JobQueue;
import imagejobs.shared.errors.DependencyFailure.Dependency;
import imagejobs.adapters.aws.AwsFailures;

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
        AwsFailures.run(Dependency.QUEUE, () -> {
            sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(JobMessage.body(requestId)));
        });
    }

    @Override
    public void send(String requestId, String groupId) {
        AwsFailures.run(Dependency.QUEUE, () -> {
            sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(JobMessage.body(requestId)).messageGroupId(groupId));
        });
    }

    @Override
    public void sendDelayed(String requestId, String waitToken, int delaySeconds, String groupId) {
        int delay = Math.max(0, Math.min(JobQueue.MAX_DELAY_SECONDS, delaySeconds));
        AwsFailures.run(Dependency.QUEUE, () -> {
            sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(JobMessage.body(requestId, waitToken))
                    .delaySeconds(delay).messageGroupId(groupId));
        });
    }

    @Override
    public void retryAfter(String receiptHandle, Duration delay) {
        AwsFailures.run(Dependency.QUEUE, () -> {
            long seconds = Math.max(0, Math.min(MAX_VISIBILITY_SECONDS, (delay.toMillis() + 999) / 1000));
            sqs.changeMessageVisibility(r -> r.queueUrl(queueUrl).receiptHandle(receiptHandle)
                    .visibilityTimeout((int) seconds));
        });
    }
}
