package imagejobs.adapters.s3;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * User metadata ({@code x-amz-meta-*}) as S3 takes it. HTTP header values are ASCII and the SDK sends values as
 * given, so a value with anything else (a prompt in French, a key with unicode, a control character) is sent as one
 * RFC 2047 encoded word, {@code =?UTF-8?B?...?=}: the form S3 itself hands such values back in, and the one it
 * decodes on the way in. Readers get values as S3 sent them (the edit trigger decodes), under lower-case names.
 * Names must be HTTP token characters; anything else is refused before a request is made. Hand-written because
 * neither the SDK nor the JDK has an RFC 2047 encoder (jakarta.mail's would be a dependency for twenty lines).
 */
final class UserMetadata {
    private UserMetadata() {
    }

    /** Name (lower case, as S3 stores it) → value safe for a header. */
    static Map<String, String> encode(Map<String, String> metadata) {
        Map<String, String> encoded = new LinkedHashMap<>();
        if (metadata == null) {
            return encoded;
        }
        metadata.forEach((name, value) -> {
            if (name == null || name.isEmpty() || !isToken(name)) {
                throw new IllegalArgumentException("metadata name '" + shortPrefix(name) + "' must be ASCII letters, "
                        + "digits or one of !#$%&'*+-.^_`|~ (it becomes an x-amz-meta- header)");
            }
            if (value == null) {
                throw new IllegalArgumentException("metadata " + name + " has no value");
            }
            encoded.put(name.toLowerCase(Locale.ROOT), encodeValue(value));
        });
        return encoded;
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

    /** What S3 answered, names lower case (S3 sends them so; not every S3-compatible server does). */
    static Map<String, String> lowerCaseNames(Map<String, String> metadata) {
        Map<String, String> lower = new LinkedHashMap<>();
        metadata.forEach((name, value) -> lower.put(name.toLowerCase(Locale.ROOT), value));
        return lower;
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

    private static String shortPrefix(String name) {
        return name == null || name.length() <= 40 ? name : name.substring(0, 40) + "...";
    }
}
