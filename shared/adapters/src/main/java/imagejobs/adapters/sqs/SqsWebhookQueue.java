package imagejobs.adapters.sqs;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import imagejobs.adapters.aws.AwsFailures;
import imagejobs.shared.errors.DependencyFailure;
import imagejobs.shared.errors.DependencyFailure.Dependency;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.webhooks.WebhookMessage;
import imagejobs.shared.webhooks.WebhookQueue;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * {@link WebhookQueue} on SQS: the delivery queue (one message per attempt, delayed with DelaySeconds) and its
 * dead-letter queue. First attempts go out with SendMessageBatch, ten per call, each entry's failure reported
 * back so that the stream consumer retries from the first change that was not sent.
 */
public final class SqsWebhookQueue implements WebhookQueue {
    /** SendMessageBatch takes at most ten entries. */
    static final int BATCH = 10;
    private static final StructuredLog LOG = StructuredLog.get(SqsWebhookQueue.class);

    private final SqsClient sqs;
    private final String queueUrl;
    private final String deadLetterQueueUrl;

    public SqsWebhookQueue(SqsClient sqs, String queueUrl, String deadLetterQueueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.deadLetterQueueUrl = deadLetterQueueUrl;
    }

    @Override
    public void send(WebhookMessage message, int delaySeconds) {
        int delay = Math.max(0, Math.min(MAX_DELAY_SECONDS, delaySeconds));
        AwsFailures.run(Dependency.QUEUE, () -> sqs.sendMessage(r -> r.queueUrl(queueUrl)
                .messageBody(message.toJson()).delaySeconds(delay)));
    }

    @Override
    public List<WebhookMessage> sendAll(List<WebhookMessage> messages) {
        List<WebhookMessage> unsent = new ArrayList<>();
        for (int start = 0; start < messages.size(); start += BATCH) {
            List<WebhookMessage> chunk = messages.subList(start, Math.min(messages.size(), start + BATCH));
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>(chunk.size());
            for (int i = 0; i < chunk.size(); i++) {
                entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i))
                        .messageBody(chunk.get(i).toJson()).build());
            }
            SendMessageBatchResponse response;
            try {
                response = AwsFailures.call(Dependency.QUEUE,
                        () -> sqs.sendMessageBatch(r -> r.queueUrl(queueUrl).entries(entries)));
            } catch (DependencyFailure e) {
                if (start == 0) {
                    throw e;
                }
                // The queue failed part-way: what is left is reported unsent (the caller retries from there).
                LOG.warn("webhook batch send failed; the rest is reported unsent", "unsent", messages.size() - start);
                unsent.addAll(messages.subList(start, messages.size()));
                return unsent;
            }
            Set<String> failed = new HashSet<>();
            for (BatchResultErrorEntry error : response.failed()) {
                failed.add(error.id());
                LOG.warn("webhook message not enqueued", "code", error.code(), "sender_fault", error.senderFault());
            }
            for (int i = 0; i < chunk.size(); i++) {
                if (failed.contains(Integer.toString(i))) {
                    unsent.add(chunk.get(i));
                }
            }
        }
        return unsent;
    }

    @Override
    public void giveUp(WebhookMessage message) {
        AwsFailures.run(Dependency.QUEUE, () -> sqs.sendMessage(r -> r.queueUrl(deadLetterQueueUrl)
                .messageBody(message.toJson())));
    }
}
