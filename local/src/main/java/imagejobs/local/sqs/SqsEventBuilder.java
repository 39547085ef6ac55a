package imagejobs.local.sqs;

import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * The SQS event Lambda's event source mapping sends: {@code {"Records": [{messageId, receiptHandle, body,
 * attributes, messageAttributes, md5OfBody, eventSource "aws:sqs", eventSourceARN, awsRegion}]}}, message attributes
 * in Lambda's lower-camel form ({@code stringValue}, {@code binaryValue}, {@code stringListValues},
 * {@code binaryListValues}, {@code dataType}).
 */
public final class SqsEventBuilder {
    /** The system attributes Lambda passes on (FIFO and tracing ones only when present). */
    private static final Set<String> LAMBDA_ATTRIBUTES = Set.of("ApproximateReceiveCount", "SentTimestamp",
            "SenderId", "ApproximateFirstReceiveTimestamp", "AWSTraceHeader", "SequenceNumber", "MessageGroupId",
            "MessageDeduplicationId", "DeadLetterQueueSourceArn");
    private static final List<String> ATTRIBUTE_ORDER = List.of("ApproximateReceiveCount", "SentTimestamp",
            "SenderId", "ApproximateFirstReceiveTimestamp", "AWSTraceHeader", "SequenceNumber", "MessageGroupId",
            "MessageDeduplicationId", "DeadLetterQueueSourceArn");

    private final String queueArn;
    private final String region;

    public SqsEventBuilder(String queueArn, String region) {
        this.queueArn = queueArn;
        this.region = region;
    }

    public ObjectNode build(List<Message> messages) {
        ObjectNode event = Json.object();
        ArrayNode records = event.putArray("Records");
        for (Message m : messages) {
            ObjectNode record = records.addObject();
            record.put("messageId", m.messageId());
            record.put("receiptHandle", m.receiptHandle());
            record.put("body", m.body());
            ObjectNode attributes = record.putObject("attributes");
            Map<String, String> system = m.attributesAsStrings();
            for (String name : ATTRIBUTE_ORDER) {
                if (LAMBDA_ATTRIBUTES.contains(name) && system.get(name) != null) {
                    attributes.put(name, system.get(name));
                }
            }
            ObjectNode messageAttributes = record.putObject("messageAttributes");
            m.messageAttributes().forEach((name, value) -> messageAttributes.set(name, attribute(value)));
            if (m.md5OfMessageAttributes() != null) {
                record.put("md5OfMessageAttributes", m.md5OfMessageAttributes());
            }
            record.put("md5OfBody", m.md5OfBody());
            record.put("eventSource", "aws:sqs");
            record.put("eventSourceARN", queueArn);
            record.put("awsRegion", region);
        }
        return event;
    }

    private static ObjectNode attribute(MessageAttributeValue value) {
        ObjectNode node = Json.object();
        if (value.stringValue() != null) {
            node.put("stringValue", value.stringValue());
        }
        if (value.binaryValue() != null) {
            node.put("binaryValue", base64(value.binaryValue()));
        }
        ArrayNode strings = node.putArray("stringListValues");
        value.stringListValues().forEach(strings::add);
        ArrayNode binaries = node.putArray("binaryListValues");
        value.binaryListValues().forEach(b -> binaries.add(base64(b)));
        node.put("dataType", value.dataType());
        return node;
    }

    private static String base64(SdkBytes bytes) {
        return java.util.Base64.getEncoder().encodeToString(bytes.asByteArray());
    }
}
