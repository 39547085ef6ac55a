package imagejobs.shared.validation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Base64;

import org.junit.jupiter.api.Test;

import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.catalog.ModelSpec;
import imagejobs.shared.submit.TestImages;

/** Inline image checks: base64 as Gemini reads it, size, magic number. */
class InlineImagesTest {
    private final ModelSpec flash = ModelCatalog.load().find("gemini-2.5-flash-image").orElseThrow();

    @Test
    void base64AsProtoJsonReadsIt() {
        byte[] png = TestImages.png();
        assertArrayEquals(png, InlineImages.decode(Base64.getEncoder().encodeToString(png)));
        assertArrayEquals(png, InlineImages.decode(Base64.getEncoder().withoutPadding().encodeToString(png)));
        assertArrayEquals(png, InlineImages.decode(Base64.getUrlEncoder().encodeToString(png)));
        assertNull(InlineImages.decode(Base64.getMimeEncoder().encodeToString(new byte[200])), "line breaks");
        assertNull(InlineImages.decode("abc def"));
        assertNull(InlineImages.decode("a+b-"), "mixed alphabets");
    }

    @Test
    void everyAcceptedTypeIsRecognisedByItsBytes() {
        for (byte[] image : new byte[][] {TestImages.png(), TestImages.jpeg(), TestImages.gif(), TestImages.webp()}) {
            String mime = imagejobs.shared.image.ImageHeaders.sniff(image).orElseThrow();
            InlineImages.check(flash, mime, Base64.getEncoder().encodeToString(image), "f");
        }
    }

    @Test
    void heicAndHeifAreOneFamily() {
        byte[] heic = new byte[32];
        System.arraycopy("\0\0\0\u0018ftypheic".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, heic, 0, 12);
        InlineImages.check(flash, "image/heif", Base64.getEncoder().encodeToString(heic), "f");
    }

    @Test
    void theCatalogSetsTheSizeLimit() {
        assertEquals(7L * 1024 * 1024, InlineImages.maxBytes(flash));
        String exactly = Base64.getEncoder().encodeToString(TestImages.largePng(7 * 1024 * 1024));
        InlineImages.check(flash, "image/png", exactly, "f");
        FieldError e = assertThrows(FieldError.class, () -> InlineImages.check(flash, "image/png",
                Base64.getEncoder().encodeToString(TestImages.largePng(7 * 1024 * 1024 + 1)), "f"));
        assertEquals(FieldError.IMAGE_TOO_LARGE, e.code());
    }

    @Test
    void mimeTypesAreCanonical() {
        assertEquals("image/jpeg", InlineImages.mimeType(flash, " Image/JPG ", "f"));
        assertEquals("image/webp", InlineImages.mimeType(flash, "image/webp", "f"));
        assertEquals(FieldError.UNSUPPORTED_MIME_TYPE, assertThrows(FieldError.class,
                () -> InlineImages.mimeType(flash, "image/svg+xml", "f")).code());
    }
}
