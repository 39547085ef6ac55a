package imagejobs.local.streams;

import java.util.Base64;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * DynamoDB's typed JSON of an attribute value ({@code {"S": "x"}}, {@code {"N": "1"}}, {@code {"M": {...}}}, binary as
 * base64), the form stream records take in a Lambda event. Hand-written: the SDK (v2) marshals this form only inside
 * its protocol layer and offers no public converter (the enhanced client's {@code EnhancedDocument.toJson} writes
 * untyped JSON).
 */
final class AttributeValueJson {
    private AttributeValueJson() {
    }

    static ObjectNode item(Map<String, AttributeValue> item) {
        ObjectNode node = Json.object();
        item.forEach((name, value) -> node.set(name, value(value)));
        return node;
    }

    static ObjectNode value(AttributeValue v) {
        ObjectNode node = Json.object();
        switch (v.type()) {
            case S -> node.put("S", v.s());
            case N -> node.put("N", v.n());
            case B -> node.put("B", base64(v.b()));
            case BOOL -> node.put("BOOL", v.bool());
            case NUL -> node.put("NULL", true);
            case SS -> v.ss().forEach(node.putArray("SS")::add);
            case NS -> v.ns().forEach(node.putArray("NS")::add);
            case BS -> {
                ArrayNode out = node.putArray("BS");
                v.bs().forEach(b -> out.add(base64(b)));
            }
            case M -> node.set("M", item(v.m()));
            case L -> {
                ArrayNode out = node.putArray("L");
                v.l().forEach(e -> out.add(value(e)));
            }
            default -> throw new IllegalArgumentException("an attribute value of unknown type");
        }
        return node;
    }

    private static String base64(SdkBytes bytes) {
        return Base64.getEncoder().encodeToString(bytes.asByteArray());
    }
}
