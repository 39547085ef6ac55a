package imagejobs.shared.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * Client-facing JSON error messages: each says what was wrong in JSON's terms and where, none repeats Jackson's own
 * wording or names its classes, settings or the redacted source (the fuzzer found
 * "StreamReadConstraints.getMaxNestingDepth()", "com.fasterxml.jackson.databind.JsonNode" and
 * "[Source: REDACTED ...]" in 400 bodies). Every phrase is pinned: JsonErrors matches Jackson's message text, so a
 * Jackson upgrade that rewords one must fail here, not reach a client as "malformed JSON".
 */
class JsonErrorsTest {

    record Case(String name, byte[] body, String says) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case c(String name, String body, String says) {
        return new Case(name, body.getBytes(StandardCharsets.UTF_8), says);
    }

    static List<Case> cases() {
        String values = " (a string, number, object, array, true, false or null)";
        return List.of(
                c("a trailing comma in an object", "{\"model\":\"a\",}",
                        "unexpected character '}' where a field name in double quotes was expected at line 1, column 14"),
                c("no colon", "{\"a\" 1}", "unexpected character '1' where ':' was expected after a field name"
                        + " at line 1, column 6"),
                c("no comma in an object", "{\"a\":1 \"b\":2}", "unexpected character '\"' where ',' or '}' was"
                        + " expected at line 1, column 8"),
                c("no comma in an array", "{\"a\":[1 2]}", "unexpected character '2' where ',' or ']' was expected"
                        + " at line 1, column 9"),
                c("a value starting with a point", "{\"t\":.5}", "unexpected character '.' where a value was expected"
                        + values + " at line 1, column 6"),
                c("a point without digits", "{\"t\":1.}", "invalid number: a decimal point must be followed by a"
                        + " digit at line 1, column 8"),
                c("an exponent without digits", "{\"t\":1e}", "invalid number: an exponent must have digits"
                        + " at line 1, column 8"),
                c("a plus sign", "{\"t\":+1}", "invalid number: a number cannot start with '+' at line 1, column 7"),
                c("leading zeros", "{\"t\":01}", "invalid number: leading zeros are not allowed at line 1, column 7"),
                c("hexadecimal", "{\"t\":0x10}", "unexpected character 'x' where ',' or '}' was expected at line 1,"
                        + " column 7"),
                c("NaN", "{\"t\":NaN}", "'NaN' is not a JSON value; numbers are finite and written in decimal"
                        + " at line 1, column 9"),
                c("Infinity", "{\"t\":-Infinity}", "'-Infinity' is not a JSON value; numbers are finite and written"
                        + " in decimal at line 1, column 15"),
                c("an unknown word", "{\"model\":x}", "unexpected text 'x' where a value was expected" + values
                        + " at line 1, column 12"),
                c("a long unknown word", "{\"model\":" + "y".repeat(5000) + "}", "unexpected text '"
                        + "y".repeat(20) + "…' where a value was expected" + values + " at line 1, column 266"),
                c("a 2,000-digit number", "{\"t\":" + "9".repeat(2000) + "}",
                        "a number has 2000 digits; at most 100 are allowed"),
                c("a number of 101 digits", "{\"t\":1." + "0".repeat(99) + "1}",
                        "a number has 101 digits; at most 100 are allowed"),
                c("an exponent of 150 digits", "{\"t\":1e" + "9".repeat(150) + "}",
                        "a number has 151 digits; at most 100 are allowed"),
                c("too deep", "{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}",
                        "the JSON nesting depth exceeds 64 levels of objects and arrays"),
                c("a duplicate key", "{\"model\":\"a\",\"model\":\"b\"}",
                        "field 'model' appears twice in one object; send it once at line 1, column 21"),
                c("a wrong close marker", "{\"a\":[1}", "unexpected '}' where ']' was expected to close the array"
                        + " at line 1, column 8"),
                c("a bad escape", "{\"a\":\"\\q\"}", "invalid escape in a string: '\\q'; allowed: \\\" \\\\ \\/ \\b"
                        + " \\f \\n \\r \\t \\uXXXX at line 1, column 8"),
                c("a bad unicode escape", "{\"a\":\"\\u12G4\"}", "invalid \\u escape in a string: character 'G' is"
                        + " not a hex digit at line 1, column 11"),
                c("a raw control character in a string", "{\"a\":\"\u0001\"}",
                        "a control character (code 1) in a string must be escaped, e.g. \\n or \\u0001 at line 1,"
                                + " column 7"),
                c("a control character between tokens", "{\"a\":1,\u0000\"b\":2}",
                        "a control character (code 0) between values; only spaces, tabs and line breaks may separate"
                                + " JSON tokens at line 1, column 9"),
                c("an early end inside an object", "{\"model\":", "the body ends inside an object at line 1,"
                        + " column 10"),
                c("an early end after a value", "{\"a\":[{\"b\":1}", "the body ends before the array is closed"
                        + " at line 1, column 14"),
                c("an early end inside a string", "{\"a\":\"abc", "the body ends inside a string at line 1, column 10"),
                c("an early end inside an escape", "{\"a\":\"\\u12", "the body ends inside an escape sequence of a"
                        + " string at line 1, column 11"),
                c("a trailing array", "{\"contents\":[2]}[2]}", "more follows the JSON value; send exactly one JSON"
                        + " object at line 1, column 17"),
                c("a trailing string", "{\"model\":\"a\"}\"b\"}", "more follows the JSON value; send exactly one JSON"
                        + " object at line 1, column 14"),
                new Case("invalid UTF-8", new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xc3, 0x28, '"', '}'},
                        "the body is not valid UTF-8 (byte 0x28) at line 1, column 9"),
                new Case("a byte that starts no UTF-8 character", new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff,
                        '"', '}'}, "the body is not valid UTF-8 (byte 0xff) at line 1, column 8"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void saysWhatIsWrongAndWhereInTheClientsTerms(Case c) {
        JsonProcessingException e = assertThrows(JsonProcessingException.class, () -> Json.MAPPER.readTree(c.body()));
        String message = JsonErrors.describe(e);
        assertEquals(c.says(), message);
        assertNoInternals(message);
    }

    @Test
    void anUnknownMessageBecomesMalformedJsonWithItsPosition() {
        JsonProcessingException e = new com.fasterxml.jackson.core.JsonParseException(null,
                "Some future Jackson wording about `StreamReadFeature.X` [Source: REDACTED]");
        assertEquals("malformed JSON", JsonErrors.describe(e));
    }

    @Test
    void echoedTextIsNeverHalfASurrogatePair() {
        // Cut after 20 code points through emoji (two chars each): whole characters only.
        String key = "\uD83D\uDE00".repeat(30);
        JsonProcessingException e = assertThrows(JsonProcessingException.class, () -> Json.MAPPER.readTree(
                ("{\"" + key + "\":1,\"" + key + "\":2}").getBytes(StandardCharsets.UTF_8)));
        String message = JsonErrors.describe(e);
        assertTrue(message.startsWith("field '" + "\uD83D\uDE00".repeat(20) + "…' appears twice"), message);
    }

    record Body(String name, String json, String says) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Body> nonAscii() {
        return List.of(
                new Body("a euro sign for a value", "{\"t\":€}", "unexpected character '€' at line 1, column 8"),
                new Body("a euro sign after a number", "{\"t\":1€}",
                        "unexpected character '€' where ',' or '}' was expected at line 1, column 7"),
                new Body("an emoji in an array", "[1,\uD83D\uDE00]", "unexpected character '\uD83D\uDE00' at line 1,"
                        + " column 6"),
                new Body("a non-ASCII field name unquoted", "{é:1}", "unexpected character 'é' where a field name in"
                        + " double quotes was expected at line 1, column 3"));
    }

    /**
     * Jackson's byte parser reports a valid non-ASCII character out of place as one of its bytes, or as invalid
     * UTF-8; read with the body, the client is told the character it sent.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("nonAscii")
    void aNonAsciiCharacterOutOfPlaceIsNamedAsSent(Body c) {
        byte[] body = c.json().getBytes(StandardCharsets.UTF_8);
        JsonProcessingException e = assertThrows(JsonProcessingException.class, () -> Json.MAPPER.readTree(body));
        String message = JsonErrors.describe(e, body);
        assertEquals(c.says(), message);
        assertNoInternals(message);
    }

    @Test
    void aBodyThatIsNotUtf8IsSaidToBeSoWithTheBodyAtHand() {
        byte[] body = {'{', '"', 'a', '"', ':', '"', (byte) 0xc3, 0x28, '"', '}'};
        JsonProcessingException e = assertThrows(JsonProcessingException.class, () -> Json.MAPPER.readTree(body));
        assertEquals("the body is not valid UTF-8 (byte 0x28) at line 1, column 9", JsonErrors.describe(e, body));
    }

    static void assertNoInternals(String message) {
        for (String internal : List.of("`", "com.fasterxml", "jackson", "Jackson", "StreamReadConstraints",
                "DeserializationFeature", "JsonReadFeature", "JsonNode", "Exception", "Source", "REDACTED",
                "CTRL-CHAR", "end-of-input", "marker", "token '")) {
            assertFalse(message.contains(internal), internal + " in: " + message);
        }
    }
}
