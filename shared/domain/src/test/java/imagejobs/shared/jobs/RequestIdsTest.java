package imagejobs.shared.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class RequestIdsTest {

    @Test
    void newIdsAreValidUniqueAndSortByTime() {
        Set<String> seen = new HashSet<>();
        String previous = RequestIds.newId(1_000_000L);
        for (int i = 0; i < 1000; i++) {
            String id = RequestIds.newId(1_000_001L + i);
            assertTrue(RequestIds.isValid(id), id);
            assertEquals(26, id.length());
            assertTrue(seen.add(id));
            assertTrue(previous.compareTo(id) < 0, previous + " then " + id);
            previous = id;
        }
    }

    @Test
    void idsFromANameAreStable() {
        String a = RequestIds.fromName("bucket/edits/t/cat.png#v1");
        assertEquals(a, RequestIds.fromName("bucket/edits/t/cat.png#v1"));
        assertNotEquals(a, RequestIds.fromName("bucket/edits/t/cat.png#v2"));
        assertTrue(RequestIds.isValid(a));
    }

    @Test
    void rejectsMalformedIds() {
        assertFalse(RequestIds.isValid(null));
        assertFalse(RequestIds.isValid(""));
        assertFalse(RequestIds.isValid("01ARZ3NDEKTSV4RRFFQ69G5FA"));   // 25 characters
        assertFalse(RequestIds.isValid("01ARZ3NDEKTSV4RRFFQ69G5FAVX")); // 27 characters
        assertFalse(RequestIds.isValid("01ARZ3NDEKTSV4RRFFQ69G5FAI")); // I is not Crockford base32
        assertFalse(RequestIds.isValid("../../etc/passwd/aaaaaaaaaa"));
    }
}
