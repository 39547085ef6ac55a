package imagejobs.local.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;

import imagejobs.local.Deadline;
import imagejobs.local.FixtureStack;
import imagejobs.local.LocalStack;
import imagejobs.local.console.StackSummary;
import imagejobs.local.fixtures.StreamRecordingHandler;
import imagejobs.local.resources.ResourceCreator;
import imagejobs.local.template.TableDefinition;
import imagejobs.local.template.FunctionDefinition.DynamoDbEventSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The DynamoDB stream poller on the stack's DynamoDB Local, with a fixture handler typed as the webhook dispatcher
 * ({@code RequestHandler<DynamodbEvent, StreamsEventResponse>}), so every field is read back through the Lambda
 * runtime's own DynamodbEvent serializer: a field sent under another name would arrive as null.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DynamoDbStreamPollerIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static LocalStack stack;

    @BeforeAll
    static void start() throws URISyntaxException {
        Path template = Path.of(DynamoDbStreamPollerIntegrationTest.class.getResource("/streams-template.yaml").toURI());
        stack = LocalStack.start(FixtureStack.config().template(template).build());
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static String table() {
        return stack.tableName("ItemsTable");
    }

    private static void put(String id, String mode, String status) {
        stack.dynamoDb().putItem(r -> r.tableName(table()).item(Map.of("id", AttributeValue.fromS(id),
                "mode", AttributeValue.fromS(mode), "status", AttributeValue.fromS(status),
                "count", AttributeValue.fromN("1"))));
    }

    private static void setStatus(String id, String status) {
        stack.dynamoDb().updateItem(r -> r.tableName(table()).key(Map.of("id", AttributeValue.fromS(id)))
                .updateExpression("SET #s = :s").expressionAttributeNames(Map.of("#s", "status"))
                .expressionAttributeValues(Map.of(":s", AttributeValue.fromS(status))));
    }

    /** Every record of the item that reached the handler, in delivery order (re-deliveries included). */
    private static List<DynamodbStreamRecord> deliveries(String id) {
        return StreamRecordingHandler.EVENTS.stream().flatMap(e -> e.getRecords().stream())
                .filter(r -> id.equals(r.getDynamodb().getKeys().get("id").getS())).toList();
    }

    private static String transition(DynamodbStreamRecord r) {
        StreamRecord s = r.getDynamodb();
        return r.getEventName() + " " + (s.getOldImage() == null ? "-" : s.getOldImage().get("status").getS())
                + "→" + s.getNewImage().get("status").getS();
    }

    @Test
    void insertAndModifyArriveInOrderInTheAwsEventShape() {
        String id = "item-" + UUID.randomUUID();
        put(id, "ok", "queued");
        setStatus(id, "processing");
        setStatus(id, "success");
        Deadline.await(WAIT, "three records of " + id, () -> deliveries(id).size() >= 3);

        List<DynamodbStreamRecord> records = deliveries(id);
        assertEquals(List.of("INSERT -→queued", "MODIFY queued→processing", "MODIFY processing→success"),
                records.stream().map(DynamoDbStreamPollerIntegrationTest::transition).toList());
        DynamoDbStreamPoller poller = stack.streamPollers().get(0);
        for (DynamodbStreamRecord r : records) {
            assertEquals("aws:dynamodb", r.getEventSource());
            assertEquals("1.1", r.getEventVersion());
            assertEquals("us-east-1", r.getAwsRegion());
            assertNotNull(r.getEventID());
            assertEquals(poller.streamArn(), r.getEventSourceARN());
            StreamRecord s = r.getDynamodb();
            assertEquals(Map.of("id", id), Map.of("id", s.getKeys().get("id").getS()));
            assertEquals("NEW_AND_OLD_IMAGES", s.getStreamViewType());
            assertNotNull(s.getSequenceNumber());
            assertTrue(s.getSizeBytes() != null && s.getSizeBytes() > 0, "SizeBytes " + s.getSizeBytes());
            assertTrue(s.getApproximateCreationDateTime().toInstant().isAfter(Instant.parse("2020-01-01T00:00:00Z")),
                    "ApproximateCreationDateTime " + s.getApproximateCreationDateTime());
            assertEquals("1", s.getNewImage().get("count").getN(), "numbers keep their N type");
        }
        assertNull(records.get(0).getDynamodb().getOldImage(), "an INSERT has no old image");
        assertEquals("ok", records.get(2).getDynamodb().getOldImage().get("mode").getS());
        assertTrue(poller.streamArn().startsWith("arn:aws:dynamodb:us-east-1:000000000000:table/" + table()
                + "/stream/"), poller.streamArn());
        assertTrue(records.get(0).getDynamodb().getSequenceNumber()
                .compareTo(records.get(2).getDynamodb().getSequenceNumber()) != 0);
    }

    @Test
    void aBatchItemFailureIsDeliveredAgainFromThatRecord() {
        String before = "before-" + UUID.randomUUID();
        String failing = "failing-" + UUID.randomUUID();
        String after = "after-" + UUID.randomUUID();
        put(before, "ok", "queued");
        put(failing, "fail-once", "queued");
        put(after, "ok", "queued");
        Deadline.await(WAIT, "the failed record's second delivery", () -> deliveries(failing).size() >= 2
                && !deliveries(after).isEmpty());

        assertEquals(1, deliveries(before).size(), "a record before the failed one is not delivered again");
        assertEquals(2, deliveries(failing).size());
        assertEquals(deliveries(failing).get(0).getDynamodb().getSequenceNumber(),
                deliveries(failing).get(1).getDynamodb().getSequenceNumber());
        // The invocation after the one that reported the failure starts at the failed record.
        int reported = indexOfEventWith(deliveries(failing).get(0));
        DynamodbStreamRecord firstOfRetry = StreamRecordingHandler.EVENTS.get(reported + 1).getRecords().get(0);
        assertEquals(failing, firstOfRetry.getDynamodb().getKeys().get("id").getS());
        assertTrue(deliveries(after).stream().allMatch(r -> "INSERT".equals(r.getEventName())));
    }

    @Test
    void aFunctionErrorDeliversTheWholeBatchAgain() {
        String boom = "boom-" + UUID.randomUUID();
        put(boom, "boom-once", "queued");
        Deadline.await(WAIT, "the record's second delivery", () -> deliveries(boom).size() >= 2);
        assertEquals(2, deliveries(boom).size());
    }

    private static int indexOfEventWith(DynamodbStreamRecord record) {
        for (int i = 0; i < StreamRecordingHandler.EVENTS.size(); i++) {
            if (StreamRecordingHandler.EVENTS.get(i).getRecords().contains(record)) {
                return i;
            }
        }
        throw new AssertionError("no event holds " + record);
    }

    @Test
    void closeStopsItsThreads() {
        DynamoDbEventSource source = new DynamoDbEventSource("ClosedByTest", "ItemsTable", table(), 10,
                "TRIM_HORIZON", 0, true, -1);
        DynamoDbStreamPoller poller = new DynamoDbStreamPoller(source, stack.function("ItemChangesFunction"),
                stack.dynamoDb(), stack.dynamoDbStreams(), stack.context().region(), stack.context().accountId(),
                DynamoDbStreamPoller.IDLE_POLL, new PrintStream(OutputStream.nullOutputStream()));
        poller.start();
        put("close-" + UUID.randomUUID(), "ok", "queued"); // gives the stream a shard if it had none
        Deadline.await(WAIT, "the poller's shard reader", () -> threads("stream-ItemChangesFunction-ClosedByTest-")
                .stream().anyMatch(n -> !n.endsWith("-shards")));
        assertTrue(poller.alive());
        poller.close();
        assertFalse(poller.alive());
        assertEquals(List.of(), threads("stream-ItemChangesFunction-ClosedByTest-"));
    }

    @Test
    void theBannerNamesTheStreamAndTheWebhookReceiver() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        new StackSummary(stack).print(new PrintStream(bytes, true, StandardCharsets.UTF_8), 0);
        String banner = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(banner.contains("DynamoDB stream ItemsTable -> ItemChangesFunction (batch 10, from the latest"
                + " record, partial failures)"), banner);
        assertTrue(banner.contains("webhooks: ./run-local webhooks listen (then \"webhook\":"
                + " \"http://127.0.0.1:3030/\")"), banner);
    }

    @Test
    void aKeptTableWithoutAStreamIsGivenTheTemplatesStream() {
        String name = "kept-" + UUID.randomUUID();
        stack.dynamoDb().createTable(r -> r.tableName(name).billingMode("PAY_PER_REQUEST")
                .attributeDefinitions(a -> a.attributeName("id").attributeType("S"))
                .keySchema(k -> k.attributeName("id").keyType("HASH")));
        TableDefinition declared = stack.definition().table("ItemsTable").orElseThrow();
        TableDefinition kept = new TableDefinition("KeptTable", name, declared.attributes(), declared.keySchema(),
                List.of(), List.of(), declared.billingMode(), null, null, "NEW_AND_OLD_IMAGES");

        new ResourceCreator(stack.dynamoDb(), stack.sqs(), stack.s3()).createTable(kept);

        var stream = stack.dynamoDb().describeTable(r -> r.tableName(name)).table().streamSpecification();
        assertTrue(stream != null && stream.streamEnabled(), "stream " + stream);
        assertEquals("NEW_AND_OLD_IMAGES", stream.streamViewTypeAsString());
    }

    @Test
    void aRestartOnItsDataDirectoryGoesOnFromTheLatestRecord(@TempDir Path data) throws URISyntaxException {
        Path template = Path.of(getClass().getResource("/streams-template.yaml").toURI());
        String before = "before-restart-" + UUID.randomUUID();
        String after = "after-restart-" + UUID.randomUUID();
        DynamoDbStreamPoller firstPoller;
        try (LocalStack first = LocalStack.start(FixtureStack.config().template(template).dataDir(data).build())) {
            firstPoller = first.streamPollers().get(0);
            first.dynamoDb().putItem(r -> r.tableName(first.tableName("ItemsTable")).item(Map.of(
                    "id", AttributeValue.fromS(before), "mode", AttributeValue.fromS("ok"),
                    "status", AttributeValue.fromS("queued"))));
            Deadline.await(WAIT, "the record before the restart", () -> deliveries(before).size() == 1);
        }
        assertFalse(firstPoller.alive(), "closing the stack stopped its stream poller");
        try (LocalStack second = LocalStack.start(FixtureStack.config().template(template).dataDir(data).build())) {
            second.dynamoDb().updateItem(r -> r.tableName(second.tableName("ItemsTable"))
                    .key(Map.of("id", AttributeValue.fromS(before))).updateExpression("SET #s = :s")
                    .expressionAttributeNames(Map.of("#s", "status"))
                    .expressionAttributeValues(Map.of(":s", AttributeValue.fromS("success"))));
            second.dynamoDb().putItem(r -> r.tableName(second.tableName("ItemsTable")).item(Map.of(
                    "id", AttributeValue.fromS(after), "mode", AttributeValue.fromS("ok"),
                    "status", AttributeValue.fromS("queued"))));
            Deadline.await(WAIT, "the record after the restart", () -> deliveries(after).size() == 1);
        }
        assertEquals(List.of("INSERT -→queued", "MODIFY queued→success"), deliveries(before).stream()
                .map(DynamoDbStreamPollerIntegrationTest::transition).toList(),
                "the kept item's change after the restart arrives with its old image; its INSERT is not replayed");
    }

    @Test
    void theFirstRecordOfAShardArrivesAfterOtherTablesWereWritten() throws URISyntaxException {
        // DynamoDB Local numbers stream records across tables: an iterator parked on an empty shard broke (Trimmed
        // DataAccessException) once another table was written first, and the records in the next seconds were lost.
        Path template = Path.of(getClass().getResource("/streams-template.yaml").toURI());
        String id = "first-record-" + UUID.randomUUID();
        try (LocalStack fresh = LocalStack.start(FixtureStack.config().template(template).build())) {
            String other = "other-" + UUID.randomUUID().toString().substring(0, 8);
            fresh.dynamoDb().createTable(r -> r.tableName(other).billingMode("PAY_PER_REQUEST")
                    .attributeDefinitions(d -> d.attributeName("id").attributeType("S"))
                    .keySchema(k -> k.attributeName("id").keyType("HASH"))
                    .streamSpecification(x -> x.streamEnabled(true).streamViewType("NEW_AND_OLD_IMAGES")));
            for (int i = 0; i < 3; i++) {
                String key = "o" + i;
                fresh.dynamoDb().putItem(r -> r.tableName(other).item(Map.of("id", AttributeValue.fromS(key))));
            }
            fresh.dynamoDb().putItem(r -> r.tableName(fresh.tableName("ItemsTable")).item(Map.of(
                    "id", AttributeValue.fromS(id), "mode", AttributeValue.fromS("ok"),
                    "status", AttributeValue.fromS("queued"))));
            fresh.dynamoDb().updateItem(r -> r.tableName(fresh.tableName("ItemsTable"))
                    .key(Map.of("id", AttributeValue.fromS(id))).updateExpression("SET #s = :s")
                    .expressionAttributeNames(Map.of("#s", "status"))
                    .expressionAttributeValues(Map.of(":s", AttributeValue.fromS("success"))));
            Deadline.await(WAIT, "both records of " + id, () -> deliveries(id).size() >= 2);
        }
        assertEquals(List.of("INSERT -→queued", "MODIFY queued→success"), deliveries(id).stream()
                .map(DynamoDbStreamPollerIntegrationTest::transition).toList());
    }

    private static List<String> threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(prefix)).toList();
    }
}
