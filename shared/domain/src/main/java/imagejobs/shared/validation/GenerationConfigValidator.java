package imagejobs.shared.validation;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.catalog.ModelSpec;
import imagejobs.shared.json.Json;

/**
 * {@code generationConfig} into its canonical form: the fields of Gemini's GenerationConfig (REST reference), values
 * checked and canonicalised ({@code image} → {@code IMAGE}, {@code 1k} → {@code 1K}, {@code 0.5K} → {@code 512}),
 * {@code imageConfig} checked against the model's catalog entry. {@code aspectRatio} / {@code imageSize} written
 * directly under generationConfig (seed 002's REST example) are moved into imageConfig.
 */
final class GenerationConfigValidator {
    /** Output order of the canonical config; also the list unknown-field errors show. */
    static final List<String> FIELDS = List.of("responseModalities", "temperature", "topP", "topK", "candidateCount",
            "maxOutputTokens", "seed", "stopSequences", "presencePenalty", "frequencyPenalty", "responseMimeType",
            "responseSchema", "responseJsonSchema", "responseLogprobs", "logprobs", "enableEnhancedCivicAnswers",
            "thinkingConfig", "mediaResolution", "speechConfig", "imageConfig", "aspectRatio", "imageSize");
    static final String SHOWN = String.join(", ", FIELDS.stream().filter(f -> !f.equals("speechConfig")).toList());
    static final List<String> IMAGE_CONFIG_FIELDS = List.of("aspectRatio", "imageSize");
    static final List<String> THINKING_FIELDS = List.of("includeThoughts", "thinkingBudget", "thinkingLevel");
    static final List<String> MODALITIES = List.of("TEXT", "IMAGE");
    static final List<String> THINKING_LEVELS = List.of("THINKING_LEVEL_UNSPECIFIED", "MINIMAL", "LOW", "MEDIUM", "HIGH");
    static final List<String> MEDIA_RESOLUTIONS = List.of("MEDIA_RESOLUTION_UNSPECIFIED", "MEDIA_RESOLUTION_LOW",
            "MEDIA_RESOLUTION_MEDIUM", "MEDIA_RESOLUTION_HIGH");
    static final int MAX_STOP_SEQUENCES = 5;
    private static final Pattern MIME = Pattern.compile("[a-z0-9.+-]+/[a-z0-9.+-]+");

    private GenerationConfigValidator() {
    }

