package imagejobs.shared.status;

import java.util.function.Function;
import java.util.function.Supplier;

import imagejobs.shared.config.Settings;

/**
 * Where the list-cursor key comes from, in this order:
 * <ol>
 *   <li>{@code CURSOR_SECRET}, the key itself (tests, local runs that want a fixed key);</li>
 *   <li>{@code CURSOR_SECRET_ID}, a Secrets Manager secret read once, on the first cursor encoded or decoded (the
 *       deployed stack: the template generates the secret, so the key is never a parameter or an environment value
 *       anyone can read in the Lambda console);</li>
 *   <li>neither: a key derived from the jobs table name ({@link Settings#cursorSecret()} says what that costs).</li>
 * </ol>
 * Either configured key must have at least 32 characters; a shorter one fails the request that needed it, loudly.
 */
public final class CursorKeySource implements Supplier<byte[]> {
    /** Where the key came from, for the start-up log. */
    public enum Origin { ENVIRONMENT, SECRETS_MANAGER, DERIVED }

    private final Origin origin;
    private final Supplier<byte[]> key;

    private CursorKeySource(Origin origin, Supplier<byte[]> key) {
        this.origin = origin;
        this.key = key;
    }

    /**
     * @param fetchSecret reads a secret's string by id (Secrets Manager in the function; a fake in tests); called
     *                    at most once per successful read, and never when CURSOR_SECRET is set
     */
    public static CursorKeySource from(Settings settings, Function<String, String> fetchSecret) {
        if (settings.cursorSecretConfigured()) {
            byte[] key = settings.cursorSecret();
            return new CursorKeySource(Origin.ENVIRONMENT, () -> key);
        }
        return settings.cursorSecretId()
                .map(id -> new CursorKeySource(Origin.SECRETS_MANAGER, () -> Settings.cursorKey(
                        fetchSecret.apply(id), "the Secrets Manager secret " + Settings.CURSOR_SECRET_ID + " names")))
                .orElseGet(() -> {
                    byte[] key = settings.derivedCursorSecret();
                    return new CursorKeySource(Origin.DERIVED, () -> key);
                });
    }

    public Origin origin() {
        return origin;
    }

    /** The key bytes; for a secret, a fetch on every call (ListCursors keeps the first key it gets). */
    @Override
    public byte[] get() {
        return key.get();
    }
}
