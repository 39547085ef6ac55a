package imagejobs.local.gemini;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Thought signatures this simulator issues and later recognises. Gemini 3 image models refuse an edit whose
 * earlier model turn lost or altered a signature; to catch that here without remembering every signature, each
 * one is a random nonce followed by an HMAC of it under a per-simulator secret, so any change is detected.
 */
final class ThoughtSignatures {
    private static final byte VERSION = 1;
    private static final int NONCE_BYTES = 24;
    private static final int MAC_BYTES = 32;
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    /** @param secret null for a random secret (signatures then die with this simulator) */
    ThoughtSignatures(String secret) {
        byte[] bytes;
        if (secret == null) {
            bytes = new byte[32];
            random.nextBytes(bytes);
        } else {
            bytes = secret.getBytes(StandardCharsets.UTF_8);
        }
        this.key = new SecretKeySpec(bytes, ALGORITHM);
    }

    /** A new signature, base64 as Gemini sends them. */
    String issue() {
        byte[] out = new byte[1 + NONCE_BYTES + MAC_BYTES];
        out[0] = VERSION;
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        System.arraycopy(nonce, 0, out, 1, NONCE_BYTES);
        System.arraycopy(mac(nonce), 0, out, 1 + NONCE_BYTES, MAC_BYTES);
        return Base64.getEncoder().encodeToString(out);
    }

    /** Whether this simulator issued the signature, byte for byte. */
    boolean isIssued(String signature) {
        byte[] bytes = Base64Lenient.decode(signature);
        if (bytes == null || bytes.length != 1 + NONCE_BYTES + MAC_BYTES || bytes[0] != VERSION) {
            return false;
        }
        byte[] nonce = Arrays.copyOfRange(bytes, 1, 1 + NONCE_BYTES);
        byte[] mac = Arrays.copyOfRange(bytes, 1 + NONCE_BYTES, bytes.length);
        return MessageDigest.isEqual(mac, mac(nonce));
    }

    private byte[] mac(byte[] nonce) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(nonce);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }
}
