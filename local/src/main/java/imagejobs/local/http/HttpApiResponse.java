package imagejobs.local.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.json.Json;

/**
 * What the client receives, mapped from a function's payload format 2.0 response as API Gateway maps it: an object
 * with {@code statusCode} is a structured response (headers, multiValueHeaders, cookies as Set-Cookie, body,
 * base64-decoded when {@code isBase64Encoded}); any other valid JSON is a 200 {@code application/json} response
 * with that JSON as the body; anything malformed is API Gateway's own 500.
 */
public record HttpApiResponse(int statusCode, List<Map.Entry<String, String>> headers, byte[] body) {
    /** Hop-by-hop and framing headers are the server's business, never the function's. */
    private static final Set<String> DROPPED = Set.of("content-length", "transfer-encoding", "connection", "date");

    public static HttpApiResponse gatewayError(int status, String message) {
        return new HttpApiResponse(status, List.of(Map.entry("content-type", "application/json")),
                ("{\"message\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    public static HttpApiResponse notFound() {
        return gatewayError(404, "Not Found");
    }

    public static HttpApiResponse tooLarge() {
        return gatewayError(413, "Request Entity Too Large");
    }

    public static HttpApiResponse internalError() {
        return gatewayError(500, "Internal Server Error");
    }

    public static HttpApiResponse serviceUnavailable() {
        return gatewayError(503, "Service Unavailable");
    }

    public static HttpApiResponse fromLambdaPayload(String payload) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(payload == null ? "null" : payload);
        } catch (JsonProcessingException e) {
            return internalError();
        }
        if (node == null || !node.isObject() || !node.has("statusCode")) {
            return new HttpApiResponse(200, List.of(Map.entry("content-type", "application/json")),
                    payload == null ? new byte[0] : payload.getBytes(StandardCharsets.UTF_8));
        }
        JsonNode status = node.get("statusCode");
        int code = status.canConvertToInt() ? status.asInt() : status.isTextual() ? parse(status.asText()) : -1;
        if (code < 100 || code > 599) {
            return internalError(); // "malformed Lambda proxy response"
        }
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        JsonNode single = node.get("headers");
        if (single != null && single.isObject()) {
            single.fields().forEachRemaining(e -> add(headers, e.getKey(), text(e.getValue())));
        }
        JsonNode multi = node.get("multiValueHeaders");
        if (multi != null && multi.isObject()) {
            multi.fields().forEachRemaining(e -> {
                if (e.getValue().isArray()) {
                    e.getValue().forEach(v -> add(headers, e.getKey(), text(v)));
                }
            });
        }
        JsonNode cookies = node.get("cookies");
        if (cookies != null && cookies.isArray()) {
            cookies.forEach(c -> headers.add(Map.entry("set-cookie", text(c))));
        }
        byte[] body = new byte[0];
        JsonNode bodyNode = node.get("body");
        if (bodyNode != null && !bodyNode.isNull()) {
            String text = text(bodyNode);
            JsonNode flag = node.get("isBase64Encoded");
            if (flag != null && flag.asBoolean(false)) {
                try {
                    body = Base64.getMimeDecoder().decode(text);
                } catch (IllegalArgumentException e) {
                    return internalError();
                }
            } else {
                body = text.getBytes(StandardCharsets.UTF_8);
            }
        }
        return new HttpApiResponse(code, List.copyOf(headers), body);
    }

    private static void add(List<Map.Entry<String, String>> headers, String name, String value) {
        if (!DROPPED.contains(name.toLowerCase(Locale.ROOT)) && value != null) {
            headers.add(Map.entry(name, value));
        }
    }

    private static String text(JsonNode value) {
        return value == null || value.isNull() ? null : value.isTextual() ? value.asText() : value.toString();
    }

    private static int parse(String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The first value of a header, case-insensitively (tests). */
    public String header(String name) {
        return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue)
                .findFirst().orElse(null);
    }
}
