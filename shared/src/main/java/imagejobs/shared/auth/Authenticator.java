package imagejobs.shared.auth;

import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import imagejobs.shared.http.ApiException;
import imagejobs.shared.http.ApiRequest;

/**
 * Who is calling: {@code Authorization: Bearer <key>} or {@code x-api-key: <key>}, looked up by SHA-256 hash.
 * 401 for a missing, malformed or unknown key, 403 for a disabled one.
 */
public final class Authenticator {
    private final KeyStore keys;

    public Authenticator(KeyStore keys) {
        this.keys = keys;
    }

    public KeyRecord authenticate(ApiRequest request) {
        String key = presentedKey(request);
        KeyRecord record = keys.findByHash(ApiKey.hash(key))
                .orElseThrow(() -> new ApiException(401, "UNAUTHENTICATED", "the API key is not valid"));
        if (!record.active()) {
            throw new ApiException(403, "KEY_DISABLED", "this API key has been disabled");
        }
        return record;
    }

    /**
     * Counts the request against the key's per-minute rate (its own or {@code defaultRate}); 429 with Retry-After
     * once the minute's budget is spent.
     */
    public void checkRate(KeyRecord key, int defaultRate, Clock clock) {
        int limit = key.ratePerMinute() == null ? defaultRate : key.ratePerMinute();
        Instant now = clock.instant();
        if (!keys.tryAcquire(key.keyHash(), limit, now)) {
            long retryAfter = 60 - (now.getEpochSecond() % 60);
            throw new ApiException(429, "RATE_LIMITED", "rate limit of " + limit + " requests per minute exceeded; retry in "
                    + retryAfter + " s", null, Map.of("retry-after", Long.toString(retryAfter)));
        }
    }

    private static String presentedKey(ApiRequest request) {
        Optional<String> authorization = request.header("authorization");
        if (authorization.isPresent()) {
            String value = authorization.get().trim();
            if (value.length() > 7 && value.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
                String key = value.substring(7).trim();
                if (!key.isEmpty() && key.length() <= 512) {
                    return key;
                }
            }
            throw new ApiException(401, "UNAUTHENTICATED", "the Authorization header must be 'Bearer <api key>'");
        }
        Optional<String> apiKey = request.header("x-api-key").map(String::trim);
        if (apiKey.isPresent() && !apiKey.get().isEmpty() && apiKey.get().length() <= 512) {
            return apiKey.get();
        }
        throw new ApiException(401, "UNAUTHENTICATED",
                "an API key is required: send 'Authorization: Bearer <api key>' or 'x-api-key: <api key>'");
    }
}
