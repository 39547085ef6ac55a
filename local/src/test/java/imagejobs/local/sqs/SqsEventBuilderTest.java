package imagejobs.local.sqs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.json.Json;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

class SqsEventBuilderTest {

    private static Message message() {
        return Message.builder()
                .messageId("059f36b4-87a3-44ab-83d2-661975830a7d")
                .receiptHandle("AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...")
                .body("test")
                .md5OfBody("098f6bcd4621d373cade4e832627b4f6")
                .attributesWithStrings(Map.of("ApproximateReceiveCount", "1", "SentTimestamp", "1545082649183",
                        "SenderId", "AIDAIENQZJOLO23YVJ4VO", "ApproximateFirstReceiveTimestamp", "1545082649185",
                        "SomethingElasticMqAdds", "x"))
                .messageAttributes(Map.of("myAttribute", MessageAttributeValue.builder().dataType("String")
                        .stringValue("myValue").build()))
                .build();
    }

    @Test
    void recordsHaveTheFieldsLambdaSends() throws IOException {
        JsonNode documented = Json.parse(resource("/events/sqs-event.json")).get("Records").get(0);
        JsonNode built = new SqsEventBuilder("arn:aws:sqs:us-east-2:123456789012:my-queue", "us-east-2")
                .build(List.of(message())).get("Records").get(0);
        assertEquals(names(documented), names(built));
        assertEquals(documented.get("attributes"), built.get("attributes"), "only Lambda's system attributes");
        assertEquals(documented.get("messageAttributes"), built.get("messageAttributes"));
        assertEquals("aws:sqs", built.get("eventSource").asText());
        assertEquals("arn:aws:sqs:us-east-2:123456789012:my-queue", built.get("eventSourceARN").asText());
        assertEquals("us-east-2", built.get("awsRegion").asText());
        assertEquals("test", built.get("body").asText());
    }

    @Test
    void binaryAttributesAreBase64() {
        Message m = message().toBuilder().messageAttributes(Map.of("bin", MessageAttributeValue.builder()
                .dataType("Binary").binaryValue(SdkBytes.fromByteArray(new byte[] {1, 2, 3})).build())).build();
        JsonNode attribute = new SqsEventBuilder("arn", "us-east-1").build(List.of(m)).get("Records").get(0)
                .get("messageAttributes").get("bin");
        assertEquals("AQID", attribute.get("binaryValue").asText());
        assertEquals("Binary", attribute.get("dataType").asText());
        assertFalse(attribute.has("stringValue"));
    }

    private static List<String> names(JsonNode node) {
        List<String> out = new ArrayList<>();
        Iterator<String> it = node.fieldNames();
        it.forEachRemaining(out::add);
        out.sort(String::compareTo);
        return out;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = SqsEventBuilderTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
