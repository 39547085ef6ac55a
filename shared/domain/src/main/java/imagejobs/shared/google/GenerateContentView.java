package imagejobs.shared.google;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/**
 * A successful job as Gemini's {@code GenerateContentResponse}:
 *
 * <pre>
 * {"candidates": [{"content": {"role": "model", "parts": [
 *     {"text": "Here is your image", "thoughtSignature": "..."},
 *     {"inlineData": {"mimeType": "image/png", "data": "&lt;base64&gt;"}, "thoughtSignature": "..."}]},
 *   "finishReason": "STOP", "index": 0}],
 *  "usageMetadata": {"promptTokenCount": 7, "candidatesTokenCount": 1290, "totalTokenCount": 1297},
 *  "modelVersion": "gemini-2.5-flash-image", "responseId": "&lt;the job's request_id&gt;"}
 * </pre>
 *
 * The parts come from the model's turn the worker recorded in {@code next_turn_contents} (text and images in
 * Gemini's order, each part's {@code thoughtSignature} byte for byte, thought parts left out), so a chat that sends
 * this turn back edits exactly as with Google. Images go inline when the whole answer fits {@code maxResponseBytes}
 * (Lambda's 6 MB response limit), all of them; otherwise every image is a {@code fileData} part whose
 * {@code fileUri} is a presigned https URL (the Gemini API's own way of pointing at a file). Sizes come from the
 * outcome, so no byte is read for an answer that will not carry it.
 */
public final class GenerateContentView {
    /** Lambda's limit for a synchronous response payload. */
    public static final long LAMBDA_RESPONSE_BYTES = 6L * 1024 * 1024;
    /** Room left for the invocation's envelope (status, headers, JSON string quoting of the body). */
    public static final long ENVELOPE_BYTES = 64L * 1024;
    /** The largest body a Lambda-served answer can have. */
    public static final long MAX_RESPONSE_BYTES = LAMBDA_RESPONSE_BYTES - ENVELOPE_BYTES;

    /** How images travel. */
    public enum ImageMode {
        /** Inline when the whole answer fits, else presigned URLs. */
        INLINE_IF_FITS,
        /** Always presigned URLs (batch results, which hold many answers). */
        FILE_DATA
    }

    /** The answer and how its images travel. */
    public record Rendered(ObjectNode body, boolean inline, int images) {
    }

    private final String bucket;
    private final OutcomeImages images;
    private final Function<String, JsonNode> conversationLoader;
    private final long maxResponseBytes;

    /**
     * @param conversationLoader key → next_turn_contents spilled to S3 ({@code next_turn_contents_key}), or null when
     *                           the object is gone
     */
    public GenerateContentView(String bucket, OutcomeImages images, Function<String, JsonNode> conversationLoader,
                               long maxResponseBytes) {
        this.bucket = bucket;
        this.images = images;
        this.conversationLoader = conversationLoader;
        this.maxResponseBytes = maxResponseBytes;
    }

    /**
     * @param requestId the job's request id, which becomes {@code responseId} (the id to poll or quote)
     * @param outcome   the job's stored outcome (as {@code OutcomeWriter} wrote it: image keys, snake_case usage)
     */
    public Rendered render(String requestId, ObjectNode outcome, ImageMode mode) {
        Map<String, Long> sizes = new HashMap<>();
        for (JsonNode image : outcome.path("images")) {
            sizes.put(image.path("key").asText(), image.path("bytes").asLong(-1));
        }
        List<ImagePart> imageParts = new ArrayList<>();
        ArrayNode parts = Json.array();
        for (JsonNode part : modelParts(outcome)) {
            JsonNode fileData = part.path("fileData");
            String key = ownKey(fileData.path("fileUri").asText(""));
            if (key == null) {
                parts.add(part.deepCopy());
                continue;
            }
            ObjectNode copy = Json.object();
            copy.putObject("fileData"); // sized as a placeholder until the answer's form is known
            part.fields().forEachRemaining(e -> {
                if (!e.getKey().equals("fileData")) {
                    copy.set(e.getKey(), e.getValue().deepCopy());
                }
            });
            imageParts.add(new ImagePart(copy, key, fileData.path("mimeType").asText("image/png"),
                    sizes.getOrDefault(key, -1L)));
            parts.add(copy);
        }

        ObjectNode body = Json.object();
        ObjectNode candidate = body.putArray("candidates").addObject();
        candidate.putObject("content").put("role", "model").set("parts", parts);
        candidate.put("finishReason", outcome.path("finish_reason").asText("STOP"));
        candidate.put("index", 0);
        if (outcome.path("usage").isObject()) {
            body.set("usageMetadata", camelCase(outcome.get("usage")));
        }
        if (outcome.hasNonNull("model_version")) {
            body.put("modelVersion", outcome.get("model_version").asText());
        }
        body.put("responseId", requestId);

        boolean inline = mode == ImageMode.INLINE_IF_FITS && fits(body, imageParts);
        for (ImagePart image : imageParts) {
            image.part().remove("fileData");
            if (inline) {
                byte[] bytes = images.bytes(image.key());
                image.part().putObject("inlineData").put("mimeType", image.mimeType())
                        .put("data", Base64.getEncoder().encodeToString(bytes));
            } else {
                image.part().putObject("fileData").put("mimeType", image.mimeType())
                        .put("fileUri", images.presignedUrl(image.key()));
            }
            // Gemini puts the signature after the data member; keep that order for readers that diff bodies.
            JsonNode signature = image.part().remove("thoughtSignature");
            if (signature != null) {
                image.part().set("thoughtSignature", signature);
            }
        }
        return new Rendered(body, inline, imageParts.size());
    }