    /** The canonical config, or null when nothing is left in it. */
    static ObjectNode generationConfig(JsonNode node, String field, ModelSpec model) {
        FieldReader in = FieldReader.read(node, field, "generationConfig", FIELDS, SHOWN);
        ObjectNode out = Json.object();
        if (in.has("speechConfig")) {
            throw new FieldError(FieldError.UNSUPPORTED_FIELD, in.path("speechConfig"), "speechConfig is for audio"
                    + " output; image models answer TEXT and IMAGE only");
        }
        if (in.has("responseModalities")) {
            ArrayNode modalities = responseModalities(in.get("responseModalities"), in.path("responseModalities"));
            if (!modalities.isEmpty()) {
                out.set("responseModalities", modalities);
            }
        }
        if (in.has("temperature")) {
            out.set("temperature", Values.number(in.get("temperature"), in.path("temperature"), 0.0, 2.0));
        }
        if (in.has("topP")) {
            out.set("topP", Values.number(in.get("topP"), in.path("topP"), 0.0, 1.0));
        }
        if (in.has("topK")) {
            out.set("topK", Values.integer(in.get("topK"), in.path("topK"), 1, Values.INT32_MAX));
        }
        if (in.has("candidateCount")) {
            // A job has one outcome; more candidates would be generated, billed and dropped.
            out.set("candidateCount", Values.integer(in.get("candidateCount"), in.path("candidateCount"), 1, 1,
                    "a job answers with one candidate"));
        }
        if (in.has("maxOutputTokens")) {
            out.set("maxOutputTokens", Values.integer(in.get("maxOutputTokens"), in.path("maxOutputTokens"), 1,
                    Values.INT32_MAX));
        }
        if (in.has("seed")) {
            out.set("seed", Values.integer(in.get("seed"), in.path("seed"), Values.INT32_MIN,
                    Values.INT32_MAX));
        }
        if (in.has("stopSequences")) {
            List<String> stops = Values.strings(in.get("stopSequences"), in.path("stopSequences"));
            if (stops.size() > MAX_STOP_SEQUENCES) {
                throw new FieldError(FieldError.OUT_OF_RANGE, in.path("stopSequences"), in.path("stopSequences")
                        + " has " + stops.size() + " entries; allowed: at most " + MAX_STOP_SEQUENCES);
            }
            ArrayNode a = out.putArray("stopSequences");
            stops.forEach(a::add);
        }
        if (in.has("presencePenalty")) {
            out.set("presencePenalty", Values.number(in.get("presencePenalty"), in.path("presencePenalty"), -2.0, 2.0));
        }
        if (in.has("frequencyPenalty")) {
            out.set("frequencyPenalty", Values.number(in.get("frequencyPenalty"), in.path("frequencyPenalty"), -2.0, 2.0));
        }
        if (in.has("responseMimeType")) {
            String mime = Values.string(in.get("responseMimeType"), in.path("responseMimeType")).trim()
                    .toLowerCase(Locale.ROOT);
            if (!MIME.matcher(mime).matches()) {
                throw FieldError.invalid(in.path("responseMimeType"), in.path("responseMimeType") + " "
                        + Values.quote(mime) + " is not a MIME type (e.g. text/plain)");
            }
            out.put("responseMimeType", mime);
        }
        for (String schema : List.of("responseSchema", "responseJsonSchema")) {
            if (in.has(schema)) {
                JsonNode value = in.get(schema);
                if (!value.isObject()) {
                    throw FieldError.invalid(in.path(schema), in.path(schema) + " must be a schema object, got "
                            + Values.kind(value));
                }
                // A schema's own keys are user data: copied as they are, never renamed.
                Values.finiteNumbers(value, in.path(schema));
                out.set(schema, value.deepCopy());
            }
        }
        if (in.has("responseLogprobs")) {
            out.put("responseLogprobs", Values.bool(in.get("responseLogprobs"), in.path("responseLogprobs")));
        }
        if (in.has("logprobs")) {
            out.set("logprobs", Values.integer(in.get("logprobs"), in.path("logprobs"), 0, 20));
        }
        if (in.has("enableEnhancedCivicAnswers")) {
            out.put("enableEnhancedCivicAnswers", Values.bool(in.get("enableEnhancedCivicAnswers"),
                    in.path("enableEnhancedCivicAnswers")));
        }
        if (in.has("thinkingConfig")) {
            ObjectNode thinking = thinkingConfig(in.get("thinkingConfig"), in.path("thinkingConfig"));
            if (!thinking.isEmpty()) {
                out.set("thinkingConfig", thinking);
            }
        }
        if (in.has("mediaResolution")) {
            out.put("mediaResolution", enumValue(in.get("mediaResolution"), in.path("mediaResolution"),
                    MEDIA_RESOLUTIONS, "MEDIA_RESOLUTION_"));
        }
        ObjectNode image = imageConfig(in, model);
        if (!image.isEmpty()) {
            out.set("imageConfig", image);
        }
        return out.isEmpty() ? null : out;
    }

    static ArrayNode responseModalities(JsonNode node, String field) {
        ArrayNode out = Json.array();
        Set<String> seen = new LinkedHashSet<>();
        List<String> given = Values.strings(node, field);
        for (int i = 0; i < given.size(); i++) {
            String m = given.get(i).trim().toUpperCase(Locale.ROOT);
            if (m.equals("AUDIO")) {
                throw new FieldError(FieldError.UNSUPPORTED_FIELD, field + "[" + i + "]", "AUDIO is not produced by"
                        + " image models; allowed: " + String.join(", ", MODALITIES));
            }
            if (!MODALITIES.contains(m)) {
                throw FieldError.invalid(field + "[" + i + "]", field + "[" + i + "] " + Values.quote(given.get(i))
                        + " is not a modality; allowed: " + String.join(", ", MODALITIES));
            }
            if (seen.add(m)) {
                out.add(m);
            }
        }
        return out;
    }

