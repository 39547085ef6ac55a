package imagejobs.shared.json;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * What a client is told about JSON it sent that does not parse: what is wrong, in JSON's own terms, and where
 * ("unexpected character '}' where a field name in double quotes was expected at line 1, column 17").
 *
 * <p>Jackson's messages carry its internals (the redacted source, {@code StreamReadConstraints.getMaxNestingDepth()},
 * feature names, "(code 125)"), so none is passed on: each known message is matched and said again in our words,
 * and anything not matched becomes "malformed JSON" with its position. Jackson has no error codes to switch on, so
 * matching its message text is the only way; {@code JsonErrorsTest} pins every phrase, so a Jackson upgrade that
 * rewords one fails a test rather than a client.
 */
public final class JsonErrors {
    private static final int ECHO_CHARS = 20;

    private record Rule(Pattern pattern, Function<Matcher, String> say) {
    }

    /**
     * A character as Jackson quotes it: {@code ('}' (code 125))}, {@code ('€' (code 8364 / 0x20ac))} or
     * {@code ((CTRL-CHAR, code 1))}.
     */
    private static final String CHAR = "\\((?:'(.*)'|\\(CTRL-CHAR)(?: \\(|, )code (\\d+)(?: / 0x[0-9a-fA-F]+)?\\)\\)";
    /** A byte-sized character as Jackson's byte parser reports it: {@code ('â' (code 226))}. */
    private static final Pattern JACKSON_CHAR = Pattern.compile("\\('(.)' \\(code (\\d+)\\)\\)");
    private static final String VALUES = " (a string, number, object, array, true, false or null)";

    private static final List<Rule> RULES = List.of(
            rule("Unexpected character " + CHAR + ": was expecting double-quote to start field name",
                    m -> "unexpected " + character(m) + " where a field name in double quotes was expected"),
            rule("Unexpected character " + CHAR + ": was expecting a colon to separate field name and value",
                    m -> "unexpected " + character(m) + " where ':' was expected after a field name"),
            rule("Unexpected character " + CHAR + ": was expecting comma to separate Object entries",
                    m -> "unexpected " + character(m) + " where ',' or '}' was expected"),
            rule("Unexpected character " + CHAR + ": was expecting comma to separate Array entries",
                    m -> "unexpected " + character(m) + " where ',' or ']' was expected"),
            rule("Unexpected character " + CHAR + ": (?:was )?expect(?:ed|ing) a valid value.*",
                    m -> "unexpected " + character(m) + " where a value was expected" + VALUES),
            rule("Unexpected character " + CHAR + " in numeric value: Decimal point not followed by a digit.*",
                    m -> "invalid number: a decimal point must be followed by a digit"),
            rule("Unexpected character " + CHAR + " in numeric value: Exponent indicator not followed by a digit.*",
                    m -> "invalid number: an exponent must have digits"),
            rule("Unexpected character " + CHAR + " in numeric value: JSON spec does not allow numbers to have plus"
                    + " signs.*", m -> "invalid number: a number cannot start with '+'"),
            rule("Unexpected character " + CHAR + " in numeric value.*",
                    m -> "invalid number: unexpected " + character(m)),
            rule("Unexpected character " + CHAR + ": expected a hex-digit for character escape sequence.*",
                    m -> "invalid \\u escape in a string: " + character(m) + " is not a hex digit"),
            rule("Unexpected character " + CHAR + ".*", m -> "unexpected " + character(m)),
            rule("Unrecognized token '(.*)': was expecting .*",
                    m -> "unexpected text '" + echo(m.group(1)) + "' where a value was expected" + VALUES),
            rule("Non-standard token '(.*)'.*", m -> "'" + echo(m.group(1)) + "' is not a JSON value; numbers are"
                    + " finite and written in decimal"),
            rule("Invalid numeric value: Leading zeroes not allowed.*",
                    m -> "invalid number: leading zeros are not allowed"),
            rule("Invalid numeric value: .*", m -> "invalid number"),
            rule("Number value length \\((\\d+)\\) exceeds the maximum allowed \\((\\d+).*",
                    m -> "a number has " + m.group(1) + " digits; at most " + m.group(2) + " are allowed"),
            rule("String value length \\((\\d+)\\) exceeds the maximum allowed \\((\\d+).*",
                    m -> "a string is " + m.group(1) + " characters long; at most " + m.group(2) + " are allowed"),
            rule("Name length \\((\\d+)\\) exceeds the maximum allowed \\((\\d+).*",
                    m -> "a field name is " + m.group(1) + " characters long; at most " + m.group(2) + " are allowed"),
            rule("Document nesting depth \\((\\d+)\\) exceeds the maximum allowed \\((\\d+).*",
                    m -> "the JSON nesting depth exceeds " + m.group(2) + " levels of objects and arrays"),
            rule("Duplicate field '(.*)'", m -> "field '" + echo(m.group(1)) + "' appears twice in one object;"
                    + " send it once"),
            rule("Unexpected close marker '(.)': expected '(.)'.*",
                    m -> "unexpected '" + m.group(1) + "' where '" + m.group(2) + "' was expected to close the "
                            + (m.group(2).equals("]") ? "array" : "object")),
            rule("Unrecognized character escape (?:'(.*)'|\\(CTRL-CHAR) \\(code (\\d+)\\).*",
                    m -> "invalid escape in a string: '\\" + (m.group(1) == null ? "(code " + m.group(2) + ")"
                            : echo(m.group(1))) + "'; allowed: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX"),
            rule("Illegal unquoted character \\(\\(CTRL-CHAR, code (\\d+)\\)\\): has to be escaped.*",
                    m -> "a control character (code " + m.group(1) + ") in a string must be escaped, e.g. \\n"
                            + " or \\u" + String.format(Locale.ROOT, "%04x", Integer.parseInt(m.group(1)))),
            rule("Illegal character \\(\\(CTRL-CHAR, code (\\d+)\\)\\): only regular white space.*",
                    m -> "a control character (code " + m.group(1) + ") between values; only spaces, tabs and"
                            + " line breaks may separate JSON tokens"),
            rule("Invalid UTF-8 (?:start|middle) byte (0x[0-9a-fA-F]+).*",
                    m -> "the body is not valid UTF-8 (byte " + m.group(1).toLowerCase(Locale.ROOT) + ")"),
            rule("Invalid UTF-8.*", m -> "the body is not valid UTF-8"),
            rule("Unexpected end-of-input in character escape sequence.*",
                    m -> "the body ends inside an escape sequence of a string"),
            rule("Unexpected end-of-input(?: in VALUE_STRING|: was expecting closing quote for a string value).*",
                    m -> "the body ends inside a string"),
            rule("Unexpected end-of-input: expected close marker for (Object|Array).*",
                    m -> "the body ends before the " + m.group(1).toLowerCase(Locale.ROOT) + " is closed"),
            rule("Unexpected end-of-input within/between (Object|Array) entries.*",
                    m -> "the body ends inside an " + m.group(1).toLowerCase(Locale.ROOT)),
            rule("Unexpected end-of-input.*", m -> "the body ends before the JSON value is complete"),
            rule("No content to map due to end-of-input.*", m -> "the body holds no JSON value"),
            rule("Trailing token.*", m -> "more follows the JSON value; send exactly one JSON object"));

