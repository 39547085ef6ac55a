package imagejobs.adapters.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class UserMetadataTest {

    private static String decode(String word) {
        assertTrue(word.startsWith("=?UTF-8?B?") && word.endsWith("?="), word);
        return new String(Base64.getDecoder().decode(word.substring(10, word.length() - 2)), StandardCharsets.UTF_8);
    }

    @Test
    void asciiValuesGoAsTheyAreUnderLowerCaseNames() {
        Map<String, String> in = new LinkedHashMap<>();
        in.put("Request-Id", "abc-123");
        in.put("prompt", "make it blue, please (100%)");
        assertEquals(Map.of("request-id", "abc-123", "prompt", "make it blue, please (100%)"),
                UserMetadata.encode(in));
    }

    @Test
    void nonAsciiValuesBecomeAnRfc2047Word() {
        String value = UserMetadata.encode(Map.of("prompt", "rends-le bleu, s'il te plaît 🎨")).get("prompt");
        assertEquals("rends-le bleu, s'il te plaît 🎨", decode(value));
        assertTrue(value.chars().allMatch(c -> c >= 0x20 && c < 0x7F), value);
    }

    @Test
    void controlCharactersAndEdgeSpacesAreEncodedNotSent() {
        assertEquals("a\r\nX-Injected: 1", decode(UserMetadata.encodeValue("a\r\nX-Injected: 1")));
        assertEquals(" padded ", decode(UserMetadata.encodeValue(" padded ")));
        assertEquals("=?UTF-8?Q?x?=", decode(UserMetadata.encodeValue("=?UTF-8?Q?x?=")));
        assertEquals("", UserMetadata.encodeValue(""));
    }

    @Test
    void namesMustBeHeaderTokens() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UserMetadata.encode(Map.of("clé", "v")));
        assertTrue(e.getMessage().contains("clé"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> UserMetadata.encode(Map.of("a b", "v")));
        assertThrows(IllegalArgumentException.class, () -> UserMetadata.encode(Map.of("a:b", "v")));
        assertThrows(IllegalArgumentException.class, () -> UserMetadata.encode(Map.of("", "v")));
    }

    @Test
    void noMetadataIsNone() {
        assertTrue(UserMetadata.encode(null).isEmpty());
        assertTrue(UserMetadata.encode(Map.of()).isEmpty());
    }
}
