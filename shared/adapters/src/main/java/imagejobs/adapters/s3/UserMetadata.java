package imagejobs.adapters.s3;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import imagejobs.shared.edits.EncodedWords;

/**
 * User metadata ({@code x-amz-meta-*}) as S3 takes it. HTTP header values are ASCII and the SDK sends values as
 * given, so a value with anything else (a prompt in French, a key with unicode, a control character) is sent as one
 * RFC 2047 encoded word, {@code =?UTF-8?B?...?=}: the form S3 itself hands such values back in, and the one it
 * decodes on the way in ({@link EncodedWords}, the codec the edit trigger reads them back with). Readers get values as
 * S3 sent them, under lower-case names. Names must be HTTP token characters; anything else is refused before a
 * request is made.
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

    /** The value as a header can carry it: the domain's RFC 2047 codec, the one the edit trigger decodes with. */
    static String encodeValue(String value) {
        return EncodedWords.encode(value);
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
