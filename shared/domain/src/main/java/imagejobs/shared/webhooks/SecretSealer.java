package imagejobs.shared.webhooks;

/**
 * Keeps webhook secrets encrypted at rest: what the store holds is {@link #seal}'s text, never the key. A sealed
 * secret is bound to its tenant, so a sealed text copied to another tenant's record does not open.
 */
public interface SecretSealer {

    /** Why a sealed text does not open: altered, another tenant's, or sealed under a key this service lost. */
    final class Broken extends RuntimeException {
        public Broken(String message) {
            super(message, null, false, false);
        }
    }

    /** An opaque text, safe to store: {@code secret} encrypted and authenticated for {@code tenant}. */
    String seal(String tenant, WebhookSecret secret);

    /** The secret {@link #seal} sealed for {@code tenant}; {@link Broken} when it cannot be that. */
    WebhookSecret open(String tenant, String sealed);

    /** True when {@code sealed} was made under an older service key: seal it again at the next chance. */
    default boolean stale(String sealed) {
        return false;
    }
}
