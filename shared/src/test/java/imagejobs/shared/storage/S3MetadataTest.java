package imagejobs.shared.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class S3MetadataTest {

    private static String decode(String word) {
        assertTrue(word.startsWith("=?UTF-8?B?") && word.endsWith("?="), word);
        return new String(Base64.getDecoder().decode(word.substring(10, word.length() - 2)), StandardCharsets.UTF_8);
    }

    @Test
    void asciiValuesGoAsTheyAreUnderLowerCaseNames() {
        Map<String, String> in = new LinkedHashMap<>();
        in.put("Request-Id", "abc-123");
        in.put("prompt", "make it blue, please (100%)");
        assertEquals(Map.of("x-amz-meta-request-id", "abc-123", "x-amz-meta-prompt", "make it blue, please (100%)"),
                S3Metadata.headers(in));
    }

    @Test
    void nonAsciiValuesBecomeAnRfc2047Word() {
        String value = S3Metadata.headers(Map.of("prompt", "rends-le bleu, s'il te plaît 🎨"))
                .get("x-amz-meta-prompt");
        assertEquals("rends-le bleu, s'il te plaît 🎨", decode(value));
        assertTrue(value.chars().allMatch(c -> c >= 0x20 && c < 0x7F), value);
    }

    @Test
    void controlCharactersAndEdgeSpacesAreEncodedNotSent() {
        assertEquals("a\r\nX-Injected: 1", decode(S3Metadata.encodeValue("a\r\nX-Injected: 1")));
        assertEquals(" padded ", decode(S3Metadata.encodeValue(" padded ")));
        assertEquals("=?UTF-8?Q?x?=", decode(S3Metadata.encodeValue("=?UTF-8?Q?x?=")));
        assertEquals("", S3Metadata.encodeValue(""));
    }

    @Test
    void namesMustBeHeaderTokens() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> S3Metadata.headers(Map.of("clé", "v")));
        assertTrue(e.getMessage().contains("clé"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> S3Metadata.headers(Map.of("a b", "v")));
        assertThrows(IllegalArgumentException.class, () -> S3Metadata.headers(Map.of("a:b", "v")));
        assertThrows(IllegalArgumentException.class, () -> S3Metadata.headers(Map.of("", "v")));
    }

    @Test
    void noMetadataIsNoHeaders() {
        assertTrue(S3Metadata.headers(null).isEmpty());
        assertTrue(S3Metadata.headers(Map.of()).isEmpty());
    }

    @Test
    void responseMetadataIsTheXAmzMetaHeaders() {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("Content-Type", List.of("image/png"));
        headers.put("X-Amz-Meta-Request-Id", List.of("r1"));
        headers.put("x-amz-meta-prompt", List.of("=?UTF-8?B?w6k=?="));
        headers.put("x-amz-meta-", List.of("nameless"));
        headers.put("x-amz-request-id", List.of("ignored"));
        assertEquals(Map.of("request-id", "r1", "prompt", "=?UTF-8?B?w6k=?="), S3Metadata.fromHeaders(headers));
    }
}
