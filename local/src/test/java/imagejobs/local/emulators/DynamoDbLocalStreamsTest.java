package imagejobs.local.emulators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import imagejobs.local.LocalStack;
import imagejobs.local.LocalStackConfig;
import imagejobs.local.TestPaths;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * What the webhooks' event source (issue 18) relies on, checked on the DynamoDB Local the stack runs: a table created
 * with a NEW_AND_OLD_IMAGES stream has one, readable with the SDK's DynamoDB Streams client on the same endpoint, and
 * its records carry the event type and both images of every write, in order, including writes that change nothing
 * but an attribute other than the status.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DynamoDbLocalStreamsTest {
    private static LocalStack stack;

    @BeforeAll
    static void start() {
        stack = LocalStack.start(LocalStackConfig.builder(TestPaths.root()).startFunctions(false).keys(List.of())
                .out(new PrintStream(OutputStream.nullOutputStream())).build());
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @Test
    void aTableStreamCarriesEveryWriteWithItsOldAndNewImage() {
        DynamoDbClient dynamo = stack.dynamoDb();
        String arn = dynamo.createTable(r -> r.tableName("StreamProbe")
                .attributeDefinitions(a -> a.attributeName("request_id").attributeType(ScalarAttributeType.S))
                .keySchema(k -> k.attributeName("request_id").keyType("HASH"))
                .billingMode("PAY_PER_REQUEST")
                .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)))
                .tableDescription().latestStreamArn();
        assertTrue(arn != null && !arn.isEmpty(), "the table has a stream");

        Map<String, AttributeValue> key = Map.of("request_id", AttributeValue.fromS("J1"));
        dynamo.putItem(r -> r.tableName("StreamProbe").item(Map.of("request_id", AttributeValue.fromS("J1"),
                "status", AttributeValue.fromS("queued"), "webhook_url", AttributeValue.fromS("https://h.example/"))));
        dynamo.updateItem(r -> r.tableName("StreamProbe").key(key).updateExpression("SET #s = :p")
                .expressionAttributeNames(Map.of("#s", "status"))
                .expressionAttributeValues(Map.of(":p", AttributeValue.fromS("processing"))));
        dynamo.updateItem(r -> r.tableName("StreamProbe").key(key).updateExpression("SET #s = :d")
                .expressionAttributeNames(Map.of("#s", "status"))
                .expressionAttributeValues(Map.of(":d", AttributeValue.fromS("success"))));
        dynamo.updateItem(r -> r.tableName("StreamProbe").key(key).updateExpression("SET webhook_completed = :w")
                .expressionAttributeValues(Map.of(":w", AttributeValue.fromM(Map.of("state",
                        AttributeValue.fromS("delivered"))))));

        try (DynamoDbStreamsClient streams = DynamoDbStreamsClient.builder()
                .endpointOverride(stack.dynamoDbEndpoint()).region(Region.US_EAST_1)
                .credentialsProvider(LocalCredentials.provider())
                .httpClient(UrlConnectionHttpClient.create()).build()) {
            List<Shard> shards = streams.describeStream(r -> r.streamArn(arn)).streamDescription().shards();
            assertFalse(shards.isEmpty());
            List<Record> records = new ArrayList<>();
            for (Shard shard : shards) {
                String iterator = streams.getShardIterator(r -> r.streamArn(arn).shardId(shard.shardId())
                        .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
                // Bounded: a shard's iterator stays non-null while the shard is open, so stop at the first empty read.
                for (int read = 0; read < 10 && iterator != null; read++) {
                    String at = iterator;
                    var page = streams.getRecords(r -> r.shardIterator(at).limit(100));
                    records.addAll(page.records());
                    iterator = page.records().isEmpty() ? null : page.nextShardIterator();
                }
            }
            assertEquals(List.of(OperationType.INSERT, OperationType.MODIFY, OperationType.MODIFY,
                    OperationType.MODIFY), records.stream().map(Record::eventName).toList());
            assertFalse(records.get(0).dynamodb().hasOldImage() && !records.get(0).dynamodb().oldImage().isEmpty(),
                    "an INSERT has no old image");
            assertEquals(List.of("queued→processing", "processing→success", "success→success"), records.subList(1, 4)
                    .stream().map(r -> r.dynamodb().oldImage().get("status").s() + "→"
                            + r.dynamodb().newImage().get("status").s()).toList());
            assertEquals("https://h.example/", records.get(3).dynamodb().newImage().get("webhook_url").s());
        }
    }
}
