package imagejobs.adapters.gemini;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import imagejobs.shared.image.TestImages;
import imagejobs.shared.gemini.GeminiResponse;

class GeminiResponseReaderTest {
    @TempDir
    Path dir;

    private GeminiResponse read(String json) throws IOException {
        return new GeminiResponseReader(dir).read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void streamsAMultiMegabyteImageToAFile() throws IOException {
        byte[] image = new byte[12 * 1024 * 1024];
        new Random(7).nextBytes(image);
        System.arraycopy(TestImages.png(4096, 4096), 0, image, 0, 64);
        Path body = dir.resolve("body.json");
        try (Writer out = Files.newBufferedWriter(body)) {
            out.write("{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"inlineData\":{\"mimeType\":"
                    + "\"image/png\",\"data\":\"");
            // Written in slices so the test itself never holds the whole base64 string either.
            Base64.Encoder encoder = Base64.getEncoder();
            for (int at = 0; at < image.length; at += 3 * 65536) {
                out.write(encoder.encodeToString(Arrays.copyOfRange(image, at, Math.min(image.length, at + 3 * 65536))));
            }
            out.write("\"},\"thoughtSignature\":\"sig-1\"}]},\"finishReason\":\"STOP\"}],"
                    + "\"usageMetadata\":{\"promptTokenCount\":7,\"candidatesTokenCount\":2000},"
                    + "\"modelVersion\":\"gemini-3-pro-image-preview\",\"responseId\":\"r-1\"}");
        }
        Path work = Files.createDirectory(dir.resolve("work"));
        GeminiResponse response;
        try (InputStream in = Files.newInputStream(body)) {
            response = new GeminiResponseReader(work).read(in);
        }
        assertEquals(1, response.images().size());
        GeminiResponse.Part part = response.images().get(0);
        assertEquals(image.length, part.imageBytes());
        assertTrue(part.imageFile().startsWith(work));
        assertArrayEquals(image, Files.readAllBytes(part.imageFile()));
        assertEquals("image/png", part.mimeType());
        assertEquals("sig-1", part.thoughtSignature());
        assertEquals("STOP", response.finishReason());
        assertEquals(7, response.usageMetadata().get("promptTokenCount").asInt());
        assertEquals("gemini-3-pro-image-preview", response.modelVersion());
        assertEquals("r-1", response.responseId());
        assertEquals(1, response.candidateCount());
    }

    /** Found by ./run-local bench worker-4k: one system call per couple of KB decoded made a 4K image ~2,000 writes. */
    @Test
    void decodedImagesReachTheFileInLargeBlocks() throws IOException {
        byte[] image = new byte[4 * 1024 * 1024];
        new Random(11).nextBytes(image);
        String json = "{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"mimeType\":\"image/jpeg\","
                + "\"data\":\"" + Base64.getEncoder().encodeToString(image) + "\"}}]}}]}";
        AtomicInteger writes = new AtomicInteger();
        GeminiResponseReader reader = new GeminiResponseReader(dir, file -> new FilterOutputStream(
                Files.newOutputStream(file)) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                writes.incrementAndGet();
                out.write(b, off, len);
            }

            @Override
            public void write(int b) throws IOException {
                writes.incrementAndGet();
                out.write(b);
            }
        });
        GeminiResponse response = reader.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.US_ASCII)));
        assertArrayEquals(image, Files.readAllBytes(response.images().get(0).imageFile()));
        // At least half a block per write on average (Jackson's pieces rarely fill a block exactly).
        int atMost = image.length / (GeminiResponseReader.WRITE_BLOCK / 2);
        assertTrue(writes.get() <= atMost, writes.get() + " writes for " + image.length + " bytes; at most " + atMost);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"iVBORw0KGgo",
            "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"hello\"}]}",
            "{\"candidates\":[",
            "",
            "<html><body>502 Bad Gateway</body></html>",
            "{\"candidates\":[]} trailing",
            "{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"@@@@\"}}]}}]}",
            "[1,2,3]"})
    void truncatedOrMalformedBodiesAreErrors(String body) {
        assertThrows(IOException.class, () -> read(body));
    }

    @Test
    void snakeCaseFieldsAreRead() throws IOException {
        String png = Base64.getEncoder().encodeToString(TestImages.png(8, 4));
        GeminiResponse response = read("{\"candidates\":[{\"content\":{\"parts\":[{\"inline_data\":{\"mime_type\":"
                + "\"image/png\",\"data\":\"" + png + "\"},\"thought_signature\":\"snake-sig\"}]},"
                + "\"finish_reason\":\"STOP\",\"finish_message\":\"ok\"}],\"usage_metadata\":{\"prompt_token_count\":3},"
                + "\"prompt_feedback\":{\"block_reason\":\"SAFETY\",\"block_reason_message\":\"no\"},"
                + "\"model_version\":\"v\",\"response_id\":\"id\"}");
        assertEquals(1, response.images().size());
        assertEquals("image/png", response.images().get(0).mimeType());
        assertEquals("snake-sig", response.images().get(0).thoughtSignature());
        assertEquals("STOP", response.finishReason());
        assertEquals("ok", response.finishMessage());
        assertEquals("SAFETY", response.blockReason());
        assertEquals("no", response.blockReasonMessage());
        assertEquals(3, response.usageMetadata().get("prompt_token_count").asInt());
        assertEquals("v", response.modelVersion());
        assertEquals("id", response.responseId());
    }

    @Test
    void thoughtPartsAreMarkedAndLeftOutOfImagesAndText() throws IOException {
        String draft = Base64.getEncoder().encodeToString(TestImages.png(4, 4));
        String result = Base64.getEncoder().encodeToString(TestImages.jpeg(8, 8));
        GeminiResponse response = read("{\"candidates\":[{\"content\":{\"parts\":["
                + "{\"text\":\"planning the scene\",\"thought\":true},"
                + "{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"" + draft + "\"},\"thought\":true},"
                + "{\"text\":\"Here it is\",\"thoughtSignature\":\"t-sig\"},"
                + "{\"inlineData\":{\"mimeType\":\"image/jpeg\",\"data\":\"" + result + "\"},\"thoughtSignature\":\"i-sig\"}"
                + "]},\"finishReason\":\"STOP\"}]}");
        assertEquals(4, response.parts().size());
        assertTrue(response.parts().get(0).thought());
        assertTrue(response.parts().get(1).thought());
        assertEquals(1, response.images().size());
        assertEquals("image/jpeg", response.images().get(0).mimeType());
        assertEquals("Here it is", response.text());
    }

    @Test
    void thoughtSignaturesAreKeptByteForByte() throws IOException {
        // Base64 with +, / and =, JSON escapes that decode to them, and a long value: all must come back exactly.
        byte[] raw = new byte[3000];
        new Random(3).nextBytes(raw);
        String signature = Base64.getEncoder().encodeToString(raw) + "+/==";
        String escaped = signature.replace("/", "\\/").replace("+", "\\u002b");
        GeminiResponse response = read("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\",\"thoughtSignature\":\""
                + escaped + "\"}]},\"finishReason\":\"STOP\"}]}");
        assertEquals(signature, response.parts().get(0).thoughtSignature());
    }

    @Test
    void unpaddedBase64IsAccepted() throws IOException {
        byte[] png = TestImages.png(3, 3);
        String unpadded = Base64.getEncoder().withoutPadding().encodeToString(png);
        GeminiResponse response = read("{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"mimeType\":"
                + "\"image/png\",\"data\":\"" + unpadded + "\"}}]}}]}");
        assertArrayEquals(png, Files.readAllBytes(response.images().get(0).imageFile()));
    }

    @Test
    void aResponseCannotNameAFileToUpload() throws IOException {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "not for upload");
        GeminiResponse response = read("{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"mimeType\":"
                + "\"image/png\",\"$streamed\":\"" + secret + "\",\"$file\":\"" + secret + "\"}}]}}]}");
        assertTrue(response.images().isEmpty());
    }

    @Test
    void noCandidatesAndABlockReason() throws IOException {
        GeminiResponse response = read("{\"promptFeedback\":{\"blockReason\":\"PROHIBITED_CONTENT\"},"
                + "\"usageMetadata\":{\"promptTokenCount\":271,\"candidatesTokenCount\":0}}");
        assertEquals(0, response.candidateCount());
        assertEquals("PROHIBITED_CONTENT", response.blockReason());
        assertNull(response.finishReason());
        assertTrue(response.parts().isEmpty());
        assertNull(response.text());
        assertFalse(response.usageMetadata().isEmpty());
    }

    @Test
    void streamsEvenWhenTheSourceDeliversTinyChunks() throws IOException {
        byte[] png = TestImages.png(64, 32);
        String json = "{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\""
                + Base64.getEncoder().encodeToString(png) + "\"}}]},\"finishReason\":\"STOP\"}]}";
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        InputStream trickle = new InputStream() {
            int at;

            @Override
            public int read() {
                return at < bytes.length ? bytes[at++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (at >= bytes.length) {
                    return -1;
                }
                b[off] = bytes[at++];
                return 1;
            }
        };
        GeminiResponse response = new GeminiResponseReader(dir).read(trickle);
        assertArrayEquals(png, Files.readAllBytes(response.images().get(0).imageFile()));
    }

}
