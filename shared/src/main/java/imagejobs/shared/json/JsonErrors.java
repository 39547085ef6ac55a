package imagejobs.shared.json;

import java.util.Locale;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * What a client is told about JSON it sent that does not parse. Jackson's own messages say what went wrong and
 * where, but some also name its classes and settings ({@code StreamReadConstraints.getMaxNestingDepth()},
 * {@code com.fasterxml.jackson.databind.JsonNode}, {@code DeserializationFeature.FAIL_ON_TRAILING_TOKENS}); those
 * parts are dropped, so no internal name reaches a response body.
 */
public final class JsonErrors {
    /** Jackson's references to itself: "(bound as `X`)", ", from `X`", "as per `X`" and any other `X`. */
    private static final Pattern INTERNAL = Pattern.compile(
            "\\s*\\(bound as `[^`]*`\\)|, from `[^`]*`|:?\\s*not allowed as per `[^`]*`|`[^`]*`");

    private JsonErrors() {
    }

    /** A message naming the problem and its position, without Jackson's internals. */
    public static String describe(JsonProcessingException e) {
        String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        String message;
        if (original.startsWith("Trailing token")) {
            message = "more follows the JSON value; send exactly one JSON object";
        } else {
            message = INTERNAL.matcher(original).replaceAll("").replaceAll("\\s+", " ").trim();
            String lower = message.toLowerCase(Locale.ROOT);
            if (message.isEmpty() || lower.contains("jackson") || lower.contains("fasterxml")
                    || lower.contains("exception") || lower.contains("java.")) {
                message = "malformed JSON";
            }
        }
        JsonLocation where = e.getLocation();
        if (where != null && where.getLineNr() > 0 && where.getColumnNr() > 0) {
            message += " (line " + where.getLineNr() + ", column " + where.getColumnNr() + ")";
        }
        return message;
    }
}
