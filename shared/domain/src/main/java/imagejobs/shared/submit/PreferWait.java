package imagejobs.shared.submit;

import java.util.Locale;
import java.util.OptionalInt;

/**
 * The {@code wait} preference of an RFC 7240 {@code Prefer} header ({@code Prefer: wait=10}): how many seconds a
 * client would wait for the answer, capped at the route's bound. Hand-written because the JDK and our libraries
 * have no Prefer parser, and the grammar needed is a few lines.
 */
public final class PreferWait {
    private PreferWait() {
    }

    /**
     * The seconds to wait, at most {@code maxSeconds}; empty when the header is absent or asks no usable wait.
     * As RFC 7240 says, a preference given more than once counts the first time only, names are case-insensitive,
     * parameters after ";" are ignored, and a value that is not a number of seconds is ignored (not an error).
     */
    public static OptionalInt seconds(String preferHeader, int maxSeconds) {
        if (preferHeader == null) {
            return OptionalInt.empty();
        }
        // Several Prefer headers arrive joined by commas; commas inside quoted values are not used by wait.
        for (String preference : preferHeader.split(",")) {
            String token = preference.split(";", 2)[0].strip();
            int equals = token.indexOf('=');
            String name = (equals < 0 ? token : token.substring(0, equals)).strip().toLowerCase(Locale.ROOT);
            if (!name.equals("wait")) {
                continue;
            }
            String value = equals < 0 ? "" : token.substring(equals + 1).strip();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            }
            if (value.isEmpty() || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return OptionalInt.empty(); // the first wait counts, even a bad one
            }
            // delta-seconds can be any number of digits: anything past the bound is the bound.
            String digits = value.replaceFirst("^0+(?=.)", "");
            int seconds = digits.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(digits);
            return OptionalInt.of(Math.min(seconds, Math.max(0, maxSeconds)));
        }
        return OptionalInt.empty();
    }
}
