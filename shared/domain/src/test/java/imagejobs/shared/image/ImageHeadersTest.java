package imagejobs.shared.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageHeadersTest {

    @ParameterizedTest
    @CsvSource({"1024,1024", "1344,768", "768,1376", "1,1", "5504,3072"})
    void pngDimensionsFromARealImage(int width, int height) {
        assertEquals(Optional.of(new ImageHeaders.Info("image/png", width, height)),
                ImageHeaders.read(TestImages.png(width, height)));
    }

    @ParameterizedTest
    @CsvSource({"1024,1024", "1376,768", "848,1264", "17,9"})
    void jpegDimensionsFromARealImage(int width, int height) {
        assertEquals(Optional.of(new ImageHeaders.Info("image/jpeg", width, height)),
                ImageHeaders.read(TestImages.jpeg(width, height)));
    }

    @Test
    void gifDimensionsFromARealImage() {
        assertEquals(Optional.of(new ImageHeaders.Info("image/gif", 320, 200)),
                ImageHeaders.read(TestImages.gif(320, 200)));
    }

    @Test
    void jpegWithALargeSegmentBeforeTheFrameHeader() {
        byte[] jpeg = TestImages.jpeg(640, 480);
        // Insert a 20 KB APP1 segment after SOI, as EXIF blocks do.
        int app = 20_000;
        byte[] withExif = new byte[jpeg.length + app + 4];
        withExif[0] = (byte) 0xFF;
        withExif[1] = (byte) 0xD8;
        withExif[2] = (byte) 0xFF;
        withExif[3] = (byte) 0xE1;
        withExif[4] = (byte) ((app + 2) >> 8);
        withExif[5] = (byte) (app + 2);
        System.arraycopy(jpeg, 2, withExif, 6 + app, jpeg.length - 2);
        assertEquals(Optional.of(new ImageHeaders.Info("image/jpeg", 640, 480)), ImageHeaders.read(withExif));
    }

    @Test
    void webpAllThreeEncodings() {
        assertEquals(Optional.of(new ImageHeaders.Info("image/webp", 4096, 2304)),
                ImageHeaders.read(TestImages.webpVp8x(4096, 2304)));
        assertEquals(Optional.of(new ImageHeaders.Info("image/webp", 1000, 750)),
                ImageHeaders.read(TestImages.webpVp8l(1000, 750)));
        assertEquals(Optional.of(new ImageHeaders.Info("image/webp", 800, 600)),
                ImageHeaders.read(TestImages.webpVp8(800, 600)));
    }

    @Test
    void heicAndHeifByBrand() {
        assertEquals(Optional.of("image/heic"), ImageHeaders.sniff(TestImages.ftyp("heic")));
        assertEquals(Optional.of("image/heic"), ImageHeaders.sniff(TestImages.ftyp("heix")));
        assertEquals(Optional.of("image/heif"), ImageHeaders.sniff(TestImages.ftyp("mif1")));
        assertEquals(Optional.empty(), ImageHeaders.sniff(TestImages.ftyp("isom")), "an MP4 is not an image");
        assertEquals("image/heic", ImageHeaders.read(TestImages.ftyp("heic")).orElseThrow().mimeType());
    }

    @Test
    void unknownAndTruncatedBytes() {
        assertEquals(Optional.empty(), ImageHeaders.sniff("<html>".getBytes()));
        assertEquals(Optional.empty(), ImageHeaders.sniff(new byte[0]));
        byte[] png = TestImages.png(10, 10);
        assertEquals(Optional.empty(), ImageHeaders.read(Arrays.copyOf(png, 12)), "PNG cut before IHDR");
        assertEquals(Optional.empty(), ImageHeaders.read(Arrays.copyOf(TestImages.jpeg(10, 10), 4)));
    }

    @Test
    void readsOnlyTheHeadOfAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("big.png");
        byte[] png = TestImages.png(2048, 2048);
        Files.write(file, png);
        Optional<ImageHeaders.Info> info = ImageHeaders.read(file);
        assertTrue(info.isPresent());
        assertEquals(2048, info.get().width());
    }
}
