package imagejobs.shared.auth;

import java.util.Optional;
import java.util.function.Function;

/**
 * What a caller presented to prove who it is, as the edge received it: the {@code Authorization} header's value and
 * the {@code x-api-key} / {@code x-goog-api-key} headers' values (each absent when not sent). The edge fills it; the
 * {@link Authenticator} decides.
 */
public record Credentials(String authorization, String apiKey, String googleApiKey) {

    public static final Credentials NONE = new Credentials(null, null, null);

    /** From a header lookup (by lower-case name). */
    public static Credentials fromHeaders(Function<String, Optional<String>> header) {
        return new Credentials(header.apply("authorization").orElse(null), header.apply("x-api-key").orElse(null),
                header.apply("x-goog-api-key").orElse(null));
    }

    /** A bearer token, as tests and tools present a key. */
    public static Credentials bearer(String key) {
        return new Credentials("Bearer " + key, null, null);
    }
}
