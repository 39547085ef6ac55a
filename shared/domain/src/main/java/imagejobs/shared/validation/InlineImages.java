package imagejobs.shared.validation;

import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

import imagejobs.shared.catalog.ModelSpec;
import imagejobs.shared.image.ImageHeaders;

/**
 * Checks one inline image: a MIME type the model accepts, base64 as Gemini's JSON parser reads it (standard or
 * URL-safe alphabet, padding optional, nothing else), at most the model's inline size once decoded, and bytes
 * whose magic number is the declared type. Gemini would refuse each of these later, after the job was queued.
 */
final class InlineImages {
    private InlineImages() {
    }

    static long maxBytes(ModelSpec model) {
        return model.maxInlineImageBytes();
    }

    /**
     * The canonical MIME type: lower case, {@code image/jpg} spelled {@code image/jpeg}; 400 when the model does
     * not accept it.
     */
    static String mimeType(ModelSpec model, String declared, String field) {
        String mime = declared.trim().toLowerCase(Locale.ROOT);
        if (mime.equals("image/jpg")) {
            mime = "image/jpeg";
        }
        if (!model.acceptsInput(mime)) {
            throw new FieldError(FieldError.UNSUPPORTED_MIME_TYPE, field, "mime type " + Values.quote(declared)
                    + " is not accepted by " + model.id() + "; accepted: " + String.join(", ", model.inputMimeTypes()));
        }
        return mime;
    }

    /**
     * Decodes and checks the data of an inline image whose canonical MIME type is {@code mime}.
     *
     * @return the decoded bytes
     */
    static byte[] check(ModelSpec model, String mime, String data, String field) {
        if (data.isEmpty()) {
            throw FieldError.missing(field, field + " is empty; send the image bytes base64-encoded");
        }
        if (data.regionMatches(true, 0, "data:", 0, 5)) {
            throw new FieldError(FieldError.INVALID_BASE64, field, field + " starts with a data: URL prefix; send only"
                    + " the base64 text after 'base64,' (the MIME type goes in mimeType)");
        }
        long max = maxBytes(model);
        // Reject before decoding: a 50 MB string should not become 37 MB of heap just to be refused.
        long estimate = data.length() / 4L * 3L;
        if (estimate > max + 3) {
            throw tooLarge(model, field, estimate, max);
        }
        byte[] bytes = decode(data);
        if (bytes == null) {
            int bad = firstNonBase64(data);
            throw new FieldError(FieldError.INVALID_BASE64, field, field + " is not valid base64"
                    + (bad >= 0 ? " (unexpected character " + Values.quote(Character.toString(data.codePointAt(bad)))
                    + " at position " + bad + ")" : "") + "; use the standard or URL-safe alphabet, without"
                    + " line breaks or spaces");
        }
        if (bytes.length > max) {
            throw tooLarge(model, field, bytes.length, max);
        }
        Optional<String> actual = ImageHeaders.sniff(bytes);
        if (actual.isEmpty()) {
            throw new FieldError(FieldError.INVALID_IMAGE, field, field + " is not an image: its first bytes match"
                    + " none of " + String.join(", ", model.inputMimeTypes()));
        }
        if (!sameType(mime, actual.get())) {
            throw new FieldError(FieldError.MIME_TYPE_MISMATCH, field, "the mime type says " + mime
                    + " but the data is " + actual.get() + "; declare " + actual.get()
                    + (model.acceptsInput(actual.get()) ? "" : " (not accepted by " + model.id() + ")")
                    + " or send " + mime + " data");
        }
        return bytes;
    }

    /** Standard or URL-safe base64, padding optional, as proto3 JSON bytes fields; null when not base64. */
    static byte[] decode(String text) {
        boolean urlSafe = text.indexOf('-') >= 0 || text.indexOf('_') >= 0;
        try {
            return (urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Whether the text is standard base64 as Gemini sends it back (so it can be stored unchanged). */
    static boolean isCanonical(String text) {
        return text.length() % 4 == 0 && text.indexOf('-') < 0 && text.indexOf('_') < 0;
    }

    private static boolean sameType(String declared, String actual) {
        if (declared.equals(actual)) {
            return true;
        }
        // HEIC is HEIF with an HEVC brand; files and tools use the two names loosely.
        return isHeif(declared) && isHeif(actual);
    }

    private static boolean isHeif(String mime) {
        return mime.equals("image/heic") || mime.equals("image/heif");
    }

    private static int firstNonBase64(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '+' || c == '/' || c == '-' || c == '_' || c == '=';
            if (!ok) {
                return i;
            }
        }
        return -1;
    }

    private static FieldError tooLarge(ModelSpec model, String field, long size, long max) {
        return new FieldError(FieldError.IMAGE_TOO_LARGE, field, field + " decodes to " + mb(size) + " ("
                + size + " bytes); " + model.id() + " accepts inline images up to " + mb(max) + " (" + max
                + " bytes): send a smaller image or an https:// URL");
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024.0));
    }
}
