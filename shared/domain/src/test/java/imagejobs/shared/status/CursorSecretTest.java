package imagejobs.shared.status;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;

import imagejobs.shared.config.ConfigurationException;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.jobs.JobStore.Position;
import imagejobs.shared.jobs.RequestIds;

/** Settings.cursorSecret(): CURSOR_SECRET when set, else a key derived from the jobs table name. */
class CursorSecretTest {
    private static final String SECRET = "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t";

    @Test
    void aConfiguredSecretIsUsedAsIs() {
        Settings settings = settings(Map.of("CURSOR_SECRET", SECRET, "JOBS_TABLE", "jobs"));
        assertTrue(settings.cursorSecretConfigured());
        assertArrayEquals(SECRET.getBytes(StandardCharsets.UTF_8), settings.cursorSecret());
    }

    @Test
    void aShortSecretFailsTheColdStart() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> settings(Map.of("CURSOR_SECRET", "short", "JOBS_TABLE", "jobs")).cursorSecret());
        assertTrue(e.getMessage().contains("at least 32"), e.getMessage());
    }

    @Test
    void unsetOrBlankFallsBackToAKeyDerivedFromTheTable() {
        Settings unset = settings(Map.of("JOBS_TABLE", "stack-JobsTable-ABC"));
        Settings blank = settings(Map.of("CURSOR_SECRET", "", "JOBS_TABLE", "stack-JobsTable-ABC"));
        assertFalse(unset.cursorSecretConfigured());
        assertFalse(blank.cursorSecretConfigured());
        assertEquals(32, unset.cursorSecret().length);
        assertArrayEquals(unset.cursorSecret(), blank.cursorSecret(), "stable: every container signs alike");
        assertFalse(Arrays.equals(unset.cursorSecret(), settings(Map.of("JOBS_TABLE", "other")).cursorSecret()));
    }

    @Test
    void cursorsFromOneDeploymentAreRejectedByAnother() {
        Position position = new Position("2026-11-23T08:00:00.000Z", RequestIds.fromName("x"));
        String cursor = new ListCursors(settings(Map.of("CURSOR_SECRET", SECRET)).cursorSecret())
                .encode("t", ListFilters.NONE, position);
        ListCursors other = new ListCursors(settings(Map.of("JOBS_TABLE", "jobs")).cursorSecret());
        assertEquals(imagejobs.shared.errors.Rejection.Kind.INVALID, assertThrows(imagejobs.shared.errors.Rejection.class,
                () -> other.decode("t", ListFilters.NONE, cursor)).kind());
    }

    private static Settings settings(Map<String, String> env) {
        return new Settings(new Environment(env));
    }
}
