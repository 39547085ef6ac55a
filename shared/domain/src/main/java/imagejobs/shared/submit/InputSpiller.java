package imagejobs.shared.submit;

import java.util.Base64;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;
import imagejobs.shared.storage.ObjectStore;

/**
 * Moves inline image data out of a canonical request into S3 ({@code inputs/{tenant}/{request_id}/{n}.{ext}}) and
 * replaces each inlineData by a fileData reference to it (other part fields, such as a thoughtSignature, stay), so
 * neither SQS nor DynamoDB ever holds base64. A request document too large for the jobs item goes to S3 whole.
 */
public final class InputSpiller {
    /** DynamoDB items are capped at 400 KB; leave room for the outcome and the other attributes. */
    static final int MAX_INLINE_REQUEST_BYTES = 100 * 1024;

    private final ObjectStore store;

    public InputSpiller(ObjectStore store) {
        this.store = store;
    }

    /** A copy of the validated request with every inline image uploaded and referenced. */
    public ObjectNode spill(String tenant, String requestId, ObjectNode gemini) {
        ObjectNode copy = gemini.deepCopy();
        int n = 0;
        for (JsonNode turn : copy.path("contents")) {
            for (JsonNode part : turn.path("parts")) {
                JsonNode inline = part.get("inlineData");
                if (inline == null) {
                    continue;
                }
                String mime = inline.path("mimeType").asText();
                // Validated canonical base64 (standard alphabet): a decoding failure here is a bug, not bad input.
                byte[] bytes = Base64.getDecoder().decode(inline.path("data").asText());
                String key = inputKey(tenant, requestId, n++ + "." + extension(mime));
                store.put(key, bytes, mime, Map.of("request-id", requestId));
                ObjectNode fileData = Json.object().put("mimeType", mime).put("fileUri", store.uri(key));
                ObjectNode p = (ObjectNode) part;
                // Rebuild the part so fileData takes inlineData's place ahead of thought/thoughtSignature.
                ObjectNode rest = p.deepCopy();
                rest.remove("inlineData");
                p.removeAll();
                p.set("fileData", fileData);
                p.setAll(rest);
            }
        }
        return copy;
    }

    /** The request document for the job item, or a key in S3 when it is too large for the item. */
    public StoredRequest storeRequest(String tenant, String requestId, ObjectNode request) {
        byte[] json = Json.bytes(request);
        if (json.length <= MAX_INLINE_REQUEST_BYTES) {
            return new StoredRequest(Json.write(request), null);
        }
        String key = inputKey(tenant, requestId, "request.json");
        store.put(key, json, "application/json", Map.of("request-id", requestId));
        return new StoredRequest(null, key);
    }

    public record StoredRequest(String inline, String key) {
    }

    static String inputKey(String tenant, String requestId, String name) {
        return "inputs/" + tenant + "/" + requestId + "/" + name;
    }

    public static String extension(String mimeType) {
        return switch (mimeType) {
            case "image/png" -> "png";
            case "image/jpeg" -> "jpg";
            case "image/webp" -> "webp";
            case "image/heic" -> "heic";
            case "image/heif" -> "heif";
            case "image/gif" -> "gif";
            default -> "bin";
        };
    }
}
