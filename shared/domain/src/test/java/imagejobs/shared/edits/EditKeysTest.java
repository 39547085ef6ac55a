package imagejobs.shared.edits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
    void editedKeysSitBesideTheUploadsPathNamedForTheJob() {
        String id = "7Q0K3XW2ZC4B8M6R1T9V5N2P0A";
        assertEquals("edited/acme/cat-" + id + "-1.png", EditKeys.editedKey("edits/acme/cat.png", id, 0, "png"));
        assertEquals("edited/acme/a b/cat été-" + id + "-2.jpg",
                EditKeys.editedKey("edits/acme/a b/cat été.jpeg", id, 1, "jpg"));
        assertEquals("edited/acme/v1.2/noext-" + id + "-1.png", EditKeys.editedKey("edits/acme/v1.2/noext", id, 0, "PNG"));
        assertEquals("edited/acme/a/.hidden-" + id + "-1.png", EditKeys.editedKey("edits/acme/a/.hidden", id, 0, "png"),
                "a name that only has an extension keeps it as its name");
        assertFalse(EditKeys.editedKey("edits/acme/cat.png", id, 0, "png").startsWith(EditKeys.EDITS_PREFIX),
                "a result can never trigger another edit");
    }

    @Test
    void twoUploadsOfOneKeyNeverShareACopy() {
        String first = EditKeys.editedKey("edits/acme/ok1.png", "7Q0K3XW2ZC4B8M6R1T9V5N2P0A", 0, "png");
        String second = EditKeys.editedKey("edits/acme/ok1.png", "0B1C2D3E4F5G6H7J8K9M0N1P2Q", 0, "png");
        assertNotEquals(first, second);
        assertEquals(first, EditKeys.editedKey("edits/acme/ok1.png", "7Q0K3XW2ZC4B8M6R1T9V5N2P0A", 0, "png"),
                "a retry of the same job writes the same copy again");
    }

    @Test
    void aCopyNeedsAnEditKeyAndARequestId() {
        assertThrows(IllegalArgumentException.class, () -> EditKeys.editedKey("outputs/acme/cat.png", "X", 0, "png"));
        assertThrows(IllegalArgumentException.class, () -> EditKeys.editedKey("edits/acme/cat.png", "", 0, "png"));
        assertThrows(IllegalArgumentException.class, () -> EditKeys.editedKey("edits/acme/cat.png", "a/b", 0, "png"));
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
