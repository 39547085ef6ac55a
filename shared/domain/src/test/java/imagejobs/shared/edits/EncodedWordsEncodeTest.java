package imagejobs.shared.edits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** What the S3 adapter writes with {@link EncodedWords#encode}, the edit trigger reads back with decode, unchanged. */
class EncodedWordsEncodeTest {

    @Test
    void plainAsciiIsSentAsItIs() {
        assertEquals("add a hat", EncodedWords.encode("add a hat"));
        assertEquals("16:9", EncodedWords.encode("16:9"));
        assertEquals("", EncodedWords.encode(""));
        assertNull(EncodedWords.encode(null));
    }

    @Test
    void anythingAHeaderWouldLoseOrADecoderWouldReadIsOneBase64Word() throws EncodedWords.Malformed {
        for (String value : List.of("ajoute un chapeau d'été", " padded ", "a\r\nX-Injected: 1", "=?UTF-8?Q?x?=",
                "x =?UTF-8?Q?a?= y", "=?", "🎨")) {
            String encoded = EncodedWords.encode(value);
            assertTrue(encoded.startsWith("=?UTF-8?B?") && encoded.endsWith("?="), encoded);
            assertTrue(encoded.chars().allMatch(c -> c > 0x20 && c < 0x7f), encoded);
            assertEquals(value, EncodedWords.decode(encoded));
        }
    }

    @Test
    void everyStringRoundTrips() throws EncodedWords.Malformed {
        Random random = new Random(15);
        String alphabet = "ab =?_QB" + "\u00e9\u4e2d\t\n" + new String(Character.toChars(0x1F3A8));
        int[] codePoints = alphabet.codePoints().toArray();
        for (int i = 0; i < 5_000; i++) {
            StringBuilder value = new StringBuilder();
            for (int n = random.nextInt(12); n > 0; n--) {
                value.appendCodePoint(codePoints[random.nextInt(codePoints.length)]);
            }
            assertEquals(value.toString(), EncodedWords.decode(EncodedWords.encode(value.toString())),
                    value.toString());
        }
    }
}
