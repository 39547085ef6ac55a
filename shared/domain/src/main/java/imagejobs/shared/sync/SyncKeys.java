package imagejobs.shared.sync;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The idempotency key a synchronous Google call gets when it carries no {@code Idempotency-Key} (design D4):
 * {@code sync:} + sha256(tenant, "sync", path, body bytes). The Java SDK retries a 504 five times with a
 * byte-identical body; the same key lets those retries attach to the first job instead of creating new ones.
 */
public final class SyncKeys {

    public static final String PREFIX = "sync:";

    private SyncKeys() {
    }

    /** Same tenant, path and body bytes give the same key; any difference gives another. */
    public static String derive(String tenant, String path, byte[] body) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(body, "body");
        MessageDigest sha = sha256();
        // Each part is length-prefixed so that ("ab", "c") and ("a", "bc") never hash alike.
        part(sha, tenant.getBytes(StandardCharsets.UTF_8));
        part(sha, "sync".getBytes(StandardCharsets.UTF_8));
        part(sha, path.getBytes(StandardCharsets.UTF_8));
        part(sha, body);
        return PREFIX + HexFormat.of().formatHex(sha.digest());
    }

    private static void part(MessageDigest sha, byte[] bytes) {
        sha.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
        sha.update(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
