package imagejobs.shared.catalog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class ModelCatalogTest {
    private final ModelCatalog catalog = ModelCatalog.load();

    @Test
    void holdsTheFourModelsOfTheDesign() {
        assertEquals(List.of("gemini-2.5-flash-image", "gemini-2.5-flash-image-preview-hd",
                "gemini-3-pro-image-preview", "gemini-3.1-flash-image-preview"), catalog.ids());
    }

    @Test
    void everySupportedRatioAndSizeHasAResolution() {
        for (ModelSpec model : catalog.all()) {
            for (String size : model.imageSizes()) {
                for (String ratio : model.aspectRatios()) {
                    int[] wh = model.resolution(ratio, size).orElseThrow(() ->
                            new AssertionError(model.id() + " " + ratio + " " + size));
                    assertTrue(wh[0] > 0 && wh[1] > 0);
                }
            }
        }
    }

    @Test
    void resolutionsFollowTheSeedTables() {
        ModelSpec flash = catalog.find("gemini-2.5-flash-image").orElseThrow();
        assertArrayEquals(new int[] {1344, 768}, flash.resolution("16:9", "1K").orElseThrow());
        ModelSpec pro = catalog.find("gemini-3-pro-image-preview").orElseThrow();
        assertArrayEquals(new int[] {848, 1264}, pro.resolution("2:3", "1K").orElseThrow());
        assertArrayEquals(new int[] {2528, 1696}, pro.resolution("3:2", "2K").orElseThrow());
        assertArrayEquals(new int[] {5504, 3072}, pro.resolution("16:9", "4K").orElseThrow());
        assertArrayEquals(new int[] {6336, 2688}, pro.resolution("21:9", "4K").orElseThrow());
        assertEquals(2000, pro.tokensPerImage().get("4K"));
    }

    @Test
    void capabilitiesPerModel() {
        ModelSpec flash31 = catalog.find("gemini-3.1-flash-image-preview").orElseThrow();
        assertTrue(flash31.supportsAspectRatio("1:8"));
        assertTrue(flash31.supportsImageSize("512"));
        assertEquals(14, flash31.maxReferenceImages());
        ModelSpec flash = catalog.find("gemini-2.5-flash-image").orElseThrow();
        assertFalse(flash.supportsAspectRatio("1:8"));
        assertFalse(flash.supportsImageSize("2K"));
        assertEquals(3, flash.maxReferenceImages());
        assertEquals("image/png", flash.outputMimeType());
        assertEquals("image/jpeg", catalog.find("gemini-3-pro-image-preview").orElseThrow().outputMimeType());
    }

    @Test
    void canonicalSizesUseGeminisSpelling() {
        assertEquals("1K", ModelCatalog.canonicalImageSize("1k"));
        assertEquals("4K", ModelCatalog.canonicalImageSize(" 4k "));
        assertEquals("512", ModelCatalog.canonicalImageSize("0.5K"));
        assertEquals("512", ModelCatalog.canonicalImageSize("0.5k"));
        assertEquals("512", ModelCatalog.canonicalImageSize("512"));
        assertEquals("8K", ModelCatalog.canonicalImageSize("8k"));
    }
}
