package imagejobs.shared.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.edits.EditKeys;
import imagejobs.shared.gemini.GeminiResponse;
import imagejobs.shared.image.ImageHeaders;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.Timestamps;
import imagejobs.shared.json.Json;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.storage.StoredObject;
import imagejobs.shared.submit.InputSpiller;

/**
 * Stores a successful answer. Each image goes to {@code outputs/{tenant}/{request_id}/{n}.{ext}} (deterministic,
 * so a retry overwrites rather than duplicates) with its content type; width, height and size come from the image
 * header. The outcome document carries {@code next_turn_contents}: the submitted turns (images as s3://
 * references), the model's turn (text and s3:// image references, each part's thoughtSignature kept byte for
 * byte, thought parts left out) and an empty user turn to fill in. No base64 ever reaches the outcome.
 *
 * <p>The finished outcome is also staged in S3 before the status write: if the worker dies between the two, the
 * next attempt finishes from the staged copy instead of paying for another Gemini call.
 */
public final class OutcomeWriter {
    /** Above this the conversation moves to S3 and the item keeps a pointer (DynamoDB items stop at 400 KB). */
    static final int MAX_INLINE_CONVERSATION_BYTES = 300 * 1024;
    /** The whole item (request document + outcome + attributes) must stay under 400 KB. */
    static final int MAX_ITEM_DOCUMENTS_BYTES = 350 * 1024;

    private final ObjectStore store;

    public OutcomeWriter(ObjectStore store) {
        this.store = store;
    }

    /** What the outcome records about time and tries. */
    public record Timings(int attempts, Instant startedAt, Instant completedAt, long geminiLatencyMs) {
    }

    public static String stagedKey(Job job) {
        return "outputs/" + job.tenant() + "/" + job.requestId() + "/outcome.json";
    }

    public static String conversationKey(Job job) {
        return "conversations/" + job.tenant() + "/" + job.requestId() + ".json";
    }

