package imagejobs.local.gemini;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Faults a test asks for by writing markers such as {@code [sim:status=429]} anywhere in the text of the last
 * user turn; several combine. A marker the simulator does not know is refused with a 400 naming it, so a typo
 * in a test fails loudly instead of silently producing a normal answer.
 *
 * @param status            answer with this HTTP status and Google's error body ({@code [sim:status=N]})
 * @param retryAfterSeconds RetryInfo delay and {@code Retry-After} header ({@code [sim:retry-after=S]})
 * @param delayMillis       sleep before answering ({@code [sim:delay=MS]})
 * @param slowBodyMillis    spread the body over this long after sending the headers ({@code [sim:slow-body=MS]})
 * @param hang              never answer ({@code [sim:hang]})
 * @param finishReason      answer 200 with this finishReason and no image ({@code [sim:finish=IMAGE_SAFETY]})
 * @param blockReason       answer 200 with promptFeedback.blockReason and no candidates ({@code [sim:block=SAFETY]})
 * @param noImage           answer 200, STOP, refusal text only ({@code [sim:no-image]})
 * @param malformed         answer 200 with a truncated JSON body ({@code [sim:malformed]})
 * @param failTimes         the first N calls with this exact prompt fail with 503 ({@code [sim:fail-times=N]})
 * @param images            number of images in the answer ({@code [sim:images=N]})
 * @param noise             incompressible image content ({@code [sim:noise]})
 */
record FaultDirectives(
        Integer status,
        Integer retryAfterSeconds,
        long delayMillis,
        long slowBodyMillis,
        boolean hang,
        String finishReason,
        String blockReason,
        boolean noImage,
        boolean malformed,
        int failTimes,
        int images,
        boolean noise) {

    static final FaultDirectives NONE = new FaultDirectives(null, null, 0, 0, false, null, null, false, false, 0,
            1, false);

    /** Statuses {@code [sim:status=N]} can produce, each with Google's status name. */
    static final Set<Integer> STATUSES = Set.of(400, 401, 403, 404, 409, 429, 499, 500, 501, 502, 503, 504);
    static final int MAX_IMAGES = 10;
    static final long MAX_MILLIS = 600_000;

    private static final Pattern MARKER = Pattern.compile("\\[sim:([^\\]=\\s]*)(?:=([^\\]]*))?\\]",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern REASON = Pattern.compile("[A-Z][A-Z_]*");

    static FaultDirectives parse(String text) {
        if (text == null || !text.toLowerCase(Locale.ROOT).contains("[sim:")) {
            return NONE;
        }
        Integer status = null;
        Integer retryAfter = null;
        long delay = 0;
        long slowBody = 0;
        boolean hang = false;
        String finish = null;
        String block = null;
        boolean noImage = false;
        boolean malformed = false;
        int failTimes = 0;
        int images = 1;
        boolean noise = false;
        Matcher m = MARKER.matcher(text);
        while (m.find()) {
            String name = m.group(1).toLowerCase(Locale.ROOT);
            String value = m.group(2) == null ? null : m.group(2).trim();
            String marker = m.group();
            switch (name) {
                case "status" -> {
                    status = (int) number(marker, value, 100, 599);
                    if (!STATUSES.contains(status)) {
                        throw bad(marker, "supported statuses: " + new java.util.TreeSet<>(STATUSES));
                    }
                }
                case "retry-after" -> retryAfter = (int) number(marker, value, 0, 3600);
                case "delay" -> delay = number(marker, value, 0, MAX_MILLIS);
                case "slow-body" -> slowBody = number(marker, value, 0, MAX_MILLIS);
                case "hang" -> hang = flag(marker, value);
                case "finish" -> finish = reason(marker, value);
                case "block" -> block = reason(marker, value);
                case "no-image" -> noImage = flag(marker, value);
                case "malformed" -> malformed = flag(marker, value);
                case "fail-times" -> failTimes = (int) number(marker, value, 0, 1000);
                case "images" -> images = (int) number(marker, value, 1, MAX_IMAGES);
                case "noise" -> noise = flag(marker, value);
                default -> throw bad(marker, "known directives: status, retry-after, delay, slow-body, hang, "
                        + "finish, block, no-image, malformed, fail-times, images, noise");
            }
        }
        return new FaultDirectives(status, retryAfter, delay, slowBody, hang, finish, block, noImage, malformed,
                failTimes, images, noise);
    }

    /** The prompt as a model would read it: markers removed, for the answer's text part. */
    static String withoutMarkers(String text) {
        return MARKER.matcher(text == null ? "" : text).replaceAll("").replaceAll("\\s+", " ").trim();
    }

    private static long number(String marker, String value, long min, long max) {
        try {
            long n = Long.parseLong(value == null ? "" : value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(marker, "expected a whole number from " + min + " to " + max);
    }

    private static boolean flag(String marker, String value) {
        if (value != null) {
            throw bad(marker, "this directive takes no value");
        }
        return true;
    }

    private static String reason(String marker, String value) {
        String reason = value == null ? "" : value.toUpperCase(Locale.ROOT);
        if (!REASON.matcher(reason).matches()) {
            throw bad(marker, "expected a reason such as SAFETY or IMAGE_SAFETY");
        }
        return reason;
    }

    private static GeminiError bad(String marker, String hint) {
        return GeminiError.invalidArgument("Simulator directive " + marker + " is not understood: " + hint + ".");
    }
}
