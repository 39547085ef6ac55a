package imagejobs.local.streams;

import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;

/**
 * The DynamoDB event Lambda's event source mapping sends: {@code {"Records": [{eventID, eventName, eventVersion
 * "1.1", eventSource "aws:dynamodb", awsRegion, dynamodb{ApproximateCreationDateTime (epoch seconds), Keys, NewImage,
 * OldImage, SequenceNumber, SizeBytes, StreamViewType}, eventSourceARN}]}}, images in DynamoDB's typed JSON, and
 * {@code userIdentity} only on records that have one (TTL deletions).
 */
public final class StreamEventBuilder {
    private final String streamArn;
    private final String region;

    /**
     * @param streamArn the ARN the records name as their source (the stream's, with the stack's region and account)
     */
    public StreamEventBuilder(String streamArn, String region) {
        this.streamArn = streamArn;
        this.region = region;
    }

    public String streamArn() {
        return streamArn;
    }

    public ObjectNode build(List<Record> batch) {
        ObjectNode event = Json.object();
        ArrayNode records = event.putArray("Records");
        for (Record r : batch) {
            ObjectNode record = records.addObject();
            record.put("eventID", r.eventID());
            record.put("eventName", r.eventNameAsString());
            record.put("eventVersion", "1.1");
            record.put("eventSource", "aws:dynamodb");
            record.put("awsRegion", region);
            StreamRecord s = r.dynamodb();
            ObjectNode dynamodb = record.putObject("dynamodb");
            if (s.approximateCreationDateTime() != null) {
                dynamodb.put("ApproximateCreationDateTime", s.approximateCreationDateTime().getEpochSecond());
            }
            dynamodb.set("Keys", AttributeValueJson.item(s.keys()));
            if (s.hasNewImage()) {
                dynamodb.set("NewImage", AttributeValueJson.item(s.newImage()));
            }
            if (s.hasOldImage()) {
                dynamodb.set("OldImage", AttributeValueJson.item(s.oldImage()));
            }
            dynamodb.put("SequenceNumber", s.sequenceNumber());
            if (s.sizeBytes() != null) {
                dynamodb.put("SizeBytes", s.sizeBytes());
            }
            dynamodb.put("StreamViewType", s.streamViewTypeAsString());
            record.put("eventSourceARN", streamArn);
            if (r.userIdentity() != null) {
                ObjectNode identity = record.putObject("userIdentity");
                identity.put("type", r.userIdentity().type());
                identity.put("principalId", r.userIdentity().principalId());
            }
        }
        return event;
    }

    /**
     * The stream ARN as AWS would name it for this stack: DynamoDB Local's own ARN (its table and stream label) with
     * the stack's region and account, which DynamoDB Local replaces by its own placeholders.
     */
    public static String stackArn(String localArn, String region, String accountId) {
        String[] parts = localArn.split(":", 6);
        if (parts.length != 6) {
            return localArn;
        }
        parts[3] = region;
        parts[4] = accountId;
        return String.join(":", parts);
    }
}
