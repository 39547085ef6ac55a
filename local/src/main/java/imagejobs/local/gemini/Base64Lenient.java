package imagejobs.local.gemini;

import java.util.Base64;

/**
 * Decodes proto {@code bytes} fields as Google's JSON parser does: the standard or the URL-safe alphabet,
 * padding optional. Anything else (spaces, line breaks, a data: URL prefix) is a decoding failure upstream too.
 */
final class Base64Lenient {
    private Base64Lenient() {
    }

    /** The decoded bytes, or null when the text is not base64. */
    static byte[] decode(String text) {
        if (text == null) {
            return null;
        }
        boolean urlSafe = text.indexOf('-') >= 0 || text.indexOf('_') >= 0;
        try {
            return (urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
