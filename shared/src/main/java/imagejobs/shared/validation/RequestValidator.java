package imagejobs.shared.validation;

import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.catalog.ModelSpec;
import imagejobs.shared.json.Json;

/**
 * Turns a submitted payload (the simple request-queue form or the native Gemini form) into a
 * {@link CanonicalRequest}, or rejects it with a {@link FieldError} naming the field, the value and what is allowed.
 */
public final class RequestValidator {
    private final ModelCatalog catalog;

    public RequestValidator(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    public ModelSpec model(String id, String field) {
        if (id == null || id.isBlank()) {
            throw new FieldError("INVALID_MODEL", field, "model is required; known models: " + String.join(", ", catalog.ids()));
        }
        return catalog.find(id).orElseThrow(() -> new FieldError("INVALID_MODEL", field,
                "unknown model '" + id + "'; known models: " + String.join(", ", catalog.ids())));
    }

    /** The body of {@code POST /v1/requests}: {@code {"model": "...", "payload": {...}}}. */
    public CanonicalRequest validateRequestQueue(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw FieldError.invalid(null, "the body must be a JSON object {\"model\": ..., \"payload\": {...}}");
        }
        ModelSpec model = model(text(body.get("model")), "model");
        JsonNode payload = body.get("payload");
        if (payload == null || !payload.isObject()) {
            throw FieldError.invalid("payload", "payload must be an object with a prompt (or native contents)");
        }
        if (payload.has("contents")) {
            return validateNative(model, payload, "payload");
        }
        return validateSimple(model, (ObjectNode) payload);
    }

    /** The body of {@code POST /v1beta/models/{model}:generateContent}. */
    public CanonicalRequest validateNative(String modelId, JsonNode body) {
        ModelSpec model = model(modelId, "model");
        if (body == null || !body.isObject()) {
            throw FieldError.invalid(null, "the body must be a JSON object with contents");
        }
        return validateNative(model, body, null);
    }

    private CanonicalRequest validateSimple(ModelSpec model, ObjectNode payload) {
        String prompt = text(payload.get("prompt"));
        if (prompt == null || prompt.isBlank()) {
            throw FieldError.invalid("payload.prompt", "payload.prompt is required and must not be blank");
        }
        ObjectNode gemini = Json.object();
        ObjectNode turn = gemini.putArray("contents").addObject();
        turn.put("role", "user");
        turn.putArray("parts").addObject().put("text", prompt);
        ObjectNode config = Json.object();
        ObjectNode imageConfig = Json.object();
        String ratio = text(payload.get("aspect_ratio"));
        if (ratio != null) {
            imageConfig.put("aspectRatio", checkRatio(model, ratio, "payload.aspect_ratio"));
        }
        String size = text(payload.get("image_size"));
        if (size != null) {
            imageConfig.put("imageSize", checkSize(model, size, "payload.image_size"));
        }
        if (!imageConfig.isEmpty()) {
            config.set("imageConfig", imageConfig);
        }
        if (!config.isEmpty()) {
            gemini.set("generationConfig", config);
        }
        return new CanonicalRequest(model, gemini);
    }

    private CanonicalRequest validateNative(ModelSpec model, JsonNode body, String prefix) {
        String base = prefix == null ? "" : prefix + ".";
        JsonNode contents = body.get("contents");
        if (contents == null || !contents.isArray() || contents.isEmpty()) {
            throw FieldError.invalid(base + "contents", base + "contents must be a non-empty array of turns");
        }
        ObjectNode gemini = Json.object();
        gemini.set("contents", contents.deepCopy());
        JsonNode config = first(body, "generationConfig", "generation_config");
        if (config != null && config.isObject()) {
            ObjectNode canonical = Json.object();
            for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                canonical.set(camel(e.getKey()), e.getValue().deepCopy());
            }
            JsonNode imageConfig = canonical.get("imageConfig");
            if (imageConfig != null && imageConfig.isObject()) {
                ObjectNode ic = Json.object();
                imageConfig.fields().forEachRemaining(e -> ic.set(camel(e.getKey()), e.getValue()));
                if (ic.hasNonNull("aspectRatio")) {
                    ic.put("aspectRatio", checkRatio(model, ic.get("aspectRatio").asText(),
                            base + "generationConfig.imageConfig.aspectRatio"));
                }
                if (ic.hasNonNull("imageSize")) {
                    ic.put("imageSize", checkSize(model, ic.get("imageSize").asText(),
                            base + "generationConfig.imageConfig.imageSize"));
                }
                canonical.set("imageConfig", ic);
            }
            gemini.set("generationConfig", canonical);
        }
        return new CanonicalRequest(model, gemini);
    }

    private static String checkRatio(ModelSpec model, String ratio, String field) {
        if (!model.supportsAspectRatio(ratio)) {
            throw new FieldError("UNSUPPORTED_ASPECT_RATIO", field, "aspect_ratio '" + ratio + "' is not supported by "
                    + model.id() + "; supported: " + String.join(", ", model.aspectRatios()));
        }
        return ratio;
    }

    private static String checkSize(ModelSpec model, String size, String field) {
        String canonical = ModelCatalog.canonicalImageSize(size);
        if (!model.supportsImageSize(canonical)) {
            throw new FieldError("UNSUPPORTED_IMAGE_SIZE", field, "image_size '" + size + "' is not supported by "
                    + model.id() + "; supported: " + String.join(", ", model.imageSizes()));
        }
        return canonical;
    }

    private static JsonNode first(JsonNode node, String... names) {
        for (String name : names) {
            if (node.has(name)) {
                return node.get(name);
            }
        }
        return null;
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() || !node.isTextual() ? null : node.asText();
    }

    static String camel(String name) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char c : name.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }
}
