package imagejobs.shared.google;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.catalog.ModelSpec;
import imagejobs.shared.json.Json;
import imagejobs.shared.validation.FieldError;
import imagejobs.shared.validation.Utf16;

/**
 * {@code GET /v1beta/models} and {@code GET /v1beta/models/{model}}: the catalog in Gemini's {@code Model} shape,
 * which google-genai's {@code models.list()} / {@code models.get()} read:
 *
 * <pre>
 * {"name": "models/gemini-3-pro-image-preview", "baseModelId": "gemini-3-pro-image-preview",
 *  "displayName": "Gemini 3 Pro Image Preview", "description": "...",
 *  "inputTokenLimit": 65536, "outputTokenLimit": 32768,
 *  "supportedGenerationMethods": ["generateContent", "streamGenerateContent", "batchGenerateContent"]}
 * </pre>
 *
 * A list is {@code {"models": [...], "nextPageToken": "..."}}; the token is left out on the last page (the SDKs' pagers
 * ask for another page whenever the field is present, even empty). Fields the catalog does not hold
 * ({@code version}, {@code outputTokenLimit}) appear only when its entry has them ({@code version},
 * {@code max_output_tokens}); the upstream model id stays private as on {@code /v1/models}.
 */
public final class ModelsView {
    public static final int DEFAULT_PAGE_SIZE = 50;
    /** Google's own cap for models.list. */
    public static final int MAX_PAGE_SIZE = 1000;
    public static final List<String> METHODS = List.of("generateContent", "streamGenerateContent",
            "batchGenerateContent");
    private static final String TOKEN_PREFIX = "models:";

    private final ModelCatalog catalog;

    public ModelsView(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    /** One model; {@code name} is the path's {@code models/{model}} or the bare id. */
    public GoogleReply get(String name) {
        String id = name != null && name.startsWith("models/") ? name.substring("models/".length()) : name;
        Optional<ModelSpec> model = catalog.find(id);
        if (model.isEmpty()) {
            return GoogleReply.error(unknownModel(id));
        }
        return GoogleReply.ok(model(model.get()));
    }

    /**
     * A page of models in catalog order.
     *
     * @param pageSize  the {@code pageSize} query parameter as sent (null or empty: the default)
     * @param pageToken the {@code pageToken} query parameter as sent (null or empty: the first page)
     */
    public GoogleReply list(String pageSize, String pageToken) {
        int size;
        int offset;
        try {
            size = pageSize(pageSize);
            offset = offset(pageToken);
        } catch (BadParameter e) {
            return GoogleReply.error(GoogleErrorBody.builder(400, e.getMessage()).reason(FieldError.INVALID_FIELD)
                    .fieldViolation(e.field, e.getMessage()).build());
        }
        List<ModelSpec> all = catalog.all();
        ObjectNode body = Json.object();
        ArrayNode models = body.putArray("models");
        int end = (int) Math.min((long) offset + size, all.size());
        for (int i = offset; i < end; i++) {
            models.add(model(all.get(i)));
        }
        if (end < all.size()) {
            body.put("nextPageToken", token(end));
        }
        return GoogleReply.ok(body);
    }

    /** The catalog entry as Gemini's Model. */
    public static ObjectNode model(ModelSpec m) {
        ObjectNode view = Json.object();
        view.put("name", "models/" + m.id());
        view.put("baseModelId", m.id());
        JsonNode version = m.json().get("version");
        if (version != null && version.isTextual()) {
            view.put("version", version.asText());
        }
        view.put("displayName", m.displayName());
        view.put("description", m.description());
        if (m.maxInputTokens() > 0) {
            view.put("inputTokenLimit", m.maxInputTokens());
        }
        JsonNode output = m.json().get("max_output_tokens");
        if (output != null && output.canConvertToInt() && output.asInt() > 0) {
            view.put("outputTokenLimit", output.asInt());
        }
        METHODS.forEach(view.putArray("supportedGenerationMethods")::add);
        return view;
    }

    /** Google's 404 for a model it does not serve, with our code and the models we do serve. */
    public GoogleError unknownModel(String id) {
        String message = "models/" + Utf16.prefix(id == null ? "" : id, 100) + " is not found; known models: "
                + String.join(", ", catalog.ids());
        return GoogleErrorBody.builder(404, message).reason(FieldError.UNKNOWN_MODEL).build();
    }

    private static int pageSize(String value) {
        if (value == null || value.isEmpty()) {
            return DEFAULT_PAGE_SIZE;
        }
        if (value.length() > 9 || !value.chars().allMatch(Character::isDigit)) {
            throw new BadParameter("pageSize", "pageSize must be a whole number from 0 to " + MAX_PAGE_SIZE
                    + "; got '" + Utf16.prefix(value, 20) + "'");
        }
        int size = Integer.parseInt(value);
        return size == 0 ? DEFAULT_PAGE_SIZE : Math.min(size, MAX_PAGE_SIZE);
    }

    private static int offset(String token) {
        if (token == null || token.isEmpty()) {
            return 0;
        }
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (decoded.startsWith(TOKEN_PREFIX)) {
                String digits = decoded.substring(TOKEN_PREFIX.length());
                if (!digits.isEmpty() && digits.length() <= 9 && digits.chars().allMatch(Character::isDigit)) {
                    return Integer.parseInt(digits);
                }
            }
        } catch (IllegalArgumentException notBase64) {
            // the same answer as any other token this route did not issue
        }
        throw new BadParameter("pageToken", "pageToken is not one this API returned; list again from the start"
                + " (no pageToken)");
    }

    private static String token(int offset) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((TOKEN_PREFIX + offset).getBytes(StandardCharsets.UTF_8));
    }

    private static final class BadParameter extends RuntimeException {
        private final String field;

        BadParameter(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }
    }
}
