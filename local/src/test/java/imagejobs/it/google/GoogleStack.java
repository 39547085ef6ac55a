package imagejobs.it.google;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.google.genai.types.GenerateContentResponse;

import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.it.ServiceStack;
import imagejobs.local.LocalStack;
import imagejobs.local.resources.LocalKey;
import imagejobs.shared.auth.ApiKey;
import imagejobs.shared.auth.KeyRecord;

/**
 * What the Google-compatibility tests need from the local stack beyond {@link ServiceStack}: the long-call function
 * URL's base, keys of their own tenants (disabled, or with a rate of their own), and what the functions logged.
 */
final class GoogleStack {
    private static final Pattern REQUEST_ID = Pattern.compile("\\b[0-9A-HJKMNP-TV-Z]{26}\\b");

    private GoogleStack() {
    }

    /** The base URL of the function URL that serves long synchronous calls (template output SyncUrl). */
    static String longCallBaseUrl() {
        return ServiceStack.get().functionUrlBaseUrl().orElseThrow(() ->
                new IllegalStateException("the local stack serves no function URL")).toString();
    }

    /** A key of its own tenant that has been disabled ({@code keys disable}). */
    static LocalKey disabledKey() {
        return key(false, null);
    }

    /** A key of its own tenant allowed {@code perMinute} submits a minute. */
    static LocalKey keyWithRate(int perMinute) {
        return key(true, perMinute);
    }

    /** Stored in the stack's keys table as {@code ./run-local keys} stores one: only the hash. */
    private static LocalKey key(boolean active, Integer perMinute) {
        LocalStack stack = ServiceStack.get();
        LocalKey key = new LocalKey("google-" + UUID.randomUUID(), "ij_test_key_" + UUID.randomUUID());
        String hash = ApiKey.hash(key.key());
        new DynamoKeyStore(stack.dynamoDb(), stack.tableName("KeysTable")).put(new KeyRecord(hash,
                ApiKey.idForHash(hash), key.tenant(), active, perMinute, Instant.now(), "google-sdk-test"));
        return key;
    }

    /** True when any function's log line (or the stack's own output) contains {@code text}. */
    static boolean logsMention(String text) {
        return ServiceStack.logsMention(text);
    }

    /** A response header as the SDK hands it over (names keep the server's spelling: look up by any case). */
    static String header(GenerateContentResponse response, String name) {
        return response.sdkHttpResponse().orElseThrow().headers().orElseThrow().entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst().orElse(null);
    }

    /** The request id in an error message (the SDK appends the error's details, RequestInfo among them). */
    static String requestIdIn(String message) {
        Matcher m = REQUEST_ID.matcher(message);
        if (!m.find()) {
            throw new AssertionError("no request id in: " + message);
        }
        return m.group();
    }
}