    /** The answer's size with every image inline, counted without reading an image: base64 is 4 bytes per 3. */
    private boolean fits(ObjectNode body, List<ImagePart> imageParts) {
        long total = Json.bytes(body).length;
        for (ImagePart image : imageParts) {
            long size = image.size();
            if (size < 0) {
                return false; // unknown size: a URL is always safe
            }
            total += 4 * ((size + 2) / 3) + inlineOverhead(image.mimeType());
        }
        return total <= maxResponseBytes;
    }

    /** What {@code "inlineData":{"mimeType":"…","data":""}} adds over the {@code "fileData":{}} it replaces. */
    private static int inlineOverhead(String mimeType) {
        ObjectNode inline = Json.object();
        inline.putObject("inlineData").put("mimeType", mimeType).put("data", "");
        ObjectNode placeholder = Json.object();
        placeholder.putObject("fileData");
        return Json.bytes(inline).length - Json.bytes(placeholder).length;
    }

    /**
     * The parts of this job's model turn: the turn just before the empty user turn that ends
     * {@code next_turn_contents} (submitted turns always end with a user turn, so a model turn there is this job's).
     * Without a recorded conversation the outcome's text and images stand in (their signatures are then unknown).
     */
    private List<JsonNode> modelParts(ObjectNode outcome) {
        JsonNode conversation = outcome.get("next_turn_contents");
        if (conversation == null && outcome.hasNonNull("next_turn_contents_key") && conversationLoader != null) {
            conversation = conversationLoader.apply(outcome.get("next_turn_contents_key").asText());
        }
        List<JsonNode> parts = new ArrayList<>();
        if (conversation != null && conversation.isArray() && conversation.size() >= 2) {
            JsonNode turn = conversation.get(conversation.size() - 2);
            if ("model".equals(turn.path("role").asText())) {
                turn.path("parts").forEach(parts::add);
                return parts;
            }
        }
        if (outcome.hasNonNull("text")) {
            parts.add(Json.object().put("text", outcome.get("text").asText()));
        }
        for (JsonNode image : outcome.path("images")) {
            ObjectNode part = Json.object();
            part.putObject("fileData").put("mimeType", image.path("mime_type").asText())
                    .put("fileUri", "s3://" + bucket + "/" + image.path("key").asText());
            parts.add(part);
        }
        return parts;
    }

    /** The key of one of our bucket's objects, or null for any other URI. */
    private String ownKey(String uri) {
        String prefix = "s3://" + bucket + "/";
        return uri.startsWith(prefix) && uri.length() > prefix.length() ? uri.substring(prefix.length()) : null;
    }

    /** The stored usage (snake_case, as the /v1 view shows it) back in Gemini's camelCase. */
    static JsonNode camelCase(JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = Json.object();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.set(camel(e.getKey()), camelCase(e.getValue()));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = Json.array();
            node.forEach(v -> out.add(camelCase(v)));
            return out;
        }
        return node;
    }

    private static String camel(String snake) {
        StringBuilder out = new StringBuilder(snake.length());
        boolean upper = false;
        for (char c : snake.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }

    private record ImagePart(ObjectNode part, String key, String mimeType, long size) {
    }
}
