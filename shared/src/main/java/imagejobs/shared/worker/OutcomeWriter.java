package imagejobs.shared.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.gemini.GeminiResponse;
import imagejobs.shared.image.ImageHeaders;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.json.Json;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.submit.InputSpiller;

/**
 * Stores a successful answer: each image at {@code outputs/{tenant}/{request_id}/{n}.{ext}} (deterministic, so a
 * retry overwrites rather than duplicates) and the outcome document with {@code next_turn_contents}: the
 * conversation so far, the model's turn with its images as s3:// references and their thoughtSignatures kept
 * exactly, and an empty user turn to fill in.
 */
public final class OutcomeWriter {
    /** Above this the conversation moves to S3 and the item keeps a pointer (DynamoDB items stop at 400 KB). */
    static final int MAX_INLINE_CONVERSATION_BYTES = 300 * 1024;

    private final ObjectStore store;

    public OutcomeWriter(ObjectStore store) {
        this.store = store;
    }

    public ObjectNode write(Job job, ObjectNode request, GeminiResponse response, long latencyMs) {
        ObjectNode outcome = Json.object();
        ArrayNode images = outcome.putArray("images");
        ObjectNode modelTurn = Json.object().put("role", "model");
        ArrayNode modelParts = modelTurn.putArray("parts");
        List<String> texts = new ArrayList<>();
        int n = 0;
        for (GeminiResponse.Part part : response.parts()) {
            if (part.thought()) {
                continue;
            }
            ObjectNode turnPart = Json.object();
            if (part.isImage()) {
                ImageHeaders.Info info = header(part);
                String mime = info != null ? info.mimeType() : part.mimeType();
                String key = "outputs/" + job.tenant() + "/" + job.requestId() + "/" + n++ + "."
                        + InputSpiller.extension(mime);
                store.put(key, part.imageFile(), mime, Map.of("request-id", job.requestId()));
                ObjectNode image = images.addObject();
                image.put("key", key);
                image.put("mime_type", mime);
                image.put("width", info == null ? 0 : info.width());
                image.put("height", info == null ? 0 : info.height());
                image.put("bytes", part.imageBytes());
                turnPart.putObject("fileData").put("mimeType", mime).put("fileUri", store.uri(key));
            } else {
                texts.add(part.text());
                turnPart.put("text", part.text());
            }
            if (part.thoughtSignature() != null) {
                turnPart.put("thoughtSignature", part.thoughtSignature());
            }
            modelParts.add(turnPart);
        }
        if (!texts.isEmpty()) {
            outcome.put("text", String.join("\n", texts));
        }
        if (response.finishReason() != null) {
            outcome.put("finish_reason", response.finishReason());
        }
        if (response.usageMetadata() != null) {
            outcome.set("usage", snakeCase(response.usageMetadata()));
        }
        if (response.modelVersion() != null) {
            outcome.put("model_version", response.modelVersion());
        }
        if (response.responseId() != null) {
            outcome.put("response_id", response.responseId());
        }
        outcome.putObject("timings").put("gemini_latency_ms", latencyMs);

        ArrayNode conversation = Json.array();
        request.path("contents").forEach(turn -> conversation.add(turn.deepCopy()));
        conversation.add(modelTurn);
        ObjectNode next = conversation.addObject().put("role", "user");
        ArrayNode nextParts = next.putArray("parts");
        nextParts.addObject().put("text", "");
        nextParts.addObject().putObject("fileData").put("mimeType", "image/png").put("fileUri", "");
        byte[] json = Json.bytes(conversation);
        if (json.length <= MAX_INLINE_CONVERSATION_BYTES) {
            outcome.set("next_turn_contents", conversation);
        } else {
            String key = "conversations/" + job.tenant() + "/" + job.requestId() + ".json";
            store.put(key, json, "application/json", Map.of("request-id", job.requestId()));
            outcome.put("next_turn_contents_key", key);
        }
        return outcome;
    }

    private static ImageHeaders.Info header(GeminiResponse.Part part) {
        try {
            return ImageHeaders.read(part.imageFile()).orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** usageMetadata in the API's snake_case: promptTokenCount → prompt_token_count. */
    static JsonNode snakeCase(JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = Json.object();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.set(snake(e.getKey()), snakeCase(e.getValue()));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = Json.array();
            node.forEach(v -> out.add(snakeCase(v)));
            return out;
        }
        return node;
    }

    private static String snake(String camel) {
        StringBuilder out = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                out.append('_').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
