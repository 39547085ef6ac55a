package imagejobs.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;

import imagejobs.shared.log.Metrics;
import imagejobs.shared.webhooks.WebhookDispatch;
import imagejobs.testing.InMemoryWebhookQueue;

/** The stream handler over the sample event: what is enqueued, and where the stream is read again after a failure. */
class WebhookDispatchHandlerTest {
    private final InMemoryWebhookQueue queue = new InMemoryWebhookQueue();
    private final WebhookDispatchHandler handler = new WebhookDispatchHandler(new WebhookDispatch(queue, Metrics.NONE));

    private List<String> sent() {
        return queue.sent.stream().map(s -> s.message().requestId().substring(25) + ":" + s.message().event().wire()
                + ":" + s.message().attempt()).toList();
    }

    @Test
    void eachEventFiredIsEnqueuedOnceAsAFirstAttemptAndNothingIsReportedFailed() {
        StreamsEventResponse response = handler.handleRequest(StreamRecordsTest.event(), null);

        assertEquals(List.of(), response.getBatchItemFailures());
        assertEquals(List.of("A:start:1", "A:completed:1", "C:completed:1", "D:completed:1"), sent());
        queue.sent.forEach(s -> assertEquals(0, s.delaySeconds()));
    }

    @Test
    void anEventTheQueueRefusedNamesItsRecordSoTheStreamIsReadAgainFromThere() {
        queue.refuse = m -> m.requestId().equals(StreamRecordsTest.C);

        StreamsEventResponse response = handler.handleRequest(StreamRecordsTest.event(), null);

        assertEquals(List.of(StreamRecordsTest.sequence(7)), response.getBatchItemFailures().stream()
                .map(StreamsEventResponse.BatchItemFailure::getItemIdentifier).toList());
        assertEquals(List.of("A:start:1", "A:completed:1", "D:completed:1"), sent());
    }

    @Test
    void aQueueThatIsDownNamesTheFirstRecordThatFiredAnything() {
        queue.failure = new IllegalStateException("the webhook queue (SQS) is unavailable");

        StreamsEventResponse response = handler.handleRequest(StreamRecordsTest.event(), null);

        assertEquals(List.of(StreamRecordsTest.sequence(3)), response.getBatchItemFailures().stream()
                .map(StreamsEventResponse.BatchItemFailure::getItemIdentifier).toList());
    }
}
