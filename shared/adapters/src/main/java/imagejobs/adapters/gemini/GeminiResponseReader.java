package imagejobs.adapters.gemini;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.Base64Variant;
import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;

import imagejobs.shared.json.Json;
import imagejobs.shared.gemini.GeminiResponse;

/**
 * Reads a generateContent response from the network stream in one pass. Every {@code inlineData.data} string is
 * base64-decoded straight into a file; everything else becomes a small JSON tree. Peak memory stays a few
 * buffers, whatever the image size. Field names may come in camelCase (Google) or snake_case (some resellers).
 */
public final class GeminiResponseReader {
    /**
     * Where a streamed image went is kept in a POJO node: JSON text can never produce one, so an answer cannot
     * point the uploader at a file of its choosing.
     */
    private static final String FILE_FIELD = "$streamed";

    /** Gemini pads its base64; tolerate a reseller that does not. */
    private static final Base64Variant BASE64 = Base64Variants.MIME_NO_LINEFEEDS
            .withReadPadding(Base64Variant.PaddingReadBehaviour.PADDING_ALLOWED);

    /**
     * Jackson hands decoded bytes over a couple of KB at a time; written straight to the file that is one system
     * call each, about two thousand for a 4K image. Gathered into blocks of this size it is a few dozen
     * ({@code ./run-local bench worker-4k}).
     */
    static final int WRITE_BLOCK = 64 * 1024;

    /** Opens the file an image is decoded into (tests watch the writes). */
    interface FileOpener {
        OutputStream open(Path file) throws IOException;
    }

    private record Streamed(Path file, long size) {
    }

    private final Path workDir;
    private final FileOpener opener;
    private int files;

    public GeminiResponseReader(Path workDir) {
        this(workDir, Files::newOutputStream);
    }

    GeminiResponseReader(Path workDir, FileOpener opener) {
        this.workDir = workDir;
        this.opener = opener;
    }

    /** @throws IOException when the body is not one complete JSON object (truncated, malformed, trailing data) */
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
            if (value == null) {
                throw new IOException("response truncated");
            }
            if (inlineData && "data".equals(name) && value == JsonToken.VALUE_STRING) {
                Path file = workDir.resolve("image-" + files++ + ".bin");
                long size;
                try (OutputStream out = new BufferedOutputStream(opener.open(file), WRITE_BLOCK)) {
                    size = parser.readBinaryValue(BASE64, out);
                } catch (IllegalArgumentException e) {
                    // Jackson reports a bad base64 character this way; to us it is a malformed answer.
                    throw new IOException("image data is not valid base64");
                }
                node.set(FILE_FIELD, new POJONode(new Streamed(file, size)));
            } else {
                boolean childInline = "inlineData".equals(name) || "inline_data".equals(name);
                node.set(name, readValue(parser, value, childInline));
            }
        }
        if (token != JsonToken.END_OBJECT) {
            throw new IOException(token == null ? "response truncated" : "unexpected token " + token);
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
        JsonNode candidates = root.path("candidates");
        JsonNode candidate = candidates.path(0);
        List<GeminiResponse.Part> parts = new ArrayList<>();
        for (JsonNode part : candidate.path("content").path("parts")) {
            String signature = text(part, "thoughtSignature", "thought_signature");
            boolean thought = part.path("thought").asBoolean(false);
            JsonNode inline = field(part, "inlineData", "inline_data");
            if (inline != null && inline.get(FILE_FIELD) instanceof POJONode pojo
                    && pojo.getPojo() instanceof Streamed streamed) {
                parts.add(new GeminiResponse.Part(null, streamed.file(), text(inline, "mimeType", "mime_type"),
                        streamed.size(), signature, thought));
            } else if (part.has("text")) {
                parts.add(new GeminiResponse.Part(part.get("text").asText(), null, null, 0, signature, thought));
            }
        }
        JsonNode feedback = field(root, "promptFeedback", "prompt_feedback");
        feedback = feedback == null ? JsonNodeFactory.instance.objectNode() : feedback;
        JsonNode usage = field(root, "usageMetadata", "usage_metadata");
        return new GeminiResponse(
                parts,
                text(candidate, "finishReason", "finish_reason"),
                text(candidate, "finishMessage", "finish_message"),
                text(feedback, "blockReason", "block_reason"),
                text(feedback, "blockReasonMessage", "block_reason_message"),
                usage != null && usage.isObject() ? (ObjectNode) usage : null,
                text(root, "modelVersion", "model_version"),
                text(root, "responseId", "response_id"),
                candidates.isArray() ? candidates.size() : 0);
    }

    private static JsonNode field(JsonNode node, String camel, String snake) {
        JsonNode v = node.has(camel) ? node.get(camel) : node.get(snake);
        return v == null || v.isNull() ? null : v;
    }

    private static String text(JsonNode node, String camel, String snake) {
        JsonNode v = field(node, camel, snake);
        return v == null ? null : v.asText();
    }
}
