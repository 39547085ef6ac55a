package imagejobs.shared.queue;

import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.json.Json;

/**
 * The body of a queue message: {@code {"request_id":"…"}}, plus {@code "wait_token":"…"} when the worker re-sent it
 * to wait for a Gemini slot (the token tells the job's current message from stale copies of earlier ones).
 */
public final class JobMessage {
    private JobMessage() {
    }

    public static String body(String requestId) {
        return Json.write(Json.object().put("request_id", requestId));
    }

    public static String body(String requestId, String waitToken) {
        return waitToken == null ? body(requestId)
                : Json.write(Json.object().put("request_id", requestId).put("wait_token", waitToken));
    }

    /** The wait token, or empty for a message sent by the intake (or not one of ours). */
    public static Optional<String> waitToken(String body) {
        try {
            JsonNode token = Json.MAPPER.readTree(body).get("wait_token");
            return token != null && token.isTextual() ? Optional.of(token.asText()) : Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
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
