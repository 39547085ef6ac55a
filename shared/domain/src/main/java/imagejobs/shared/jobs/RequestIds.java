package imagejobs.shared.jobs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.regex.Pattern;

/**
 * Request ids: 26 characters of Crockford base32. New ids start with the time (sortable, like a ULID); ids
 * derived from a name (S3 edit events) are a hash of it, so the same event always names the same job.
 */
public final class RequestIds {
    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final Pattern VALID = Pattern.compile("[0-9A-HJKMNP-TV-Z]{26}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private RequestIds() {
    }

    public static String newId(long epochMillis) {
        byte[] bytes = new byte[16];
        for (int i = 5; i >= 0; i--) {
            bytes[i] = (byte) (epochMillis & 0xff);
            epochMillis >>>= 8;
        }
        byte[] random = new byte[10];
        RANDOM.nextBytes(random);
        System.arraycopy(random, 0, bytes, 6, 10);
        return encode(bytes);
    }

    public static String fromName(String name) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            byte[] bytes = new byte[16];
            System.arraycopy(digest, 0, bytes, 0, 16);
            return encode(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches();
    }

    /** 128 bits → 26 base32 characters (the first carries the top 3 bits). */
    private static String encode(byte[] bytes) {
        StringBuilder out = new StringBuilder(26);
        java.math.BigInteger value = new java.math.BigInteger(1, bytes);
        for (int i = 25; i >= 0; i--) {
            out.append(ALPHABET[value.shiftRight(i * 5).intValue() & 31]);
        }
        return out.toString();
    }
}
