package imagejobs.shared.edits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EncodedWordsTest {

    @Test
    void nonAsciiMetadataComesBackRfc2047Encoded() throws Exception {
        assertEquals("ajoute un chapeau d'été", EncodedWords.decode("=?UTF-8?B?YWpvdXRlIHVuIGNoYXBlYXUgZCfDqXTDqQ==?="));
        assertEquals("été bleu", EncodedWords.decode("=?UTF-8?Q?=C3=A9t=C3=A9_bleu?="));
        assertEquals("été bleu", EncodedWords.decode("=?utf-8?q?=c3=a9t=c3=a9_bleu?="), "case-insensitive");
        assertEquals("ab", EncodedWords.decode("=?UTF-8?Q?a?= =?UTF-8?Q?b?="), "space between words dropped");
        assertEquals("x a y", EncodedWords.decode("x =?UTF-8?Q?a?= y"), "text around a word kept");
        assertEquals("é", EncodedWords.decode("=?ISO-8859-1?Q?=E9?="));
        assertEquals("été", EncodedWords.decode("=?UTF-8*fr?Q?=C3=A9t=C3=A9?="), "RFC 2231 language ignored");
        assertEquals("", EncodedWords.decode("=?UTF-8?B??="));
        assertEquals("hé", EncodedWords.decode("=?UTF-8?B?aMOp?="), "Base64 without padding");
    }

    @Test
    void plainTextComesBackAsItIs() throws Exception {
        assertEquals("add a hat", EncodedWords.decode("add a hat"));
        assertEquals("=?broken", EncodedWords.decode("=?broken"));
        assertEquals("what =? is this ?=", EncodedWords.decode("what =? is this ?="));
        assertEquals("a=?b", EncodedWords.decode("a=?b"));
        assertEquals("=?bad name?Q?abc?=", EncodedWords.decode("=?bad name?Q?abc?="), "a space: not a word");
        assertEquals("=?UTF-8?X?abc?=", EncodedWords.decode("=?UTF-8?X?abc?="), "no such encoding: not a word");
        assertEquals("", EncodedWords.decode(""));
        assertEquals(null, EncodedWords.decode(null));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "=?UTF-8?Q?=ZZ?=                  | '=ZZ', which is not '=' and two hex digits",
            "=?UTF-8?Q?abc=?=                 | '=', which is not '=' and two hex digits",
            "=?UTF-8?Q?abc=4?=                | '=4', which is not '=' and two hex digits",
            "=?UTF-8?Q?=C3?=                  | bytes that are not valid UTF-8",
            "=?UTF-8?B?w6k*?=                 | is not valid Base64",
            "=?UTF-8?B?A?=                    | is not valid Base64",
            "=?UTF-8?B?/w==?=                 | bytes that are not valid UTF-8",
            "=?UTF-8?B?7aCA?=                 | bytes that are not valid UTF-8",
            "=?UTF-16BE?B?2AA=?=              | bytes that are not valid UTF-16BE",
            "=?UTF-16LE?B?ANw=?=              | bytes that are not valid UTF-16LE",
            "=?UTF-32BE?B?AADYAA==?=          | bytes that are not valid UTF-32BE",
            "=?X-NO-SUCH-CHARSET?Q?abc?=      | names a character set that is not known",
            "=?#bad?Q?abc?=                   | names a character set that is not known",
            "=?UTF-8?Q?abc                    | is not closed",
            "=?UTF-8?B?YWJj                   | is not closed",
            "=?UTF-8?Q?a b?=                  | is not closed",
            "ok =?UTF-8?Q?a?= then =?UTF-8?Q? | is not closed",
    })
    void malformedWordsAreRefusedWithAReason(String value, String reason) {
        EncodedWords.Malformed e = assertThrows(EncodedWords.Malformed.class, () -> EncodedWords.decode(value));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertNoInternals(e.getMessage());
    }

    @Test
    void aQWordWithNonAsciiOrControlCharactersIsRefused() {
        for (String value : new String[] {"=?UTF-8?Q?é?=", "=?UTF-8?Q?a\u0001b?="}) {
            EncodedWords.Malformed e = assertThrows(EncodedWords.Malformed.class, () -> EncodedWords.decode(value));
            assertTrue(e.getMessage().contains("Q encoding does not allow"), e.getMessage());
        }
    }

    @Test
    void messagesShowOnlyAShortPrefixOfTheWord() {
        String huge = "=?UTF-8?Q?" + "a".repeat(100_000) + "=Z?=";
        EncodedWords.Malformed e = assertThrows(EncodedWords.Malformed.class, () -> EncodedWords.decode(huge));
        assertTrue(e.getMessage().length() < 200, e.getMessage());
        String longCharset = "=?" + "X".repeat(500) + "?Q?a?=";
        e = assertThrows(EncodedWords.Malformed.class, () -> EncodedWords.decode(longCharset));
        assertTrue(e.getMessage().length() < 200, e.getMessage());
    }

    @Test
    void controlCharactersAndHalfPairsAreNeverShownRaw() {
        assertEquals("a?b", EncodedWords.shown("a\u0000b", 10));
        assertEquals("a?", EncodedWords.shown("a\ud800", 10));
        assertEquals("😀…", EncodedWords.shown("😀😀", 1));
    }

    @Test
    void hugeValuesDecodeInLinearTime() throws Exception {
        // Many word starts, long runs between question marks: inputs that would make a backtracking pattern crawl.
        String words = ("=?UTF-8?B?" + Base64.getEncoder().encodeToString("hé ".getBytes(StandardCharsets.UTF_8))
                + "?=").repeat(20_000);
        assertEquals("hé ".repeat(20_000), EncodedWords.decode(words));
        String starts = "=?=?".repeat(50_000);
        assertEquals(starts, EncodedWords.decode(starts));
        String run = "=?" + "U".repeat(200_000);
        assertEquals(run, EncodedWords.decode(run));
    }

    private static void assertNoInternals(String message) {
        assertFalse(message.matches("(?s).*\\b(java|javax|sun)\\.[a-z]+.*"), message);
        assertFalse(message.contains("Exception"), message);
    }
}
