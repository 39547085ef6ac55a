package imagejobs.shared.edits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class EditKeysTest {

    @Test
    void parsesTenantAndPath() {
        assertEquals(Optional.of(new EditKeys.Upload("acme", "a/b/cat.png")), EditKeys.parse("edits/acme/a/b/cat.png"));
        assertTrue(EditKeys.parse("edits/cat.png").isEmpty(), "no tenant");
        assertTrue(EditKeys.parse("edits//cat.png").isEmpty(), "empty tenant");
        assertTrue(EditKeys.parse("edits/acme/").isEmpty(), "no path");
        assertTrue(EditKeys.parse("outputs/acme/cat.png").isEmpty());
        assertTrue(EditKeys.parse(null).isEmpty());
    }

    @Test
    void editedKeysSitNextToAPredictablePathOutsideEdits() {
        assertEquals("edited/acme/cat-1.png", EditKeys.editedKey("edits/acme/cat.png", 0, "png"));
        assertEquals("edited/acme/a b/cat été-2.jpg", EditKeys.editedKey("edits/acme/a b/cat été.jpeg", 1, "jpg"));
        assertEquals("edited/acme/v1.2/noext-1.png", EditKeys.editedKey("edits/acme/v1.2/noext", 0, "PNG"));
        assertTrue(!EditKeys.editedKey("edits/acme/cat.png", 0, "png").startsWith(EditKeys.EDITS_PREFIX),
                "a result can never trigger another edit");
    }

    @Test
    void keysArriveFormEncodedInEvents() {
        assertEquals("edits/acme/my cat été+.png", S3Upload.decodeKey("edits/acme/my+cat+%C3%A9t%C3%A9%2B.png"));
    }

    @Test
    void theSameEventNamesTheSameUploadAndANewUploadANewOne() {
        S3Upload first = new S3Upload("b", "edits/t/cat.png", 10, "etag", null, "0055A");
        assertEquals(first.identity(), new S3Upload("b", "edits/t/cat.png", 10, "etag", null, "0055A").identity());
        assertNotEquals(first.identity(), new S3Upload("b", "edits/t/cat.png", 10, "etag", null, "0055B").identity(),
                "the same bytes uploaded again are a new edit");
        assertNotEquals(new S3Upload("b", "k", 1, "e", "v1", "s").identity(),
                new S3Upload("b", "k", 1, "e", "v2", "s").identity());
        assertEquals(new S3Upload("b", "k", 1, "e", "v1", "s1").identity(),
                new S3Upload("b", "k", 1, "e", "v1", "s2").identity(), "a version id names the upload on its own");
    }
}
