package imagejobs.shared.queue;

import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.json.Json;

/** The body of a queue message: {@code {"request_id":"…"}}. */
public final class JobMessage {
    private JobMessage() {
    }

    public static String body(String requestId) {
        return Json.write(Json.object().put("request_id", requestId));
    }

    /** The request id, or empty for a body that is not one of ours (a poison message). */
    public static Optional<String> requestId(String body) {
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            JsonNode id = node == null ? null : node.get("request_id");
            return id != null && id.isTextual() && !id.asText().isBlank() ? Optional.of(id.asText()) : Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }
}
