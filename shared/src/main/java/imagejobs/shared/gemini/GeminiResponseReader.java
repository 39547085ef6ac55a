package imagejobs.shared.gemini;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/**
 * Reads a generateContent response from the network stream in one pass. Every {@code inlineData.data} string is
 * base64-decoded straight into a file; everything else becomes a small JSON tree. Peak memory stays a few
 * buffers, whatever the image size.
 */
public final class GeminiResponseReader {
    /** Marks where a streamed image went in the tree. */
    static final String FILE_FIELD = "$file";
    static final String SIZE_FIELD = "$size";

    private final Path workDir;
    private int files;

    public GeminiResponseReader(Path workDir) {
        this.workDir = workDir;
    }

    public GeminiResponse read(InputStream body) throws IOException {
        JsonNode root;
        try (JsonParser parser = Json.MAPPER.getFactory().createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("response is not a JSON object");
            }
            root = readObject(parser, false);
            if (parser.nextToken() != null) {
                throw new IOException("trailing data after the response object");
            }
        }
        return interpret(root);
    }

    private ObjectNode readObject(JsonParser parser, boolean inlineData) throws IOException {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        JsonToken token;
        while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            if (inlineData && "data".equals(name) && value == JsonToken.VALUE_STRING) {
                Path file = workDir.resolve("image-" + files++ + ".bin");
                long size;
                try (OutputStream out = Files.newOutputStream(file)) {
                    size = parser.readBinaryValue(Base64Variants.MIME_NO_LINEFEEDS, out);
                }
                node.put(FILE_FIELD, file.toString());
                node.put(SIZE_FIELD, size);
            } else {
                boolean childInline = "inlineData".equals(name) || "inline_data".equals(name);
                node.set(name, readValue(parser, value, childInline));
            }
        }
        if (token != JsonToken.END_OBJECT) {
            throw new IOException("unexpected token " + token);
        }
        return node;
    }

    private JsonNode readValue(JsonParser parser, JsonToken token, boolean inlineData) throws IOException {
        if (token == null) {
            throw new IOException("response truncated");
        }
        return switch (token) {
            case START_OBJECT -> readObject(parser, inlineData);
            case START_ARRAY -> {
                ArrayNode array = JsonNodeFactory.instance.arrayNode();
                JsonToken t;
                while ((t = parser.nextToken()) != JsonToken.END_ARRAY) {
                    array.add(readValue(parser, t, false));
                }
                yield array;
            }
            case VALUE_STRING -> JsonNodeFactory.instance.textNode(parser.getText());
            case VALUE_NUMBER_INT -> JsonNodeFactory.instance.numberNode(parser.getLongValue());
            case VALUE_NUMBER_FLOAT -> JsonNodeFactory.instance.numberNode(parser.getDoubleValue());
            case VALUE_TRUE -> JsonNodeFactory.instance.booleanNode(true);
            case VALUE_FALSE -> JsonNodeFactory.instance.booleanNode(false);
            case VALUE_NULL -> JsonNodeFactory.instance.nullNode();
            default -> throw new IOException("unexpected token " + token);
        };
    }

    private static GeminiResponse interpret(JsonNode root) {
        JsonNode candidate = root.path("candidates").path(0);
        List<GeminiResponse.Part> parts = new ArrayList<>();
        for (JsonNode part : candidate.path("content").path("parts")) {
            String signature = text(part, "thoughtSignature", "thought_signature");
            boolean thought = part.path("thought").asBoolean(false);
            JsonNode inline = part.has("inlineData") ? part.get("inlineData") : part.get("inline_data");
            if (inline != null && inline.has(FILE_FIELD)) {
                parts.add(new GeminiResponse.Part(null, Path.of(inline.get(FILE_FIELD).asText()),
                        text(inline, "mimeType", "mime_type"), inline.path(SIZE_FIELD).asLong(), signature, thought));
            } else if (part.has("text")) {
                parts.add(new GeminiResponse.Part(part.get("text").asText(), null, null, 0, signature, thought));
            }
        }
        JsonNode feedback = root.path("promptFeedback");
        return new GeminiResponse(
                parts,
                text(candidate, "finishReason", "finish_reason"),
                text(candidate, "finishMessage", "finish_message"),
                text(feedback, "blockReason", "block_reason"),
                text(feedback, "blockReasonMessage", "block_reason_message"),
                root.path("usageMetadata").isObject() ? (ObjectNode) root.get("usageMetadata") : null,
                text(root, "modelVersion", "model_version"),
                text(root, "responseId", "response_id"));
    }

    private static String text(JsonNode node, String camel, String snake) {
        JsonNode v = node.has(camel) ? node.get(camel) : node.get(snake);
        return v == null || v.isNull() ? null : v.asText();
    }
}
