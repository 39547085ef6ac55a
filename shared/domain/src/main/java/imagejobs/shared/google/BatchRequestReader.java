package imagejobs.shared.google;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.errors.Rejection;
import imagejobs.shared.json.Json;
import imagejobs.shared.validation.FieldError;
import imagejobs.shared.validation.Utf16;

/**
 * Reads the body google-genai's {@code batches.create} sends to {@code POST /v1beta/models/{model}:batchGenerateContent}
 * (identical from Java 1.70.0 and 2.3.0, Python and JavaScript):
 *
 * <pre>
 * {"batch": {"displayName": "my-batch", "inputConfig": {"requests": {"requests": [
 *   {"request": {"model": "models/gemini-2.5-flash-image", "contents": [...], "generationConfig": {...}},
 *    "metadata": {"key": "a"}}]}}}}
 * </pre>
 *
 * The batch's shape and limits are checked here; each request's own content is checked afterwards by the same
 * validation as {@code :generateContent}, with its {@link BatchRequest.Item#fieldPrefix()} before the field. A file
 * source ({@code inputConfig.fileName}) needs Gemini's Files API, which this service does not offer.
 */
public final class BatchRequestReader {
    public static final String BATCH_TOO_LARGE = "BATCH_TOO_LARGE";
    private static final Set<String> BATCH_FIELDS = Set.of("displayName", "display_name", "inputConfig",
            "input_config", "model", "priority");
    private static final Set<String> ENTRY_FIELDS = Set.of("request", "metadata");

    private final BatchLimits limits;

    public BatchRequestReader(BatchLimits limits) {
        this.limits = limits;
    }

    /**
     * @param body  the parsed request body
     * @param model the path's model id (without {@code models/})
     * @throws Rejection {@link Rejection.Kind#INVALID}, with our code and the field that is wrong
     */
    public BatchRequest read(JsonNode body, String model) {
        JsonNode batch = body.path("batch");
        if (!batch.isObject()) {
            throw missingOrInvalid(body.get("batch"), "batch", "an object with inputConfig.requests.requests");
        }
        for (Iterator<String> it = batch.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!BATCH_FIELDS.contains(name)) {
                throw Rejection.invalid(FieldError.UNKNOWN_FIELD, "batch." + Utf16.prefix(name, 60)
                        + " is not a field of a batch; known: displayName, inputConfig, model", "batch." + name);
            }
        }
        String displayName = displayName(batch);
        checkModel(batch.get("model"), "batch.model", model);
        JsonNode input = first(batch, "inputConfig", "input_config");
        String inputField = batch.has("input_config") && !batch.has("inputConfig") ? "batch.input_config"
                : "batch.inputConfig";
        if (!input.isObject()) {
            throw missingOrInvalid(input.isMissingNode() ? null : input, inputField, "an object with requests.requests");
        }
        JsonNode file = first(input, "fileName", "file_name");
        if (!file.isMissingNode()) {
            throw Rejection.invalid(FieldError.UNSUPPORTED_FIELD, "batches from a file are not supported (there is no"
                    + " Files API here); send the requests inline in " + inputField + ".requests.requests",
                    inputField + ".fileName");
        }
        JsonNode requests = input.path("requests").path("requests");
        String requestsField = inputField + ".requests.requests";
        if (!requests.isArray() || requests.isEmpty()) {
            throw missingOrInvalid(requests.isMissingNode() || requests.isEmpty() && requests.isArray() ? null
                    : requests, requestsField, "a non-empty list of {\"request\": {...}} entries");
        }
        if (requests.size() > limits.maxRequests()) {
            throw Rejection.invalid(BATCH_TOO_LARGE, "a batch takes at most " + limits.maxRequests()
                    + " requests; this one has " + requests.size() + ": split it", requestsField);
        }
        List<BatchRequest.Item> items = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            items.add(item(requests.get(i), requestsField + "[" + i + "]", i, model));
        }
        return new BatchRequest(displayName, items);
    }

    private BatchRequest.Item item(JsonNode entry, String field, int index, String model) {
        if (!entry.isObject()) {
            throw Rejection.invalid(FieldError.INVALID_FIELD,
                    field + " must be an object {\"request\": {...}, \"metadata\": {...}}", field);
        }
        for (Iterator<String> it = entry.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!ENTRY_FIELDS.contains(name)) {
                throw Rejection.invalid(FieldError.UNKNOWN_FIELD, field + "." + Utf16.prefix(name, 60)
                        + " is not a field of a batch request; known: request, metadata", field + "." + name);
            }
        }
        JsonNode request = entry.get("request");
        if (request == null || !request.isObject()) {
            throw missingOrInvalid(request, field + ".request", "a GenerateContentRequest object");
        }
        checkModel(request.get("model"), field + ".request.model", model);
        ObjectNode copy = ((ObjectNode) request).deepCopy();
        copy.remove("model");
        JsonNode metadata = entry.get("metadata");
        ObjectNode meta = Json.object();
        if (metadata != null && !metadata.isNull()) {
            if (!metadata.isObject()) {
                throw Rejection.invalid(FieldError.INVALID_FIELD, field + ".metadata must be an object of strings",
                        field + ".metadata");
            }
            int size = Json.bytes(metadata).length;
            if (size > limits.maxMetadataBytes()) {
                throw Rejection.invalid(BATCH_TOO_LARGE, field + ".metadata is " + size + " bytes as JSON; at most "
                        + limits.maxMetadataBytes() + " are kept per request", field + ".metadata");
            }
            meta = ((ObjectNode) metadata).deepCopy();
        }
        return new BatchRequest.Item(index, copy, meta, field + ".request");
    }

    private String displayName(JsonNode batch) {
        JsonNode name = first(batch, "displayName", "display_name");
        if (name.isMissingNode() || name.isNull()) {
            return null;
        }
        String field = batch.has("displayName") ? "batch.displayName" : "batch.display_name";
        if (!name.isTextual()) {
            throw Rejection.invalid(FieldError.INVALID_FIELD, field + " must be a string", field);
        }
        String value = name.asText();
        if (Utf16.firstUnpaired(value) >= 0) {
            throw Rejection.invalid(FieldError.INVALID_FIELD, field + " is not valid Unicode text", field);
        }
        if (value.length() > limits.maxDisplayName()) {
            throw Rejection.invalid(FieldError.INVALID_FIELD, field + " is " + value.length()
                    + " characters long; at most " + limits.maxDisplayName(), field);
        }
        return value;
    }

    /** A model named inside the body must be the path's (a batch runs one model). */
    private static void checkModel(JsonNode given, String field, String model) {
        if (given == null || given.isNull()) {
            return;
        }
        String value = given.asText();
        String bare = value.startsWith("models/") ? value.substring("models/".length()) : value;
        if (!given.isTextual() || !bare.equals(model)) {
            throw Rejection.invalid(FieldError.INVALID_FIELD, field + " is '"
                    + Utf16.prefix(value, 100) + "' but the batch is for models/" + model
                    + " (the path's model); a batch runs one model", field);
        }
    }

    private static JsonNode first(JsonNode node, String camel, String snake) {
        JsonNode value = node.get(camel);
        return value != null ? value : node.path(snake);
    }

    private static Rejection missingOrInvalid(JsonNode value, String field, String expected) {
        return value == null || value.isNull()
                ? Rejection.invalid(FieldError.MISSING_FIELD, field + " is required: " + expected, field)
                : Rejection.invalid(FieldError.INVALID_FIELD, field + " must be " + expected, field);
    }
}
