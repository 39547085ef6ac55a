package imagejobs.shared.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import imagejobs.shared.json.Json;

/**
 * Unpaired UTF-16 surrogates are refused where text enters, with the path of the string (or key) that holds one; a
 * lone surrogate stored raw made the jobs table unreadable for the AWS CLI.
 */
class Utf16Test {
    private static final String HIGH = "\uD800";
    private static final String LOW = "\uDC00";
    private static final String PAIR = "\uD83D\uDE00";

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"a|-1", "''|-1", "ok \uD83D\uDE00 ok|-1", "\uD800|0", "a\uD800|1",
            "\uDC00a|0", "a\uDC00\uD800b|1", "\uD83D\uDE00\uD800|2", "\uD800\uD800\uDC00|0", "ab\uDBFF|2"})
    void findsTheFirstUnpairedSurrogate(String text, int expected) {
        assertEquals(expected, Utf16.firstUnpaired(text));
    }

    @Test
    void checkNamesTheFieldAndThePosition() {
        FieldError e = assertThrows(FieldError.class, () -> Utf16.check("caf" + HIGH + "e", "x-amz-meta-prompt"));
        assertEquals(FieldError.INVALID_FIELD, e.code());
        assertEquals("x-amz-meta-prompt", e.field());
        assertEquals("x-amz-meta-prompt is not valid Unicode text: it holds an unpaired UTF-16 surrogate (\\ud800) at"
                + " character 4; send text as UTF-8, with \\u escapes only in high-low pairs", e.getMessage());
        Utf16.check("caf\u00e9 " + PAIR, "x-amz-meta-prompt");
        Utf16.check(null, "x-amz-meta-prompt");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{'model':'m','payload':{'prompt':'a HIGH fox'}}|payload.prompt",
            "{'contents':[{'parts':[{'text':'ok'},{'text':'LOW'}]}]}|contents[0].parts[1].text",
            "{'a':{'b':[[1,'x'],[2,'LOWHIGH']]}}|a.b[1][1]",
            "{'generationConfig':{'stopSequences':['END','HIGH']}}|generationConfig.stopSequences[1]",
            "{'generationConfig':{'responseSchema':{'properties':{'p':{'description':'HIGH'}}}}}"
                    + "|generationConfig.responseSchema.properties.p.description"})
    void aBadStringIsNamedByItsPath(String body, String path) {
        FieldError e = assertThrows(FieldError.class, () -> Utf16.checkTree(Json.parse(body.replace('\'', '"')
                .replace("HIGH", "\\ud800").replace("LOW", "\\udc00"))));
        assertEquals(path, e.field());
        assertTrue(e.getMessage().startsWith(path + " is not valid Unicode text: it holds an unpaired UTF-16"
                + " surrogate"), e.getMessage());
    }

    @Test
    void aBadKeyIsNamedWithItsPlaceAndShownReplaced() {
        FieldError e = assertThrows(FieldError.class, () -> Utf16.checkTree(Json.parse(
                "{\"payload\":{\"pro\\udc00mpt\":\"a fox\"}}")));
        assertEquals("payload.pro\uFFFDmpt", e.field());
        assertEquals("a field name in payload, 'pro\uFFFDmpt', is not valid Unicode text: it holds an unpaired"
                + " UTF-16 surrogate (\\udc00) at character 4; send text as UTF-8, with \\u escapes only in high-low"
                + " pairs", e.getMessage());
        FieldError top = assertThrows(FieldError.class, () -> Utf16.checkTree(Json.parse("{\"\\ud800\":1}")));
        assertEquals("\uFFFD", top.field());
        assertTrue(top.getMessage().startsWith("a field name in the body, '\uFFFD', is not valid"), top.getMessage());
    }

    @Test
    void validTextPassesIncludingPairsAndOtherPlanes() {
        Utf16.checkTree(Json.parse("{\"" + PAIR + "\":[\"" + PAIR + "\",\"\\ud83d\\ude00\",\"\u00e9\u4e2d\","
                + "{\"k\":\"\\uDBFF\\uDFFF\"}],\"n\":1}"));
    }

    @Test
    void prefixNeverSplitsAPairAndNeverRepeatsALoneSurrogate() {
        assertEquals("abc", Utf16.prefix("abc", 3));
        assertEquals("ab…", Utf16.prefix("abcd", 2));
        assertEquals("a…", Utf16.prefix("a" + PAIR + "b", 2), "the pair would be cut: left out whole");
        assertEquals("a" + PAIR + "…", Utf16.prefix("a" + PAIR + "b", 3));
        assertEquals("a\uFFFDb", Utf16.prefix("a" + LOW + "b", 10));
        assertEquals("\uFFFD\uFFFD", Utf16.prefix(LOW + HIGH, 10));
    }

    @Test
    void aPathIsBoundedAndKeepsItsStartAndEnd() {
        StringBuilder body = new StringBuilder();
        StringBuilder close = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            body.append("{\"level").append(i).append("_").append("k".repeat(50)).append("\":");
            close.append('}');
        }
        String json = body + "\"\\ud800\"" + close;
        FieldError e = assertThrows(FieldError.class, () -> Utf16.checkTree(Json.parse(json)));
        assertTrue(e.field().length() <= Utf16.MAX_PATH_CHARS, e.field());
        assertTrue(e.field().startsWith("level0_"), e.field());
        assertTrue(e.field().endsWith("…"), "the last key is shortened too: " + e.field());
        assertTrue(e.field().contains("level59_"), e.field());
        assertTrue(e.getMessage().length() < 500, e.getMessage());
    }
}
