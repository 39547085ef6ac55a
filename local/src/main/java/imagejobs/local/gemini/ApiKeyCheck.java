package imagejobs.local.gemini;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import com.sun.net.httpserver.Headers;

import imagejobs.shared.json.Json;

/**
 * The API key check, answering as Google does: no key at all is 403 PERMISSION_DENIED, a wrong key is 400
 * INVALID_ARGUMENT with an ErrorInfo reason API_KEY_INVALID. Keys arrive as {@code x-goog-api-key} (Google),
 * {@code ?key=} (Google, older clients) or {@code Authorization: Bearer} (resellers; the bare form without
 * "Bearer" that some reseller docs show is accepted too).
 */
final class ApiKeyCheck {
    private final String expected;

    /** @param expected the one valid key, or null to accept any key and none */
    ApiKeyCheck(String expected) {
        this.expected = expected;
    }

    void check(Headers headers, String rawQuery) {
        if (expected == null) {
            return;
        }
        String key = presented(headers, rawQuery);
        if (key == null || key.isEmpty()) {
            throw new GeminiError(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers"
                    + " without established identity). Please use API Key or other form of API consumer identity"
                    + " to call this API.");
        }
        if (!MessageDigest.isEqual(key.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8))) {
            String message = "API key not valid. Please pass a valid API key.";
            GeminiError error = GeminiError.invalidArgument(message);
            error.detail(Json.object()
                    .put("@type", "type.googleapis.com/google.rpc.ErrorInfo")
                    .put("reason", "API_KEY_INVALID")
                    .put("domain", "googleapis.com")
                    .set("metadata", Json.object().put("service", "generativelanguage.googleapis.com")));
            error.detail(Json.object()
                    .put("@type", "type.googleapis.com/google.rpc.LocalizedMessage")
                    .put("locale", "en-US")
                    .put("message", message));
            throw error;
        }
    }

    /** The key the caller presented, looked for where Google looks first. */
    static String presented(Headers headers, String rawQuery) {
        String header = headers.getFirst("x-goog-api-key");
        if (header != null) {
            return header.trim();
        }
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                if (pair.startsWith("key=")) {
                    return URLDecoder.decode(pair.substring(4), StandardCharsets.UTF_8).trim();
                }
            }
        }
        String authorization = headers.getFirst("Authorization");
        if (authorization != null) {
            String value = authorization.trim();
            return value.regionMatches(true, 0, "Bearer ", 0, 7) ? value.substring(7).trim() : value;
        }
        return null;
    }
}
