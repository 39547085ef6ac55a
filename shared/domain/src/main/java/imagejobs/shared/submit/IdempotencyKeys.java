package imagejobs.shared.submit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

import imagejobs.shared.errors.Rejection;

/**
 * The {@code Idempotency-Key} header: up to 255 printable ASCII characters, scoped to the tenant (two tenants may
 * pick the same key), stored only as a hash.
 */
public final class IdempotencyKeys {
    static final String INVALID_IDEMPOTENCY_KEY = "INVALID_IDEMPOTENCY_KEY";
    static final int MAX_LENGTH = 255;

    private IdempotencyKeys() {
    }

    /** The key the request carries (the header's raw value, or null), or empty; 400 for one that is unusable. */
    static Optional<String> of(String header) {
        if (header == null) {
            return Optional.empty();
        }
        String key = header.strip();
        boolean printable = key.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
        if (key.isEmpty() || key.length() > MAX_LENGTH || !printable) {
            throw Rejection.invalid(INVALID_IDEMPOTENCY_KEY, "the Idempotency-Key header must hold 1 to "
                    + MAX_LENGTH + " printable ASCII characters (a UUID is a good choice)", "Idempotency-Key");
        }
        return Optional.of(key);
    }

    /** The stored form of a tenant's key (the intake keeps only this). */
    public static String hash(String tenant, String key) {
        return sha256(tenant + "\n" + key);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(String value) {
        return sha256(value.getBytes(StandardCharsets.UTF_8));
    }
}
