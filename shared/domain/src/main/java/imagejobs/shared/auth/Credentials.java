package imagejobs.shared.auth;

import java.util.Optional;
import java.util.function.Function;

/**
 * What a caller presented to prove who it is, as the edge received it: the {@code Authorization} header's value,
 * the {@code x-api-key} / {@code x-goog-api-key} headers' values and the {@code ?key=} query parameter (each absent
 * when not sent). The edge fills it; the {@link Authenticator} decides.
 */
public record Credentials(String authorization, String apiKey, String googleApiKey, String queryKey) {

    /**
     * The header the edge moves a {@code ?key=} query parameter into (and drops when a client sends it), so that
     * the key leaves the query string before anything logs it yet still reaches the authenticator.
     */
    public static final String QUERY_KEY_HEADER = "x-imagejobs-query-key";

    public static final Credentials NONE = new Credentials(null, null, null, null);

    public Credentials(String authorization, String apiKey, String googleApiKey) {
        this(authorization, apiKey, googleApiKey, null);
    }

    /** From a header lookup (by lower-case name), including the {@code ?key=} the edge moved into a header. */
    public static Credentials fromHeaders(Function<String, Optional<String>> header) {
        return new Credentials(header.apply("authorization").orElse(null), header.apply("x-api-key").orElse(null),
                header.apply("x-goog-api-key").orElse(null), header.apply(QUERY_KEY_HEADER).orElse(null));
    }

    /** A bearer token, as tests and tools present a key. */
    public static Credentials bearer(String key) {
        return new Credentials("Bearer " + key, null, null);
    }
}
