package imagejobs.local.gemini;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/**
 * An error answer in Google's shape, {@code {"error":{"code","message","status","details"}}}, thrown from
 * anywhere in request handling and written by the endpoint.
 */
final class GeminiError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int httpStatus;
    private final String status;
    private final transient ArrayNode details = Json.array();
    private final Map<String, String> headers = new LinkedHashMap<>();

    GeminiError(int httpStatus, String status, String message) {
        super(message, null, false, false);
        this.httpStatus = httpStatus;
        this.status = status;
    }

    static GeminiError invalidArgument(String message) {
        return new GeminiError(400, "INVALID_ARGUMENT", message);
    }

    /**
     * What Google sends for a JSON body that does not fit the request proto: the message plus a BadRequest
     * detail naming the field ({@code generation_config.image_config.aspect_ratio}).
     */
    static GeminiError badField(String field, String description) {
        GeminiError error = invalidArgument(description);
        ObjectNode violation = Json.object().put("description", description);
        if (field != null) {
            violation.put("field", field);
        }
        ObjectNode badRequest = Json.object().put("@type", "type.googleapis.com/google.rpc.BadRequest");
        badRequest.putArray("fieldViolations").add(violation);
        error.details.add(badRequest);
        return error;
    }

    /** Google's error for an unknown model, which callers see as an upstream 404. */
    static GeminiError modelNotFound(String apiVersion, String model) {
        return new GeminiError(404, "NOT_FOUND", "models/" + model
                + " is not found for API version " + apiVersion + ", or is not supported for generateContent."
                + " Call ListModels to see the list of available models and their supported methods.");
    }

    GeminiError detail(ObjectNode detail) {
        details.add(detail);
        return this;
    }

    GeminiError header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    int httpStatus() {
        return httpStatus;
    }

    String status() {
        return status;
    }

    Map<String, String> headers() {
        return headers;
    }

    ObjectNode toJson() {
        ObjectNode error = Json.object();
        error.putObject("error")
                .put("code", httpStatus)
                .put("message", getMessage())
                .put("status", status);
        if (!details.isEmpty()) {
            ((ObjectNode) error.get("error")).set("details", details.deepCopy());
        }
        return error;
    }
}
