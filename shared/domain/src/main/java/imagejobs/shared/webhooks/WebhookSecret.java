package imagejobs.shared.webhooks;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * A tenant's signing secret, Standard Webhooks' symmetric form: {@code whsec_} followed by the base64 of the key
 * bytes (32 random bytes for the secrets this service makes). Shown only to its tenant ({@link #reveal()});
 * {@link #toString()} never prints it, so a secret that reaches a log line by mistake stays secret.
 */
public final class WebhookSecret {
    public static final String PREFIX = "whsec_";
    /** The key length of the secrets this service makes: HMAC-SHA256's block-size-safe, full-strength key. */
    public static final int BYTES = 32;
    /** Secrets read from elsewhere (a receiver's {@code --secret}) may be shorter or longer, within reason. */
    static final int MIN_PARSED_BYTES = 16;
    static final int MAX_PARSED_BYTES = 64;

    private final byte[] key;

    private WebhookSecret(byte[] key) {
        this.key = key;
    }

    /** A new secret of {@link #BYTES} random bytes. */
    public static WebhookSecret generate(SecureRandom random) {
        byte[] key = new byte[BYTES];
        random.nextBytes(key);
        return new WebhookSecret(key);
    }

    /** The secret from its key bytes (copied), as a sealed secret opens. */
    public static WebhookSecret ofKey(byte[] key) {
        if (key == null || key.length < MIN_PARSED_BYTES || key.length > MAX_PARSED_BYTES) {
            throw new IllegalArgumentException("a webhook secret has " + MIN_PARSED_BYTES + " to " + MAX_PARSED_BYTES
                    + " key bytes");
        }
        return new WebhookSecret(key.clone());
    }

    /**
     * Reads {@code whsec_<base64>}; the message of the exception says what is wrong without repeating the text (it
     * may be a real secret with a typo).
     */
    public static WebhookSecret parse(String text) {
        if (text == null || !text.startsWith(PREFIX)) {
            throw new IllegalArgumentException("a webhook secret starts with " + PREFIX);
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(text.substring(PREFIX.length()).trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a webhook secret is " + PREFIX + " followed by base64");
        }
        if (key.length < MIN_PARSED_BYTES || key.length > MAX_PARSED_BYTES) {
            throw new IllegalArgumentException("a webhook secret holds " + MIN_PARSED_BYTES + " to "
                    + MAX_PARSED_BYTES + " bytes; this one holds " + key.length);
        }
        return new WebhookSecret(key);
    }

    /** {@code whsec_…}: for its tenant's eyes only (the secret route, the keys CLI). */
    public String reveal() {
        return PREFIX + Base64.getEncoder().encodeToString(key);
    }

    /** A copy of the key bytes, for signing and sealing. */
    public byte[] key() {
        return key.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WebhookSecret other && MessageDigest.isEqual(key, other.key);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key);
    }

    @Override
    public String toString() {
        return PREFIX + "(redacted)";
    }
}
