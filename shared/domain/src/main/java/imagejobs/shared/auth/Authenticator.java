package imagejobs.shared.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import imagejobs.shared.errors.Rejection;
import imagejobs.shared.errors.Rejection.Kind;

/**
 * Who is calling: {@code Authorization: Bearer <key>}, {@code x-api-key: <key>} or Google's own
 * {@code x-goog-api-key: <key>} (so Google's SDKs pointed at this service work unchanged), looked up by SHA-256 hash:
 * the key itself is never stored, logged or echoed. 401 for a missing, malformed or unknown key, 403 for a disabled
 * one; {@link #checkRate} and {@link #checkReadRate} answer 429 with Retry-After past the key's per-minute submit
 * and read budgets.
 */
public final class Authenticator {
    public static final String UNAUTHENTICATED = "UNAUTHENTICATED";
    public static final String KEY_DISABLED = "KEY_DISABLED";
    public static final String RATE_LIMITED = "RATE_LIMITED";
    static final int MAX_KEY_LENGTH = 512;
    private static final String BEARER = "bearer ";
    private static final String HOW = "send 'Authorization: Bearer <api key>' or 'x-api-key: <api key>'";

    private final KeyStore keys;

    public Authenticator(KeyStore keys) {
        this.keys = keys;
    }

    public KeyRecord authenticate(Credentials credentials) {
        String key = presentedKey(credentials);
        KeyRecord record = keys.findByHash(ApiKey.hash(key))
                .orElseThrow(() -> new Rejection(Kind.UNAUTHENTICATED, UNAUTHENTICATED, "the API key is not valid"));
        if (!record.active()) {
            throw new Rejection(Kind.FORBIDDEN, KEY_DISABLED, "this API key has been disabled; ask for a new one");
        }
        return record;
    }

    /**
     * Counts a submit against the key's per-minute rate (its own or {@code defaultRate}); 429 with Retry-After
     * (seconds until the next one-minute window) once the budget is spent.
     */
    public void checkRate(KeyRecord key, int defaultRate, Clock clock) {
        int limit = key.ratePerMinute() == null ? defaultRate : key.ratePerMinute();
        check(key, RateCounter.SUBMITS, limit, clock, "rate limit of " + limit + " requests per minute exceeded", "");
    }

    /**
     * Counts a status request (poll, list, cancel, models) against the key's read budget, the same for every key;
     * 429 with Retry-After once it is spent. {@code readsPerMinute} 0 turns the check off (no counter write).
     */
    public void checkReadRate(KeyRecord key, int readsPerMinute, Clock clock) {
        if (readsPerMinute <= 0) {
            return;
        }
        check(key, RateCounter.READS, readsPerMinute, clock, "read limit of " + readsPerMinute
                + " requests per minute for this API key exceeded", "; poll each job at most once a second, or"
                + " follow many jobs with one list request (GET /v1/requests?status=...)");
    }

    private void check(KeyRecord key, RateCounter counter, int limit, Clock clock, String what, String advice) {
        Instant now = clock.instant();
        if (!keys.tryAcquire(key.keyHash(), counter, limit, now)) {
            long retryAfter = Math.max(1, 60 - (now.getEpochSecond() % 60));
            throw new Rejection(Kind.RATE_LIMITED, RATE_LIMITED, what + "; retry in " + retryAfter + " s" + advice, null,
                    Duration.ofSeconds(retryAfter), Map.of());
        }
    }

    private static String presentedKey(Credentials credentials) {
        // Each place a key can come in, in order; several may be sent (an SDK adds x-goog-api-key, a proxy ?key=)
        // as long as they carry the same key.
        List<String> keys = new ArrayList<>();
        Optional<String> authorization = Optional.ofNullable(credentials.authorization());
        if (authorization.isPresent()) {
            String value = authorization.get().strip();
            if (value.length() > BEARER.length()
                    && value.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)
                    && wellFormed(value.substring(BEARER.length()).strip())) {
                keys.add(value.substring(BEARER.length()).strip());
            } else {
                throw new Rejection(Kind.UNAUTHENTICATED, UNAUTHENTICATED, "the Authorization header must be 'Bearer <api key>'");
            }
        }
        String[][] others = {{"the x-api-key header", credentials.apiKey()},
                {"the x-goog-api-key header", credentials.googleApiKey()},
                {"the key query parameter", credentials.queryKey()}};
        for (String[] presented : others) {
            Optional<String> value = Optional.ofNullable(presented[1]).map(String::strip);
            if (value.isPresent()) {
                if (!wellFormed(value.get())) {
                    throw new Rejection(Kind.UNAUTHENTICATED, UNAUTHENTICATED, presented[0] + " is empty or malformed; " + HOW);
                }
                keys.add(value.get());
            }
        }
        if (keys.isEmpty()) {
            throw new Rejection(Kind.UNAUTHENTICATED, UNAUTHENTICATED, "an API key is required: " + HOW);
        }
        if (keys.stream().distinct().count() > 1) {
            throw new Rejection(Kind.UNAUTHENTICATED, UNAUTHENTICATED,
                    "more than one API key: the request carries different keys; send one key, in one place");
        }
        return keys.get(0);
    }

    /** Printable ASCII without spaces: anything else cannot be one of our keys and is not worth a lookup. */
    private static boolean wellFormed(String key) {
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }
}
