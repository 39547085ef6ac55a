package imagejobs.local.gemini;

/** Recognises the image formats Gemini reads by their leading bytes (the declared MIME type is not checked). */
final class ImageFormat {
    private ImageFormat() {
    }

    static boolean isImage(byte[] b) {
        return startsWith(b, 0, 0x89, 'P', 'N', 'G')
                || startsWith(b, 0, 0xFF, 0xD8, 0xFF)
                || startsWith(b, 0, 'G', 'I', 'F', '8')
                || startsWith(b, 0, 'R', 'I', 'F', 'F') && startsWith(b, 8, 'W', 'E', 'B', 'P')
                // HEIC/HEIF: an ISO media "ftyp" box first.
                || startsWith(b, 4, 'f', 't', 'y', 'p');
    }

    private static boolean startsWith(byte[] b, int offset, int... expected) {
        if (b.length < offset + expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if ((b[offset + i] & 0xFF) != expected[i]) {
                return false;
            }
        }
        return true;
    }
}
