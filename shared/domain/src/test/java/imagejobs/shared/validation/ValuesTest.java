package imagejobs.shared.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.TextNode;

import imagejobs.shared.json.Json;

/**
 * Numbers as proto3 JSON reads them, bounded: every read costs time linear in what was sent (which is at most 100
 * characters), never arithmetic on an exponent; every refusal names the field and the allowed range and repeats at
 * most a short prefix of the value. (Before: "1e999999999" as a temperature made a gigabyte error message, a seed
 * of 99999999999 a 500.)
 */
class ValuesTest {
    private static final String SEED = "generationConfig.seed";
    private static final String TEMPERATURE = "payload.temperature";

    /** The value of a JSON document's "v", as the parser reads it: a number token or a string. */
    private static JsonNode v(String json) {
        return Json.parse("{\"v\":" + json + "}").get("v");
    }

    private static FieldError refused(Runnable read) {
        FieldError e = assertThrows(FieldError.class, read::run);
        assertTrue(e.getMessage().length() < 200, "a short message: " + e.getMessage());
        return e;
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"1e100000000\"", "\"1e999999999\"", "\"-1e999999999\"", "\"1e9999999999999999999\"",
            "1e400", "-1e400", "\"1e400\"", "\"Infinity\"", "\"-Infinity\"", "2.5", "\"2.0000001\"", "-0.1", "1e308",
            "99999999999999999999"})
    void aTemperatureOutOfRangeIsA400NamingTheRange(String json) {
        FieldError e = refused(() -> Values.number(v(json), TEMPERATURE, 0.0, 2.0));
        assertEquals(FieldError.OUT_OF_RANGE, e.code());
        assertEquals(TEMPERATURE, e.field());
        assertTrue(e.getMessage().startsWith("payload.temperature is out of range (got "), e.getMessage());
        assertTrue(e.getMessage().endsWith("; allowed: from 0 to 2"), e.getMessage());
    }

    @Test
    void theAmplifyingStringsOfTheIssueAreEchoedAsTheyWereSent() {
        assertEquals("payload.temperature is out of range (got the string '1e100000000'); allowed: from 0 to 2",
                refused(() -> Values.number(v("\"1e100000000\""), TEMPERATURE, 0.0, 2.0)).getMessage());
        assertEquals("generationConfig.seed is out of range (got the string '1e10000000'); allowed: from -2147483648"
                + " to 2147483647", refused(() -> Values.integer(v("\"1e10000000\""), SEED, Values.INT32_MIN,
                Values.INT32_MAX)).getMessage());
        assertEquals("payload.temperature is out of range (got a number beyond a double's range (±1.8E308));"
                + " allowed: from 0 to 2", refused(() -> Values.number(v("1e400"), TEMPERATURE, 0.0, 2.0))
                .getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0|0.0", "2|2.0", "\"2\"|2.0", "\" 1.5 \"|1.5", "-0|0.0", "-0.0|0.0", "\"-0\"|0.0", "\"-0.0e5\"|0.0",
            "1e-400|0.0", "\"1e-999999999\"|0.0", "\"0e999999999\"|0.0", "\"+1\"|1.0", "\"1.\"|1.0", "\".5\"|0.5",
            "\"5E-1\"|0.5"})
    void aTemperatureInRangeIsCanonicalisedToADouble(String json, double expected) {
        DoubleNode read = Values.number(v(json), TEMPERATURE, 0.0, 2.0);
        assertEquals(expected, read.doubleValue());
        assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(read.doubleValue()),
                "never -0.0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"NaN\"", "\"nan\"", "\"inf\"", "\"0x10\"", "\"0x1p3\"", "\"1_000\"", "\"1e\"", "\".\"",
            "\"\"", "\"-\"", "\"1d\"", "\"1f\"", "\"--1\"", "\"1e1e1\"", "\"١\"", "\"１\"", "true", "[1]", "{}",
            "\"one\""})
    void whatIsNoNumberIsAnInvalidField(String json) {
        FieldError e = refused(() -> Values.number(v(json), TEMPERATURE, 0.0, 2.0));
        assertEquals(FieldError.INVALID_FIELD, e.code());
        assertEquals(TEMPERATURE, e.field());
        assertTrue(e.getMessage().startsWith("payload.temperature must be a number, got "), e.getMessage());
    }

    @Test
    void aNumericStringOverTheLengthLimitIsRefusedBeforeItIsRead() {
        String huge = "9".repeat(1_000_000);
        FieldError e = refused(() -> Values.number(new TextNode(huge), TEMPERATURE, 0.0, 2.0));
        assertEquals(FieldError.INVALID_FIELD, e.code());
        assertEquals("payload.temperature must be a number of at most 100 characters, got 1000000 characters"
                + " starting '99999999999999999999…'", e.getMessage());
        FieldError exponent = refused(() -> Values.integer(new TextNode("1e" + "9".repeat(200)), SEED,
                Values.INT32_MIN, Values.INT32_MAX));
        assertTrue(exponent.getMessage().startsWith("generationConfig.seed must be a whole number of at most 100"
                + " characters"), exponent.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"99999999999", "-99999999999", "2147483648", "-2147483649", "99999999999999999999",
            "\"99999999999\"", "\"-99999999999\"", "\"1e10000000\"", "\"1e999999999\"", "\"-1e999999999\"",
            "\"1.5e400\"", "1e400", "-1e400", "1e300", "\"Infinity\"", "\"-Infinity\"", "\"2147483648.0\"",
            "\"1" + "0000000000" + "0000000000" + "0000000000" + "\""})
    void aSeedOutOfInt32IsA400NamingTheRange(String json) {
        FieldError e = refused(() -> Values.integer(v(json), SEED, Values.INT32_MIN, Values.INT32_MAX));
        assertEquals(FieldError.OUT_OF_RANGE, e.code());
        assertEquals(SEED, e.field());
        assertTrue(e.getMessage().startsWith("generationConfig.seed is out of range (got "), e.getMessage());
        assertTrue(e.getMessage().endsWith("; allowed: from -2147483648 to 2147483647"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "7|7", "\"7\"|7", "2147483647|2147483647", "-2147483648|-2147483648", "\"2147483647\"|2147483647",
            "\"-2147483648\"|-2147483648", "\"1e3\"|1000", "1e3|1000", "\"2.0\"|2", "2.0|2", "\"123.000\"|123",
            "\"-0\"|0", "-0|0", "-0.0|0", "\"0e999999999\"|0", "\"0.0e-999999999\"|0", "\"+5\"|5",
            "\"12300e-2\"|123", "\"0.00000000000000000000000000001e29\"|1", "\" 42 \"|42"})
    void aWholeSeedInRangeIsRead(String json, int expected) {
        assertEquals(expected, Values.integer(v(json), SEED, Values.INT32_MIN, Values.INT32_MAX).intValue());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5", "\"1.5\"", "\"1e-1\"", "\"1e-999999999\"", "\"123456789e-999999999999\"", "0.1",
            "\"2147483647.5\""})
    void aFractionIsNoWholeNumber(String json) {
        FieldError e = refused(() -> Values.integer(v(json), SEED, Values.INT32_MIN, Values.INT32_MAX));
        assertEquals(FieldError.INVALID_FIELD, e.code());
        assertTrue(e.getMessage().startsWith("generationConfig.seed must be a whole number, got "), e.getMessage());
    }

    @Test
    void aRangeOfOneValueSaysSoAndWhy() {
        FieldError e = refused(() -> Values.integer(v("2147483648"), "generationConfig.candidateCount", 1, 1,
                "a job answers with one candidate"));
        assertEquals("generationConfig.candidateCount is out of range (got the number 2147483648); allowed: only 1"
                + " (a job answers with one candidate)", e.getMessage());
    }

    @Test
    void everyReadOfTheIssuesInputsIsFast() {
        // Not a timing assertion: inputs whose old cost was seconds and gigabytes must now finish at all within the
        // test's default time; the figures are printed by the fuzz tests.
        for (String s : new String[] {"1e100000000", "1e999999999", "1e10000000", "-1e999999999"}) {
            for (int i = 0; i < 10_000; i++) {
                assertThrows(FieldError.class, () -> Values.number(new TextNode(s), TEMPERATURE, 0.0, 2.0));
                assertThrows(FieldError.class, () -> Values.integer(new TextNode(s), SEED, Values.INT32_MIN,
                        Values.INT32_MAX));
            }
        }
    }

    @Test
    void kindShortensLongValues() {
        String kind = Values.kind(new TextNode("x".repeat(10_000)));
        assertTrue(kind.length() < 80, kind);
    }

    @Test
    void aResponseSchemaWithAnInfiniteNumberIsRefusedWithItsPath() {
        FieldError e = refused(() -> Values.finiteNumbers(Json.parse("{\"properties\":{\"n\":{\"maximum\":1e400}},"
                + "\"enum\":[1,2]}"), "generationConfig.responseSchema"));
        assertEquals(FieldError.OUT_OF_RANGE, e.code());
        assertEquals("generationConfig.responseSchema.properties.n.maximum", e.field());
        Values.finiteNumbers(Json.parse("{\"maximum\":1e300,\"minimum\":-5,\"big\":99999999999999999999}"), "s");
    }
}
