package imagejobs.shared.validation;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

import imagejobs.shared.json.Json;

/**
 * {@code safetySettings}: the harm categories and block thresholds Gemini's API documents for Gemini models, one
 * setting per category, spelled canonically ({@code hate_speech} → {@code HARM_CATEGORY_HATE_SPEECH}).
 */
final class SafetySettingsValidator {
    static final List<String> FIELDS = List.of("category", "threshold");
    static final List<String> CATEGORIES = List.of("HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_HATE_SPEECH",
            "HARM_CATEGORY_SEXUALLY_EXPLICIT", "HARM_CATEGORY_DANGEROUS_CONTENT", "HARM_CATEGORY_CIVIC_INTEGRITY");
    static final List<String> THRESHOLDS = List.of("HARM_BLOCK_THRESHOLD_UNSPECIFIED", "BLOCK_LOW_AND_ABOVE",
            "BLOCK_MEDIUM_AND_ABOVE", "BLOCK_ONLY_HIGH", "BLOCK_NONE", "OFF");

    private SafetySettingsValidator() {
    }

    /** The canonical settings, or null for an empty list. */
    static ArrayNode safetySettings(JsonNode node, String field) {
        if (!node.isArray()) {
            throw FieldError.invalid(field, field + " must be an array of {category, threshold}, got "
                    + Values.kind(node));
        }
        ArrayNode out = Json.array();
        Set<String> seen = new HashSet<>();
        int i = 0;
        for (JsonNode item : node) {
            String at = field + "[" + i++ + "]";
            FieldReader setting = FieldReader.read(item, at, "a safety setting", FIELDS);
            for (String required : FIELDS) {
                if (!setting.has(required)) {
                    throw FieldError.missing(setting.path(required), setting.path(required) + " is required");
                }
            }
            String category = GenerationConfigValidator.enumValue(setting.get("category"), setting.path("category"),
                    CATEGORIES, "HARM_CATEGORY_");
            String threshold = GenerationConfigValidator.enumValue(setting.get("threshold"), setting.path("threshold"),
                    THRESHOLDS, "");
            if (!seen.add(category)) {
                throw FieldError.invalid(setting.path("category"), category + " appears twice in " + field
                        + "; give each category once");
            }
            out.addObject().put("category", category).put("threshold", threshold);
        }
        return out.isEmpty() ? null : out;
    }
}