    /** imageConfig, plus aspectRatio / imageSize written one level up (seed 002): both places agree or it is a 400. */
    private static ObjectNode imageConfig(FieldReader config, ModelSpec model) {
        ObjectNode out = Json.object();
        FieldReader nested = config.has("imageConfig")
                ? FieldReader.read(config.get("imageConfig"), config.path("imageConfig"), "imageConfig", IMAGE_CONFIG_FIELDS)
                : null;
        for (String name : IMAGE_CONFIG_FIELDS) {
            String value = null;
            String valueField = null;
            for (FieldReader source : new FieldReader[] {nested, config}) {
                if (source == null || !source.has(name)) {
                    continue;
                }
                String field = source.path(name);
                String raw = Values.string(source.get(name), field);
                String canonical = name.equals("aspectRatio") ? aspectRatio(model, raw, field) : imageSize(model, raw, field);
                if (value != null && !value.equals(canonical)) {
                    throw FieldError.invalid(field, field + " " + Values.quote(raw) + " contradicts " + valueField
                            + " " + Values.quote(value) + "; send it once, in imageConfig");
                }
                value = canonical;
                valueField = field;
            }
            if (value != null) {
                out.put(name, value);
            }
        }
        return out;
    }

    static String aspectRatio(ModelSpec model, String ratio, String field) {
        String r = ratio.trim();
        if (!model.supportsAspectRatio(r)) {
            throw new FieldError(FieldError.UNSUPPORTED_ASPECT_RATIO, field, "aspect ratio " + Values.quote(ratio)
                    + " is not supported by " + model.id() + "; supported: " + String.join(", ", model.aspectRatios()));
        }
        return r;
    }

    static String imageSize(ModelSpec model, String size, String field) {
        String canonical = ModelCatalog.canonicalImageSize(size);
        if (!model.supportsImageSize(canonical)) {
            List<String> shown = new ArrayList<>();
            for (String s : model.imageSizes()) {
                shown.add(s.equals("512") ? "512 (0.5K)" : s);
            }
            throw new FieldError(FieldError.UNSUPPORTED_IMAGE_SIZE, field, "image size " + Values.quote(size)
                    + " is not supported by " + model.id() + "; supported: " + String.join(", ", shown));
        }
        return canonical;
    }

    private static ObjectNode thinkingConfig(JsonNode node, String field) {
        FieldReader in = FieldReader.read(node, field, "thinkingConfig", THINKING_FIELDS);
        ObjectNode out = Json.object();
        if (in.has("includeThoughts")) {
            out.put("includeThoughts", Values.bool(in.get("includeThoughts"), in.path("includeThoughts")));
        }
        if (in.has("thinkingBudget") && in.has("thinkingLevel")) {
            throw FieldError.invalid(in.path("thinkingLevel"), "thinkingBudget and thinkingLevel cannot be combined;"
                    + " send one of them");
        }
        if (in.has("thinkingBudget")) {
            // -1 is "dynamic", 0 "off"; the model's upper bound is Gemini's to enforce.
            out.set("thinkingBudget", Values.integer(in.get("thinkingBudget"), in.path("thinkingBudget"), -1,
                    Values.INT32_MAX));
        }
        if (in.has("thinkingLevel")) {
            out.put("thinkingLevel", enumValue(in.get("thinkingLevel"), in.path("thinkingLevel"), THINKING_LEVELS, ""));
        }
        return out;
    }

    /** An enum value, matched ignoring case and, where enums share one, without their prefix. */
    static String enumValue(JsonNode node, String field, List<String> allowed, String prefix) {
        String given = Values.string(node, field);
        String v = given.trim().toUpperCase(Locale.ROOT);
        if (!allowed.contains(v) && allowed.contains(prefix + v)) {
            v = prefix + v;
        }
        if (!allowed.contains(v)) {
            throw FieldError.invalid(field, field + " " + Values.quote(given) + " is not allowed; allowed: "
                    + String.join(", ", allowed));
        }
        return v;
    }
}
