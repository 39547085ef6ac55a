package imagejobs.shared.validation;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * Typed reads of request values, as proto3 JSON (Gemini's wire format) defines them: numbers may also arrive as
 * numeric strings, integers must be whole. Every failure names the field, the value and what is expected.
 */
final class Values {
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
            return "the number " + node.asText();
        }
        if (node.isBoolean()) {
            return node.asText();
        }
        return node.isArray() ? "an array" : "an object";
    }

    /** A value shortened for messages: long inputs (base64, prompts) never fill an error. */
    static String quote(String value) {
        String v = value.length() > 60 ? value.substring(0, 57) + "..." : value;
        return "'" + v + "'";
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

    /** A number within [min, max] (either bound null: open), canonicalised to a JSON double. */
    static DoubleNode number(JsonNode node, String field, Double min, Double max) {
        BigDecimal value = decimal(node, field);
        double d = value.doubleValue();
        if ((min != null && d < min) || (max != null && d > max)) {
            throw new FieldError(FieldError.OUT_OF_RANGE, field, field + " is " + value.toPlainString()
                    + "; allowed: " + range(min, max));
        }
        return DoubleNode.valueOf(d);
    }

    /** A whole number within [min, max] (bounds as for {@link #number}). */
    static IntNode integer(JsonNode node, String field, Long min, Long max) {
        BigDecimal value = decimal(node, field);
        BigDecimal whole;
        try {
            whole = new BigDecimal(value.toBigIntegerExact());
        } catch (ArithmeticException e) {
            throw FieldError.invalid(field, field + " must be a whole number, got " + value.toPlainString());
        }
        long lower = min == null ? Integer.MIN_VALUE : min;
        long upper = max == null ? Integer.MAX_VALUE : max;
        if (whole.compareTo(BigDecimal.valueOf(lower)) < 0 || whole.compareTo(BigDecimal.valueOf(upper)) > 0) {
            throw new FieldError(FieldError.OUT_OF_RANGE, field, field + " is " + whole.toPlainString()
                    + "; allowed: " + range(min == null ? null : min.doubleValue(), max == null ? null : max.doubleValue()));
        }
        return IntNode.valueOf(whole.intValue());
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

    private static BigDecimal decimal(JsonNode node, String field) {
        if (node != null && node.isNumber()) {
            return node.decimalValue();
        }
        if (node != null && node.isTextual()) {
            try {
                return new BigDecimal(node.asText().trim());
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw FieldError.invalid(field, field + " must be a number, got " + kind(node));
    }

    private static String range(Double min, Double max) {
        if (min != null && max != null) {
            return "from " + plain(min) + " to " + plain(max);
        }
        return min != null ? "at least " + plain(min) : "at most " + plain(max);
    }

    private static String plain(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    static JsonNodeFactory nodes() {
        return JsonNodeFactory.instance;
    }
}
