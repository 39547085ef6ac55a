package imagejobs.local.streams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromB;
import static software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromBool;
import static software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromBs;
import static software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromL;
import static software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromM;
import static software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromN;
import static software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromNs;
import static software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromNul;
import static software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS;
import static software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromSs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.json.Json;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The event the stream poller sends, read back by the Lambda Java runtime's own DynamodbEvent serializer (what a
 * handler typed {@code RequestHandler<DynamodbEvent, ...>} gets): every attribute type keeps its type and value.
 */
class StreamEventBuilderTest {
    private static Record record() {
        Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> image = Map.of(
                "request_id", fromS("J1"),
                "attempts", fromN("2"),
                "blob", fromB(SdkBytes.fromUtf8String("png")),
                "done", fromBool(true),
                "gone", fromNul(true),
                "tags", fromSs(List.of("a", "b")),
                "sizes", fromNs(List.of("1", "2.5")),
                "blobs", fromBs(List.of(SdkBytes.fromUtf8String("x"))),
                "webhook_completed", fromM(Map.of("state", fromS("delivered"))),
                "events", fromL(List.of(fromS("completed"))));
        return Record.builder().eventID("e1").eventName(OperationType.MODIFY).eventVersion("1.1")
                .eventSource("aws:dynamodb").awsRegion("ddblocal")
                .dynamodb(StreamRecord.builder().approximateCreationDateTime(Instant.ofEpochSecond(1_780_000_000L))
                        .keys(Map.of("request_id", fromS("J1"))).newImage(image)
                        .oldImage(Map.of("request_id", fromS("J1"), "attempts", fromN("1")))
                        .sequenceNumber("000000000000000000042").sizeBytes(321L)
                        .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES).build())
                .build();
    }

    @SuppressWarnings("unchecked")
    private static DynamodbEvent readAsTheLambdaRuntimeDoes(String json) {
        PojoSerializer<DynamodbEvent> serializer = (PojoSerializer<DynamodbEvent>) (PojoSerializer<?>)
                LambdaEventSerializers.serializerFor(DynamodbEvent.class, StreamEventBuilderTest.class.getClassLoader());
        return serializer.fromJson(json);
    }

    @Test
    void everyFieldReachesADynamodbEventHandler() {
        String arn = "arn:aws:dynamodb:us-east-1:000000000000:table/JobsTable/stream/2026-12-04T22:00:00.000";
        String json = Json.write(new StreamEventBuilder(arn, "us-east-1").build(List.of(record())));
        DynamodbEvent.DynamodbStreamRecord r = readAsTheLambdaRuntimeDoes(json).getRecords().get(0);

        assertEquals("e1", r.getEventID());
        assertEquals("MODIFY", r.getEventName());
        assertEquals("1.1", r.getEventVersion());
        assertEquals("aws:dynamodb", r.getEventSource());
        assertEquals("us-east-1", r.getAwsRegion(), "the stack's region, not DynamoDB Local's");
        assertEquals(arn, r.getEventSourceARN());
        assertNull(r.getUserIdentity());
        var s = r.getDynamodb();
        assertEquals(Instant.ofEpochSecond(1_780_000_000L), s.getApproximateCreationDateTime().toInstant());
        assertEquals("000000000000000000042", s.getSequenceNumber());
        assertEquals(321L, s.getSizeBytes());
        assertEquals("NEW_AND_OLD_IMAGES", s.getStreamViewType());
        assertEquals("J1", s.getKeys().get("request_id").getS());
        assertEquals("1", s.getOldImage().get("attempts").getN());

        Map<String, AttributeValue> image = s.getNewImage();
        assertEquals("2", image.get("attempts").getN());
        assertArrayEquals("png".getBytes(StandardCharsets.UTF_8), bytes(image.get("blob").getB()));
        assertTrue(image.get("done").getBOOL());
        assertTrue(image.get("gone").isNULL());
        assertEquals(List.of("a", "b"), image.get("tags").getSS());
        assertEquals(List.of("1", "2.5"), image.get("sizes").getNS());
        assertArrayEquals("x".getBytes(StandardCharsets.UTF_8), bytes(image.get("blobs").getBS().get(0)));
        assertEquals("delivered", image.get("webhook_completed").getM().get("state").getS());
        assertEquals("completed", image.get("events").getL().get(0).getS());
    }

    @Test
    void theJsonHasAwsFieldNamesAndNoOldImageOnAnInsert() {
        Record insert = record().toBuilder().eventName(OperationType.INSERT)
                .dynamodb(record().dynamodb().toBuilder().oldImage(null).build()).build();
        JsonNode r = new StreamEventBuilder("arn", "eu-west-1").build(List.of(insert)).get("Records").get(0);
        assertEquals(List.of("eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "dynamodb",
                "eventSourceARN"), fieldNames(r));
        assertEquals(List.of("ApproximateCreationDateTime", "Keys", "NewImage", "SequenceNumber", "SizeBytes",
                "StreamViewType"), fieldNames(r.get("dynamodb")));
        assertTrue(r.get("dynamodb").get("ApproximateCreationDateTime").isIntegralNumber(), "epoch seconds");
        assertEquals("{\"S\":\"J1\"}", Json.write(r.get("dynamodb").get("Keys").get("request_id")));
    }

    @Test
    void theStreamArnTakesTheStacksRegionAndAccount() {
        assertEquals("arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/2026-12-04T22:00:00.000",
                StreamEventBuilder.stackArn("arn:aws:dynamodb:ddblocal:000000000000:table/T/stream/2026-12-04T22:00:00.000",
                        "us-east-1", "000000000000"));
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
