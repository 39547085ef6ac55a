package imagejobs.shared.validation;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import imagejobs.shared.json.Json;

/**
 * Typed reads of request values, as proto3 JSON (Gemini's wire format) defines them: numbers may also arrive as
 * numeric strings, integers must be whole. Every failure names the field, the value and what is expected.
 */
final class Values {
    /** Bounds of Gemini's int32 fields, which is what an integer field with no documented limit allows. */
    static final long INT32_MIN = Integer.MIN_VALUE;
    static final long INT32_MAX = Integer.MAX_VALUE;
    /**
     * Longest number read, as a string or as a JSON number (the parser's own limit, {@link Json#MAX_NUMBER_LENGTH}):
     * a double needs at most 24 characters, so this only refuses what can be nothing but an attack.
     */
    static final int MAX_NUMBER_CHARS = Json.MAX_NUMBER_LENGTH;
    /** proto3 JSON's numeric strings: a decimal with an optional exponent (no hex, no NaN, no digit separators). */
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?");
    /** Exponents beyond this many digits are read as "huge" (or "tiny"): no int32 or double is that far out. */
    private static final int MAX_EXPONENT_DIGITS = 9;

    private Values() {
    }

    static String kind(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return "nothing";
        }
        if (node.isTextual()) {
            return "the string " + quote(node.asText());
        }
        if (node.isNumber()) {
            if ((node.isDouble() || node.isFloat()) && Double.isInfinite(node.doubleValue())) {
                return "a number beyond a double's range (±1.8E308)"; // what the parser makes of 1e400
            }
            return "the number " + Utf16.prefix(node.asText(), 40);
        }
        if (node.isBoolean()) {
            return node.asText();
        }
        return node.isArray() ? "an array" : "an object";
    }

    /** A value shortened for messages: long inputs (base64, prompts) never fill an error. */
    static String quote(String value) {
        return "'" + Utf16.prefix(value, 60) + "'";
    }

    static String string(JsonNode node, String field) {
        if (node == null || !node.isTextual()) {
            throw FieldError.invalid(field, field + " must be a string, got " + kind(node));
        }
        return node.asText();
    }

    static boolean bool(JsonNode node, String field) {
        if (node == null || !node.isBoolean()) {
            throw FieldError.invalid(field, field + " must be true or false, got " + kind(node));
        }
        return node.asBoolean();
    }

    /**
     * A number within [min, max], canonicalised to a JSON double ({@code -0} as {@code 0}). Read as proto3 JSON
     * reads a double: a JSON number or a numeric string; {@code "Infinity"} and numbers beyond a double's range are
     * out of range, {@code "NaN"} is no number. Costs time linear in the (bounded) length of what was sent.
     */
    static DoubleNode number(JsonNode node, String field, double min, double max) {
        double d;
        if (node != null && node.isNumber() && !node.isBigDecimal()) {
            d = node.doubleValue(); // an integer of up to MAX_NUMBER_CHARS digits, or the parser's double
        } else {
            String text = numeral(node, field, "a number");
            d = switch (text) {
                case "Infinity", "+Infinity" -> Double.POSITIVE_INFINITY;
                case "-Infinity" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(text); // only DECIMAL text of bounded length gets here
            };
        }
        if (Double.isNaN(d)) {
            throw FieldError.invalid(field, field + " must be a number, got " + kind(node));
        }
        if (d < min || d > max) {
            throw outOfRange(field, node, plain(min), plain(max), null);
        }
        return DoubleNode.valueOf(d + 0.0); // -0.0 + 0.0 is 0.0
    }

    /** A whole number within [min, max] (use {@link #INT32_MIN} / {@link #INT32_MAX} for an open side). */
    static IntNode integer(JsonNode node, String field, long min, long max) {
        return integer(node, field, min, max, null);
    }

    /**
     * As {@link #integer(JsonNode, String, long, long)}; {@code why} (may be null) explains the range in the error.
     * A number is whole when its value is (proto3 JSON reads {@code 1e3} and {@code "2.0"} as integers).
     */
    static IntNode integer(JsonNode node, String field, long min, long max, String why) {
        Whole whole;
        if (node != null && node.isIntegralNumber()) {
            BigInteger big = node.bigIntegerValue(); // at most MAX_NUMBER_CHARS digits: the parser's limit
            whole = big.bitLength() < 64 ? Whole.of(big.longValue()) : Whole.huge(big.signum() < 0);
        } else if (node != null && node.isNumber() && !node.isBigDecimal()) {
            double d = node.doubleValue();
            if (Double.isInfinite(d)) {
                whole = Whole.huge(d < 0);
            } else if (d != Math.rint(d)) {
                throw notWhole(field, node);
            } else {
                whole = Math.abs(d) < 0x1p62 ? Whole.of((long) d) : Whole.huge(d < 0);
            }
        } else {
            String text = numeral(node, field, "a whole number");
            whole = switch (text) {
                case "Infinity", "+Infinity" -> Whole.huge(false);
                case "-Infinity" -> Whole.huge(true);
                default -> Whole.parse(text);
            };
            if (whole == null) {
                throw notWhole(field, node);
            }
        }
        if (whole.huge() || whole.value() < min || whole.value() > max) {
            throw outOfRange(field, node, Long.toString(min), Long.toString(max), why);
        }
        return IntNode.valueOf((int) whole.value());
    }

    /**
     * The trimmed text of a numeric string (or of a JSON number the tree holds as a decimal), checked for length and
     * shape before anything converts it; "Infinity" and "-Infinity" pass as they are.
     */
    private static String numeral(JsonNode node, String field, String what) {
        String text = null;
        if (node != null && node.isTextual()) {
            text = node.asText().trim();
        } else if (node != null && node.isBigDecimal()) {
            text = node.decimalValue().toString(); // scientific notation: as long as the digits, not the exponent
        }
        if (text == null) {
            throw FieldError.invalid(field, field + " must be " + what + ", got " + kind(node));
        }
        if (text.length() > MAX_NUMBER_CHARS) {
            throw FieldError.invalid(field, field + " must be " + what + " of at most " + MAX_NUMBER_CHARS
                    + " characters, got " + text.length() + " characters starting " + quote(Utf16.prefix(text, 20)));
        }
        if (text.equals("Infinity") || text.equals("+Infinity") || text.equals("-Infinity")) {
            return text;
        }
        if (!DECIMAL.matcher(text).matches()) {
            throw FieldError.invalid(field, field + " must be " + what + ", got " + kind(node));
        }
        return text;
    }

    /** A whole number read from decimal text without arithmetic on its exponent; {@code huge}: beyond a long. */
    private record Whole(long value, boolean huge) {
        static Whole of(long value) {
            return new Whole(value, false);
        }

        static Whole huge(boolean negative) {
            return new Whole(negative ? Long.MIN_VALUE : Long.MAX_VALUE, true);
        }

        /** The value of DECIMAL text; null when it is not whole. */
        static Whole parse(String text) {
            boolean negative = text.startsWith("-");
            int e = Math.max(text.indexOf('e'), text.indexOf('E'));
            String mantissa = e < 0 ? text : text.substring(0, e);
            int dot = mantissa.indexOf('.');
            String intPart = (dot < 0 ? mantissa : mantissa.substring(0, dot)).replaceFirst("^[+-]", "");
            String fraction = dot < 0 ? "" : mantissa.substring(dot + 1);
            String digits = stripLeadingZeros(intPart + fraction);
            if (digits.isEmpty()) {
                return of(0);
            }
            // value = digits × 10^exponent; the exponent is clamped: beyond ±10^9 the answer no longer depends on it.
            long exponent = e < 0 ? 0 : clampedExponent(text.substring(e + 1));
            exponent -= fraction.length();
            int trailing = 0;
            while (trailing < digits.length() - 1 && digits.charAt(digits.length() - 1 - trailing) == '0') {
                trailing++;
            }
            digits = digits.substring(0, digits.length() - trailing);
            exponent += trailing;
            if (exponent < 0) {
                return null; // a fraction remains
            }
            if (digits.length() + exponent > 18) {
                return huge(negative); // at least 10^18: beyond every range here
            }
            long value = Long.parseLong(digits);
            for (long i = 0; i < exponent; i++) {
                value *= 10;
            }
            return of(negative ? -value : value);
        }

        private static long clampedExponent(String text) {
            boolean negative = text.startsWith("-");
            String digits = stripLeadingZeros(text.replaceFirst("^[+-]", ""));
            long magnitude = digits.isEmpty() ? 0 : digits.length() > MAX_EXPONENT_DIGITS ? 1_000_000_000L
                    : Long.parseLong(digits);
            return negative ? -magnitude : magnitude;
        }

        private static String stripLeadingZeros(String digits) {
            int i = 0;
            while (i < digits.length() && digits.charAt(i) == '0') {
                i++;
            }
            return digits.substring(i);
        }
    }

    private static FieldError notWhole(String field, JsonNode node) {
        return FieldError.invalid(field, field + " must be a whole number, got " + kind(node));
    }

    private static FieldError outOfRange(String field, JsonNode node, String min, String max, String why) {
        String allowed = min.equals(max) ? "only " + min : "from " + min + " to " + max;
        return new FieldError(FieldError.OUT_OF_RANGE, field, field + " is out of range (got " + kind(node) + "); allowed: "
                + allowed + (why == null ? "" : " (" + why + ")"));
    }

    /**
     * Rejects numbers the parser could only read as infinite ({@code 1e400}) anywhere in JSON that is passed on as
     * it is (a response schema): stored, they would reach Gemini as the string "Infinity".
     */
    static void finiteNumbers(JsonNode node, String field) {
        if (node.isNumber() && Double.isInfinite(node.doubleValue()) && !node.isIntegralNumber()) {
            throw new FieldError(FieldError.OUT_OF_RANGE, field, field + " is " + kind(node)
                    + "; send a finite number");
        }
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> finiteNumbers(e.getValue(), Utf16.shortenPath(FieldReader.join(field,
                    Utf16.prefix(e.getKey(), Utf16.ECHO_CHARS)))));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                finiteNumbers(node.get(i), field + "[" + i + "]");
            }
        }
    }

    /** An array of strings; a lone string is accepted as a one-element array (as the Python SDK sends it). */
    static List<String> strings(JsonNode node, String field) {
        List<String> out = new ArrayList<>();
        if (node != null && node.isTextual()) {
            out.add(node.asText());
            return out;
        }
        if (node == null || !node.isArray()) {
            throw FieldError.invalid(field, field + " must be an array of strings, got " + kind(node));
        }
        int i = 0;
        for (JsonNode item : node) {
            out.add(string(item, field + "[" + i++ + "]"));
        }
        return out;
    }

    private static String plain(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    static JsonNodeFactory nodes() {
        return JsonNodeFactory.instance;
    }
}