    /** Uploads the images, builds the outcome and stages it; the caller then writes it to the job. */
    public ObjectNode write(Job job, ObjectNode request, GeminiResponse response, Timings timings) {
        ObjectNode outcome = Json.object();
        ArrayNode images = outcome.putArray("images");
        ObjectNode modelTurn = Json.object().put("role", "model");
        ArrayNode modelParts = modelTurn.putArray("parts");
        int n = 0;
        for (GeminiResponse.Part part : response.parts()) {
            if (part.thought()) {
                continue;
            }
            ObjectNode turnPart = Json.object();
            if (part.isImage()) {
                ImageHeaders.Info info = header(part);
                String mime = info != null ? info.mimeType()
                        : part.mimeType() != null ? part.mimeType() : "application/octet-stream";
                String key = "outputs/" + job.tenant() + "/" + job.requestId() + "/" + n++ + "."
                        + InputSpiller.extension(mime);
                store.put(key, part.imageFile(), mime, Map.of("request-id", job.requestId()));
                ObjectNode image = images.addObject();
                image.put("key", key);
                image.put("mime_type", mime);
                image.put("width", info == null ? 0 : info.width());
                image.put("height", info == null ? 0 : info.height());
                image.put("bytes", part.imageBytes());
                if (Job.SOURCE_S3.equals(job.source()) && EditKeys.parse(job.sourceKey()).isPresent()) {
                    // S3-only users find the result beside their upload's path, under a name with this job's id: a
                    // retry of the job overwrites its own copy, a later upload of the same key never does.
                    String edited = EditKeys.editedKey(job.sourceKey(), job.requestId(), n - 1,
                            InputSpiller.extension(mime));
                    // Metadata travels in HTTP headers, which must be ASCII: the key goes percent-encoded.
                    store.copy(key, edited, mime, Map.of("request-id", job.requestId(), "source-key",
                            java.net.URLEncoder.encode(job.sourceKey(), StandardCharsets.UTF_8)));
                    image.put("edited_key", edited);
                }
                turnPart.putObject("fileData").put("mimeType", mime).put("fileUri", store.uri(key));
            } else {
                turnPart.put("text", part.text());
            }
            if (part.thoughtSignature() != null) {
                turnPart.put("thoughtSignature", part.thoughtSignature());
            }
            modelParts.add(turnPart);
        }
        String text = response.text();
        if (text != null) {
            outcome.put("text", text);
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
        stamp(outcome, timings);

        ArrayNode conversation = Json.array();
        for (JsonNode turn : withoutInlineData(job, Conversation.normalize(request.path("contents")))) {
            conversation.add(turn);
        }
        if (!modelParts.isEmpty()) {
            conversation.add(modelTurn);
        }
        ObjectNode next = conversation.addObject().put("role", "user");
        ArrayNode nextParts = next.putArray("parts");
        nextParts.addObject().put("text", "");
        nextParts.addObject().putObject("fileData").put("mimeType", "image/png").put("fileUri", "");

        byte[] json = Json.bytes(conversation);
        int requestBytes = job.request() == null ? 0 : job.request().getBytes(StandardCharsets.UTF_8).length;
        int rest = Json.bytes(outcome).length;
        if (json.length <= MAX_INLINE_CONVERSATION_BYTES
                && json.length + rest + requestBytes <= MAX_ITEM_DOCUMENTS_BYTES) {
            outcome.set("next_turn_contents", conversation);
        } else {
            String key = conversationKey(job);
            store.put(key, json, "application/json", Map.of("request-id", job.requestId()));
            outcome.put("next_turn_contents_key", key);
        }
        store.put(stagedKey(job), Json.bytes(outcome), "application/json", Map.of("request-id", job.requestId()));
        return outcome;
    }

    /** The outcome an earlier attempt staged but could not record, brought up to date; empty when none. */
    public Optional<ObjectNode> staged(Job job, Timings timings) {
        Optional<StoredObject> object = store.get(stagedKey(job));
        if (object.isEmpty()) {
            return Optional.empty();
        }
        try {
            JsonNode node = Json.MAPPER.readTree(object.get().bytes());
            if (!(node instanceof ObjectNode outcome) || !outcome.has("images")) {
                return Optional.empty();
            }
            long latency = outcome.path("timings").path("gemini_latency_ms").asLong(timings.geminiLatencyMs());
            stamp(outcome, new Timings(timings.attempts(), timings.startedAt(), timings.completedAt(), latency));
            return Optional.of(outcome);
        } catch (IOException e) {
            return Optional.empty(); // half-written: ignore it, the attempt calls Gemini
        }
    }

    private static void stamp(ObjectNode outcome, Timings timings) {
        outcome.put("attempts", timings.attempts());
        ObjectNode t = outcome.putObject("timings");
        if (timings.startedAt() != null) {
            t.put("started_at", Timestamps.format(timings.startedAt()));
        }
        if (timings.completedAt() != null) {
            t.put("completed_at", Timestamps.format(timings.completedAt()));
        }
        t.put("gemini_latency_ms", timings.geminiLatencyMs());
    }

    /**
     * Submitted turns should already hold references only (the submit path moves images to inputs/). Should base64
     * still arrive, it goes to S3 here too: the item must never carry image data.
     */
    private ArrayNode withoutInlineData(Job job, ArrayNode turns) {
        int n = 0;
        for (JsonNode turn : turns) {
            for (JsonNode part : turn.path("parts")) {
                JsonNode inline = part.get("inlineData");
                if (inline == null) {
                    continue;
                }
                String mime = inline.path("mimeType").asText("application/octet-stream");
                byte[] bytes;
                try {
                    bytes = Base64.getMimeDecoder().decode(inline.path("data").asText(""));
                } catch (IllegalArgumentException e) {
                    bytes = new byte[0];
                }
                String key = "inputs/" + job.tenant() + "/" + job.requestId() + "/history-" + n++ + "."
                        + InputSpiller.extension(mime);
                store.put(key, bytes, mime, Map.of("request-id", job.requestId()));
                ObjectNode p = (ObjectNode) part;
                p.remove("inlineData");
                p.putObject("fileData").put("mimeType", mime).put("fileUri", store.uri(key));
            }
        }
        return turns;
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
