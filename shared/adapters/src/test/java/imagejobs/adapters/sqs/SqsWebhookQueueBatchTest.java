package imagejobs.adapters.sqs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import imagejobs.shared.errors.DependencyFailure;
import imagejobs.shared.webhooks.WebhookEvent;
import imagejobs.shared.webhooks.WebhookMessage;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResultEntry;

/**
 * SendMessageBatch's per-entry failures, which the emulator never produces for valid bodies: a scripted client
 * fails chosen entries (or whole calls) and the queue must report exactly those messages as unsent, in order.
 */
class SqsWebhookQueueBatchTest {
    /** Fails the entries whose body names a job in {@code refused}; throws on call number {@code throwOnCall}. */
    private static final class ScriptedSqs implements SqsClient {
        final List<Integer> batchSizes = new ArrayList<>();
        final List<String> refused;
        final int throwOnCall;

        ScriptedSqs(List<String> refused, int throwOnCall) {
            this.refused = refused;
            this.throwOnCall = throwOnCall;
        }

        @Override
        public SendMessageBatchResponse sendMessageBatch(SendMessageBatchRequest request) {
            batchSizes.add(request.entries().size());
            if (batchSizes.size() == throwOnCall) {
                throw SdkClientException.create("connection reset");
            }
            List<SendMessageBatchResultEntry> ok = new ArrayList<>();
            List<BatchResultErrorEntry> failed = new ArrayList<>();
            for (SendMessageBatchRequestEntry entry : request.entries()) {
                String id = WebhookMessage.fromJson(entry.messageBody()).orElseThrow().requestId();
                if (refused.contains(id)) {
                    failed.add(BatchResultErrorEntry.builder().id(entry.id()).code("InternalError").senderFault(false)
                            .build());
                } else {
                    ok.add(SendMessageBatchResultEntry.builder().id(entry.id()).messageId("m-" + id).build());
                }
            }
            return SendMessageBatchResponse.builder().successful(ok).failed(failed).build();
        }

        @Override
        public String serviceName() {
            return "sqs";
        }

        @Override
        public void close() {
        }
    }

    private static List<WebhookMessage> messages(int n) {
        return IntStream.range(0, n).mapToObj(i -> WebhookMessage.first("job" + i, "tenant-a", WebhookEvent.COMPLETED))
                .toList();
    }

    @Test
    void twentyFiveMessagesGoOutInBatchesOfTenAndOnlyTheFailedEntriesAreReported() {
        ScriptedSqs sqs = new ScriptedSqs(List.of("job3", "job17"), 0);
        List<WebhookMessage> all = messages(25);

        List<WebhookMessage> unsent = new SqsWebhookQueue(sqs, "q", "dlq").sendAll(all);

        assertEquals(List.of(10, 10, 5), sqs.batchSizes);
        assertEquals(List.of(all.get(3), all.get(17)), unsent);
    }

    @Test
    void aCallThatFailsAfterTheFirstBatchReportsItAndEverythingAfterItUnsent() {
        ScriptedSqs sqs = new ScriptedSqs(List.of(), 2);
        List<WebhookMessage> all = messages(25);

        List<WebhookMessage> unsent = new SqsWebhookQueue(sqs, "q", "dlq").sendAll(all);

        assertEquals(List.of(10, 10), sqs.batchSizes, "no call after the failed one");
        assertEquals(all.subList(10, 25), unsent);
    }

    @Test
    void aFirstCallThatFailsIsTheQueueFailing() {
        ScriptedSqs sqs = new ScriptedSqs(List.of(), 1);
        DependencyFailure e = assertThrows(DependencyFailure.class,
                () -> new SqsWebhookQueue(sqs, "q", "dlq").sendAll(messages(3)));
        assertEquals(DependencyFailure.Dependency.QUEUE, e.dependency());
    }
}
