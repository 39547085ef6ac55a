package imagejobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;

import imagejobs.local.fixtures.SqsFixtureHandler;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * The SQS event source against ElasticMQ and a fixture handler. The fixture queues have a 1-second visibility
 * timeout, so a failed message comes back within about a second.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SqsEventSourceIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static LocalStack stack;

    @BeforeAll
    static void start() {
        stack = LocalStack.start(FixtureStack.config().build());
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static String unique(String prefix) {
        return prefix + UUID.randomUUID();
    }

    private static void send(String queue, String... bodies) {
        List<SendMessageBatchRequestEntry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < bodies.length; i++) {
            entries.add(SendMessageBatchRequestEntry.builder().id("m" + i).messageBody(bodies[i]).build());
        }
        stack.sqs().sendMessageBatch(r -> r.queueUrl(stack.queueUrl(queue)).entries(entries));
    }

    private static boolean empty(String queue) {
        Map<QueueAttributeName, String> a = stack.sqs().getQueueAttributes(r -> r.queueUrl(stack.queueUrl(queue))
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return "0".equals(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                && "0".equals(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    @Test
    void reportedItemFailuresComeBackAndTheRestIsDeleted() {
        String failing = unique("fail-once:");
        String fine = unique("ok:");
        send("WorkQueue", failing, fine);
        Deadline.await(WAIT, "the failed message's second delivery",
                () -> SqsFixtureHandler.deliveries(failing).size() >= 2);
        Deadline.await(WAIT, "WorkQueue to empty", () -> empty("WorkQueue"));
        assertEquals(List.of(1, 2), SqsFixtureHandler.deliveries(failing));
        assertEquals(List.of(1), SqsFixtureHandler.deliveries(fine), "the message that succeeded was deleted");
    }

    @Test
    void aFunctionErrorFailsTheWholeBatch() {
        String boom = unique("boom-once:");
        String companion = unique("ok:");
        send("BatchQueue", boom, companion);
        Deadline.await(WAIT, "both messages delivered twice", () -> SqsFixtureHandler.deliveries(boom).size() >= 2
                && SqsFixtureHandler.deliveries(companion).size() >= 2);
        Deadline.await(WAIT, "BatchQueue to empty", () -> empty("BatchQueue"));
        assertEquals(List.of(1, 2), SqsFixtureHandler.deliveries(companion),
                "the message that did nothing wrong came back with its batch");
    }

    @Test
    void aPoisonMessageEndsInTheDeadLetterQueueAfterMaxReceiveCount() {
        String poison = unique("poison:");
        send("WorkQueue", poison);
        String dlq = stack.queueUrl("WorkDeadLetterQueue");
        assertTrue(dlq.endsWith("/000000000000/imagejobs-work-dlq"), dlq);
        Message[] dead = new Message[1];
        Deadline.await(WAIT, "the poison message in the dead-letter queue", () -> {
            List<Message> messages = stack.sqs().receiveMessage(r -> r.queueUrl(dlq).maxNumberOfMessages(10)
                    .waitTimeSeconds(1)).messages();
            messages.stream().filter(m -> m.body().equals(poison)).findFirst().ifPresent(m -> dead[0] = m);
            return dead[0] != null;
        });
        assertEquals(List.of(1, 2), SqsFixtureHandler.deliveries(poison), "maxReceiveCount is 2");
    }

    @Test
    void withoutReportBatchItemFailuresASuccessfulInvocationDeletesEverything() {
        String reported = unique("poison:");
        send("PlainQueue", reported);
        Deadline.await(WAIT, "PlainQueue to be processed", () -> !SqsFixtureHandler.deliveries(reported).isEmpty());
        Deadline.await(WAIT, "PlainQueue to empty", () -> empty("PlainQueue"));
        assertEquals(List.of(1), SqsFixtureHandler.deliveries(reported),
                "item failures are ignored unless the event source reports them");
    }

    @Test
    void theHandlerGetsLambdasSqsEvent() {
        String body = unique("ok:");
        stack.sqs().sendMessage(r -> r.queueUrl(stack.queueUrl("WorkQueue")).messageBody(body)
                .messageAttributes(Map.of("kind", MessageAttributeValue.builder().dataType("String")
                        .stringValue("fixture").build())));
        Deadline.await(WAIT, "the message", () -> !SqsFixtureHandler.deliveries(body).isEmpty());
        SQSEvent.SQSMessage message = SqsFixtureHandler.EVENTS.stream().flatMap(e -> e.getRecords().stream())
                .filter(m -> m.getBody().equals(body)).findFirst().orElseThrow();
        assertEquals("aws:sqs", message.getEventSource());
        assertEquals(stack.queueArn("WorkQueue"), message.getEventSourceArn());
        assertEquals("us-east-1", message.getAwsRegion());
        assertEquals("1", message.getAttributes().get("ApproximateReceiveCount"));
        assertTrue(message.getAttributes().containsKey("SentTimestamp"));
        assertTrue(message.getAttributes().containsKey("ApproximateFirstReceiveTimestamp"));
        assertEquals("fixture", message.getMessageAttributes().get("kind").getStringValue());
        assertEquals("String", message.getMessageAttributes().get("kind").getDataType());
        assertTrue(message.getMd5OfBody() != null && message.getReceiptHandle() != null);
    }
}
