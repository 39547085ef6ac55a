package imagejobs.shared.json;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * Client-facing JSON error messages: each says what was wrong, none names Jackson's classes or settings (the
 * reliability fuzzer found "StreamReadConstraints.getMaxNestingDepth()" and "com.fasterxml.jackson.databind.JsonNode"
 * in 400 bodies).
 */
class JsonErrorsTest {

    record Case(String name, byte[] body, String mustSay) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("too deep", ("{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}").getBytes(), "nesting depth"),
                new Case("a trailing array", "{\"contents\":[2]}[2]}".getBytes(), "more follows the JSON value"),
                new Case("a trailing string", "{\"model\":\"a\"}\"b\"}".getBytes(), "more follows the JSON value"),
                new Case("a 2,000-digit number", ("{\"t\":" + "9".repeat(2000) + "}").getBytes(), "Number value length"),
                new Case("a duplicate key", "{\"model\":\"a\",\"model\":\"b\"}".getBytes(), "Duplicate field 'model'"),
                new Case("an unexpected character", "{\"model\":x}".getBytes(), "Unrecognized token 'x'"),
                new Case("an early end", "{\"model\":".getBytes(), "end-of-input"),
                new Case("invalid UTF-8", new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xc3, 0x28, '"', '}'},
                        "UTF-8"),
                new Case("a control character", "{\"a\":\"\u0001\"}".getBytes(StandardCharsets.UTF_8),
                        "CTRL-CHAR"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void saysWhatIsWrongWithoutNamingInternals(Case c) {
        JsonProcessingException e = assertThrows(JsonProcessingException.class, () -> Json.MAPPER.readTree(c.body()));
        String message = JsonErrors.describe(e);
        assertTrue(message.contains(c.mustSay()), message);
        for (String internal : List.of("`", "com.fasterxml", "jackson", "StreamReadConstraints", "DeserializationFeature",
                "JsonNode", "Exception")) {
            assertFalse(message.contains(internal), internal + " in: " + message);
        }
        if (!c.name().equals("too deep") && !c.name().startsWith("a 2,000")) {
            // Limits (depth, number length) are reported without a position; syntax errors with one.
            assertTrue(message.matches(".*\\(line \\d+, column \\d+\\)$"), "names the position: " + message);
        }
    }
}
