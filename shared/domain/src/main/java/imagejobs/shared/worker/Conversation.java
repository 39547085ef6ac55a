package imagejobs.shared.worker;

import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/**
 * Conversation turns ({@code contents}) in the one spelling the worker sends and stores: camelCase part fields
 * (Gemini accepts snake_case too, and native clients send either), without the empty {@code text} and
 * {@code fileUri} placeholders of the next-turn template, and without turns left with no part.
 */
public final class Conversation {
    private static final Map<String, String> CAMEL = Map.of(
            "inline_data", "inlineData",
            "file_data", "fileData",
            "mime_type", "mimeType",
            "file_uri", "fileUri",
            "thought_signature", "thoughtSignature",
            "function_call", "functionCall",
            "function_response", "functionResponse",
            "video_metadata", "videoMetadata");

    private Conversation() {
    }

    public static ArrayNode normalize(JsonNode contents) {
        ArrayNode out = Json.array();
        if (contents == null || !contents.isArray()) {
            return out;
        }
        for (JsonNode turn : contents) {
            if (!turn.isObject()) {
                continue;
            }
            ObjectNode copy = Json.object();
            turn.fields().forEachRemaining(e -> {
                if (!e.getKey().equals("parts")) {
                    copy.set(e.getKey(), e.getValue().deepCopy());
                }
            });
            ArrayNode parts = copy.putArray("parts");
            for (JsonNode part : turn.path("parts")) {
                if (!part.isObject()) {
                    continue;
                }
                ObjectNode p = camel((ObjectNode) part);
                if (!placeholder(p)) {
                    parts.add(p);
                }
            }
            if (!parts.isEmpty()) {
                out.add(copy);
            }
        }
        return out;
    }

    /**
     * An empty or blank text or fileUri with nothing else worth sending (a signature is worth sending): the parts
     * submit validation drops (ContentsValidator), dropped by the same test here.
     */
    static boolean placeholder(ObjectNode part) {
        if (part.hasNonNull("thoughtSignature") && !part.get("thoughtSignature").asText().isEmpty()) {
            return false;
        }
        if (part.size() == 1 && part.has("text")) {
            return part.get("text").isNull() || part.get("text").asText().isBlank();
        }
        if (part.size() == 1 && part.has("fileData")) {
            return part.get("fileData").path("fileUri").asText("").isBlank();
        }
        return part.isEmpty();
    }

    private static ObjectNode camel(ObjectNode node) {
        ObjectNode out = Json.object();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = CAMEL.getOrDefault(e.getKey(), e.getKey());
            JsonNode value = e.getValue();
            boolean nested = name.equals("inlineData") || name.equals("fileData");
            out.set(name, nested && value.isObject() ? camel((ObjectNode) value) : value.deepCopy());
        }
        return out;
    }
}