    private JsonErrors() {
    }

    /** A message naming the problem and its position, without Jackson's internals. */
    public static String describe(JsonProcessingException e) {
        return what(e) + where(e);
    }

    /**
     * As {@link #describe(JsonProcessingException)} for JSON parsed from {@code body}. Jackson's byte parser reports
     * an unexpected non-ASCII character as one of its bytes ("Unexpected character ('â' (code 226))", or even
     * "Invalid UTF-8 start byte 0x82" for a valid '€'); with the body at hand the character is read again, and
     * "not valid UTF-8" is said only of a body that is not.
     */
    public static String describe(JsonProcessingException e, byte[] body) {
        String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        Matcher jacksonChar = JACKSON_CHAR.matcher(original);
        boolean aByte = jacksonChar.find() && Integer.parseInt(jacksonChar.group(2)) >= 0x80
                && Integer.parseInt(jacksonChar.group(2)) <= 0xff;
        boolean notUtf8 = original.startsWith("Invalid UTF-8");
        JsonLocation location = e.getLocation();
        if (body == null || (!aByte && !notUtf8) || location == null || location.getByteOffset() < 0
                || !validUtf8(body)) {
            return describe(e);
        }
        String actual = characterAt(body, (int) Math.min(location.getByteOffset(), body.length));
        if (actual == null) {
            return describe(e);
        }
        if (notUtf8) {
            return "unexpected character '" + actual + "'" + where(e);
        }
        return what(e).replace("character '" + echo(jacksonChar.group(1)) + "'", "character '" + actual + "'")
                + where(e);
    }

    private static String what(JsonProcessingException e) {
        String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage().strip();
        for (Rule rule : RULES) {
            Matcher m = rule.pattern().matcher(original);
            if (m.matches()) {
                return rule.say().apply(m);
            }
        }
        return "malformed JSON";
    }

    private static String where(JsonProcessingException e) {
        JsonLocation where = e.getLocation();
        if (where != null && where.getLineNr() > 0 && where.getColumnNr() > 0) {
            return " at line " + where.getLineNr() + ", column " + where.getColumnNr();
        }
        return "";
    }

    private static boolean validUtf8(byte[] body) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** The character whose UTF-8 bytes include the one at (or just before) {@code offset}; null when none. */
    private static String characterAt(byte[] body, int offset) {
        int at = Math.min(offset, body.length - 1);
        // Step back over continuation bytes (10xxxxxx) to the sequence's first byte: at most 3 of them.
        for (int back = 0; back < 3 && at > 0 && (body[at] & 0xc0) == 0x80; back++) {
            at--;
        }
        int lead = body[at] & 0xff;
        int length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
        if (length == 1 || at + length > body.length) {
            return null;
        }
        return echo(new String(body, at, length, StandardCharsets.UTF_8));
    }

    private static Rule rule(String regex, Function<Matcher, String> say) {
        return new Rule(Pattern.compile(regex, Pattern.DOTALL), say);
    }

    /** The character of a {@link #CHAR} match: {@code character '}'}, or {@code control character (code 1)}. */
    private static String character(Matcher m) {
        int code = Integer.parseInt(m.group(2));
        if (m.group(1) == null || code < 0x20 || code == 0x7f) {
            return "control character (code " + code + ")";
        }
        return "character '" + echo(m.group(1)) + "'";
    }

    /** Client text from the body, short and safe to repeat (never half a surrogate pair). */
    private static String echo(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(ECHO_CHARS).forEach(cp -> out.appendCodePoint(
                Character.isSurrogate((char) cp) && Character.isBmpCodePoint(cp) ? 0xFFFD : cp));
        return out + (text.codePointCount(0, text.length()) > ECHO_CHARS ? "…" : "");
    }
}
