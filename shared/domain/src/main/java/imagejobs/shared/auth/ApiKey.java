package imagejobs.shared.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * API keys: generated with a recognisable prefix, stored and looked up only as SHA-256 hashes. The key id is a
 * short, non-secret handle (derived from the hash) used to list and disable keys.
 */
public final class ApiKey {
    public static final String PREFIX = "ij_";

    private ApiKey() {
    }

    public static String generate() {
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        return PREFIX + HexFormat.of().formatHex(random);
    }

    public static String hash(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String idForHash(String keyHash) {
        return "key_" + keyHash.substring(0, 12);
    }
}
