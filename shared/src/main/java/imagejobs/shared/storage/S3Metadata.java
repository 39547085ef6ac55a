package imagejobs.shared.storage;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * User metadata as {@code x-amz-meta-*} headers. HTTP header values are ASCII: a value with anything else (a prompt in
 * French, a key with unicode, a control character) is sent as one RFC 2047 encoded word, {@code =?UTF-8?B?...?=},
 * which is the form S3 itself hands such values back in (the edit trigger decodes it). Names must be HTTP token
 * characters; anything else is refused before a request is made.
 */
final class S3Metadata {
    static final String PREFIX = "x-amz-meta-";

    private S3Metadata() {
    }

    /** Header name → value for a PutObject or CopyObject request. */
    static Map<String, String> headers(Map<String, String> metadata) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (metadata == null) {
            return headers;
        }
        metadata.forEach((name, value) -> {
            if (name == null || name.isEmpty() || !isToken(name)) {
                throw new IllegalArgumentException("metadata name '" + name + "' must be ASCII letters, digits or "
                        + "one of !#$%&'*+-.^_`|~ (it becomes the header " + PREFIX + "<name>)");
            }
            if (value == null) {
                throw new IllegalArgumentException("metadata " + name + " has no value");
            }
            headers.put(PREFIX + name.toLowerCase(Locale.ROOT), encodeValue(value));
        });
        return headers;
    }

    /** The value itself when it is printable ASCII without edge spaces, else an RFC 2047 B-encoded UTF-8 word. */
    static String encodeValue(String value) {
        boolean plain = value.isEmpty() || (value.charAt(0) != ' ' && value.charAt(value.length() - 1) != ' ');
        for (int i = 0; plain && i < value.length(); i++) {
            char c = value.charAt(i);
            plain = c >= 0x20 && c < 0x7F;
        }
        // A plain value that looks like an encoded word would be decoded by readers: encode it too.
        if (plain && !(value.startsWith("=?") && value.endsWith("?="))) {
            return value;
        }
        return "=?UTF-8?B?" + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)) + "?=";
    }

    /** The user metadata of a response: {@code x-amz-meta-*} headers, names lower case, values as S3 sent them. */
    static Map<String, String> fromHeaders(Map<String, List<String>> headers) {
        Map<String, String> metadata = new LinkedHashMap<>();
        headers.forEach((name, values) -> {
            if (name != null && name.length() > PREFIX.length()
                    && name.regionMatches(true, 0, PREFIX, 0, PREFIX.length()) && !values.isEmpty()) {
                metadata.put(name.substring(PREFIX.length()).toLowerCase(Locale.ROOT), String.join(",", values));
            }
        });
        return metadata;
    }

    private static boolean isToken(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
