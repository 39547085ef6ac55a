package imagejobs.it.google;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.google.genai.types.GenerateContentResponse;

import imagejobs.it.ServiceStack;
import imagejobs.local.resources.LocalKey;

/**
 * What the Google-compatibility tests need from the local stack beyond {@link ServiceStack}. Phase B fills in the
 * parts that need the stack to change (the long-call function URL's port, extra keys, log capture); until then they
 * fail loudly, and every test using them is disabled.
 */
final class GoogleStack {
    private static final Pattern REQUEST_ID = Pattern.compile("\\b[0-9A-HJKMNP-TV-Z]{26}\\b");

    private GoogleStack() {
    }

    /** The base URL of the function URL that serves long synchronous calls (template output SyncUrl). */
    static String longCallBaseUrl() {
        throw new UnsupportedOperationException("phase B: the local stack serves the long-call function URL");
    }

    /** A key of its own tenant that has been disabled ({@code keys disable}). */
    static LocalKey disabledKey() {
        throw new UnsupportedOperationException("phase B: a disabled key in the test stack");
    }

    /** A key of its own tenant allowed {@code perMinute} submits a minute. */
    static LocalKey keyWithRate(int perMinute) {
        throw new UnsupportedOperationException("phase B: keys with their own rate in the test stack");
    }

    /** True when any function's log line contains {@code text}. */
    static boolean logsMention(String text) {
        throw new UnsupportedOperationException("phase B: the functions' logs captured in the test stack");
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
