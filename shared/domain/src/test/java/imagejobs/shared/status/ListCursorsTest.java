package imagejobs.shared.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import imagejobs.shared.errors.Rejection;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore.Position;
import imagejobs.shared.jobs.RequestIds;

class ListCursorsTest {
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private static final Position POSITION = new Position("2026-11-23T08:00:00.123Z", RequestIds.fromName("p"));
    private static final ListFilters FILTERS = new ListFilters(EnumSet.of(JobStatus.QUEUED, JobStatus.FAILED),
            "gemini-2.5-flash-image", Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-12-01T00:00:00Z"));

    private final ListCursors cursors = new ListCursors(KEY);

    @Test
    void roundTripsAPosition() {
        String cursor = cursors.encode("tenant-a", FILTERS, POSITION);
        assertEquals(POSITION, cursors.decode("tenant-a", FILTERS, cursor));
        assertEquals(POSITION, cursors.decode("tenant-a", ListFilters.NONE,
                cursors.encode("tenant-a", ListFilters.NONE, POSITION)));
    }

    @Test
    void isUrlSafeAndOpaque() {
        String cursor = cursors.encode("tenant-a", FILTERS, POSITION);
        assertTrue(cursor.matches("[A-Za-z0-9_-]+"), cursor);
        assertTrue(cursor.length() < 128, cursor);
        String decoded = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.ISO_8859_1);
        assertTrue(!decoded.contains("tenant-a") && !decoded.contains("gemini"), "tenant and filters are not carried");
    }

    @Test
    void theSameFiltersSpelledOtherwiseAreAccepted() {
        String cursor = cursors.encode("tenant-a", FILTERS, POSITION);
        ListFilters same = new ListFilters(Set.of(JobStatus.FAILED, JobStatus.QUEUED), "gemini-2.5-flash-image",
                Instant.parse("2026-11-01T01:00:00+01:00"), Instant.parse("2026-12-01T00:00:00.000Z"));
        assertEquals(POSITION, cursors.decode("tenant-a", same, cursor));
    }

    @Test
    void everyCharacterChangedIsRejected() {
        String cursor = cursors.encode("tenant-a", FILTERS, POSITION);
        for (int i = 0; i < cursor.length(); i++) {
            for (char c : ALPHABET.toCharArray()) {
                if (c == cursor.charAt(i)) {
                    continue;
                }
                String altered = cursor.substring(0, i) + c + cursor.substring(i + 1);
                assertInvalid(() -> cursors.decode("tenant-a", FILTERS, altered), "char " + i + " -> " + c);
            }
        }
    }

    @Test
    void everyByteFlippedIsRejected() {
        byte[] bytes = Base64.getUrlDecoder().decode(cursors.encode("tenant-a", FILTERS, POSITION));
        for (int i = 0; i < bytes.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] altered = bytes.clone();
                altered[i] ^= (byte) (1 << bit);
                String cursor = Base64.getUrlEncoder().withoutPadding().encodeToString(altered);
                assertInvalid(() -> cursors.decode("tenant-a", FILTERS, cursor), "byte " + i + " bit " + bit);
            }
        }
    }

    @Test
    void truncatedOrExtendedIsRejected() {
        String cursor = cursors.encode("tenant-a", FILTERS, POSITION);
        for (int len = 0; len < cursor.length(); len++) {
            String prefix = cursor.substring(0, len);
            assertInvalid(() -> cursors.decode("tenant-a", FILTERS, prefix), "prefix " + len);
        }
        assertInvalid(() -> cursors.decode("tenant-a", FILTERS, cursor + "A"), "extended");
        assertInvalid(() -> cursors.decode("tenant-a", FILTERS, cursor + "AAAA"), "extended by whole bytes");
        assertInvalid(() -> cursors.decode("tenant-a", FILTERS, cursor + "="), "padded");
    }

    @Test
    void anotherTenantsCursorIsRejected() {
        String cursor = cursors.encode("tenant-a", FILTERS, POSITION);
        assertInvalid(() -> cursors.decode("tenant-b", FILTERS, cursor), "other tenant");
        assertInvalid(() -> cursors.decode("tenant-", FILTERS, cursor), "prefix of the tenant");
    }

    @Test
    void otherFiltersAreRejected() {
        String cursor = cursors.encode("tenant-a", FILTERS, POSITION);
        Instant after = FILTERS.createdAfter();
        Instant before = FILTERS.createdBefore();
        for (ListFilters other : new ListFilters[] {
                ListFilters.NONE,
                new ListFilters(EnumSet.of(JobStatus.QUEUED), FILTERS.model(), after, before),
                new ListFilters(EnumSet.allOf(JobStatus.class), FILTERS.model(), after, before),
                new ListFilters(FILTERS.statuses(), null, after, before),
                new ListFilters(FILTERS.statuses(), "gemini-3-pro-image-preview", after, before),
                new ListFilters(FILTERS.statuses(), FILTERS.model(), null, before),
                new ListFilters(FILTERS.statuses(), FILTERS.model(), after.plusMillis(1), before),
                new ListFilters(FILTERS.statuses(), FILTERS.model(), after, null),
                new ListFilters(FILTERS.statuses(), FILTERS.model(), after, before.minusNanos(1))}) {
            assertInvalid(() -> cursors.decode("tenant-a", other, cursor), other.toString());
        }
    }

    @Test
    void anotherKeysCursorIsRejected() {
        String cursor = new ListCursors("another key, 32 bytes long......".getBytes(StandardCharsets.UTF_8))
                .encode("tenant-a", FILTERS, POSITION);
        assertInvalid(() -> cursors.decode("tenant-a", FILTERS, cursor), "other key");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "abc", "!!!!", "null", "eyJ0ZW5hbnQiOiJ0ZW5hbnQtYSJ9", "AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "%2F%2F", "a.b.c", "AQ", "AQAA"})
    void garbageIsRejected(String garbage) {
        assertInvalid(() -> cursors.decode("tenant-a", FILTERS, garbage), garbage);
    }

    @Test
    void hugeAndNullCursorsAreRejected() {
        assertInvalid(() -> cursors.decode("tenant-a", FILTERS, "A".repeat(100_000)), "huge");
        assertInvalid(() -> cursors.decode("tenant-a", FILTERS, null), "null");
    }

    @Test
    void theErrorNamesTheCursorAndHowToRecover() {
        Rejection e = assertThrows(Rejection.class, () -> cursors.decode("tenant-a", FILTERS, "abc"));
        assertEquals(Rejection.Kind.INVALID, e.kind());
        assertEquals("INVALID_CURSOR", e.code());
        assertEquals("cursor", e.field());
        assertTrue(e.getMessage().contains("next_cursor"), e.getMessage());
    }

    @Test
    void aShortKeyIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ListCursors(new byte[15]));
    }

    private static void assertInvalid(org.junit.jupiter.api.function.Executable decode, String what) {
        Rejection e = assertThrows(Rejection.class, decode, what);
        assertEquals(Rejection.Kind.INVALID, e.kind(), what);
        assertEquals("INVALID_CURSOR", e.code(), what);
    }
}
