package imagejobs.lambda.http;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.errors.Rejection;
import imagejobs.shared.json.Json;

/** An HTTP response with a JSON body; handlers map it onto API Gateway's response type. */
public record ApiResponse(int status, Map<String, String> headers, String body) {

    public static ApiResponse json(int status, JsonNode body) {
        return json(status, body, Map.of());
    }

    public static ApiResponse json(int status, JsonNode body, Map<String, String> extraHeaders) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("content-type", "application/json");
        headers.put("cache-control", "no-store");
        headers.putAll(extraHeaders);
        return new ApiResponse(status, Map.copyOf(headers), Json.write(body));
    }

    /** A refusal as {@code {"error":{"code","message","field"?, ...details}}} with the HTTP status that fits it. */
    public static ApiResponse error(Rejection e) {
        return json(RejectionResponses.status(e.kind()), RejectionResponses.body(e), RejectionResponses.headers(e));
    }
}
