package imagejobs.shared.status;

import static imagejobs.shared.status.TestJobs.NOW;
import static imagejobs.shared.status.TestJobs.TENANT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.config.ConfigurationException;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.errors.Rejection;
import imagejobs.shared.jobs.JobStore.Position;
import imagejobs.shared.jobs.RequestIds;
import imagejobs.shared.json.Json;
import imagejobs.shared.storage.PresignedUrl;
import imagejobs.testing.InMemoryJobStore;

/**
 * The list-cursor key: CURSOR_SECRET, else the Secrets Manager secret CURSOR_SECRET_ID names (read once, on the first
 * cursor, through a fake secret reader here), else the key derived from the table name.
 */
class CursorKeySourceTest {
    private static final String SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:cursor-AbCdEf";
    private static final String STORED = "Zq8s0cJt4mX1vWb7yRk2uHn5pLf9eGd3aQo6iTz0";

    /** A Secrets Manager stand-in: the ids asked for, in order. */
    private static final class FakeSecrets implements Function<String, String> {
        final List<String> asked = new ArrayList<>();
        private final List<Object> answers;

        FakeSecrets(Object... answers) {
            this.answers = new ArrayList<>(List.of(answers));
        }

        @Override
        public String apply(String id) {
            asked.add(id);
            Object answer = answers.size() > 1 ? answers.remove(0) : answers.get(0);
            if (answer instanceof RuntimeException e) {
                throw e;
            }
            return (String) answer;
        }
    }

    private static Settings settings(Map<String, String> env) {
        return new Settings(new Environment(env));
    }

    @Test
    void theSecretIsReadOnTheFirstCursorNotAtWiringAndOnlyOnce() {
        FakeSecrets secrets = new FakeSecrets(STORED);
        CursorKeySource source = CursorKeySource.from(settings(Map.of("JOBS_TABLE", "jobs", "CURSOR_SECRET_ID",
                SECRET_ARN)), secrets);
        ListCursors cursors = new ListCursors(source);
        assertEquals(CursorKeySource.Origin.SECRETS_MANAGER, source.origin());
        assertEquals(List.of(), secrets.asked, "nothing is read while the function initialises (SnapStart)");

        Position position = new Position("2026-11-23T08:00:00.000Z", RequestIds.fromName("x"));
        String cursor = cursors.encode(TENANT, ListFilters.NONE, position);
        for (int i = 0; i < 5; i++) {
            assertEquals(position, cursors.decode(TENANT, ListFilters.NONE, cursor));
        }
        assertEquals(List.of(SECRET_ARN), secrets.asked);
        // Signed with the stored key itself: another container reading the same secret accepts the cursor.
        assertEquals(position, new ListCursors(STORED.getBytes(StandardCharsets.UTF_8))
                .decode(TENANT, ListFilters.NONE, cursor));
        // And not with the key the table name would give.
        ListCursors derived = new ListCursors(settings(Map.of("JOBS_TABLE", "jobs")).cursorSecret());
        assertEquals(Rejection.Kind.INVALID, assertThrows(Rejection.class, () -> derived.decode(TENANT, ListFilters.NONE, cursor))
                .kind());
    }

    @Test
    void cursorSecretInTheEnvironmentWinsAndSecretsManagerIsNeverAsked() {
        FakeSecrets secrets = new FakeSecrets(STORED);
        String direct = "a-local-cursor-key-of-at-least-32-chars";
        CursorKeySource source = CursorKeySource.from(settings(Map.of("JOBS_TABLE", "jobs", "CURSOR_SECRET", direct,
                "CURSOR_SECRET_ID", SECRET_ARN)), secrets);
        assertEquals(CursorKeySource.Origin.ENVIRONMENT, source.origin());
        assertArrayEquals(direct.getBytes(StandardCharsets.UTF_8), source.get());
        assertEquals(List.of(), secrets.asked);
    }

    @Test
    void neitherGivesTheKeyDerivedFromTheTableName() {
        Settings settings = settings(Map.of("JOBS_TABLE", "stack-JobsTable-ABC"));
        CursorKeySource source = CursorKeySource.from(settings, id -> {
            throw new AssertionError("no secret to read");
        });
        assertEquals(CursorKeySource.Origin.DERIVED, source.origin());
        assertArrayEquals(settings.cursorSecret(), source.get());
        assertArrayEquals(settings.derivedCursorSecret(), source.get());
    }

    @Test
    void aStoredSecretShorterThan32CharactersFailsWithoutShowingIt() {
        String shortSecret = "tooShortSecret";
        ListCursors cursors = new ListCursors(CursorKeySource.from(settings(Map.of("JOBS_TABLE", "jobs",
                "CURSOR_SECRET_ID", SECRET_ARN)), new FakeSecrets(shortSecret)));
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> cursors.encode(TENANT,
                ListFilters.NONE, new Position("2026-11-23T08:00:00.000Z", RequestIds.fromName("x"))));
        assertTrue(e.getMessage().contains("CURSOR_SECRET_ID") && e.getMessage().contains("at least 32"),
                e.getMessage());
        assertFalse(e.getMessage().contains(shortSecret));
    }

    @Test
    void aFailedReadIsNotRememberedTheNextCursorTriesAgain() {
        FakeSecrets secrets = new FakeSecrets(new IllegalStateException("Secrets Manager throttled the call"), STORED);
        ListCursors cursors = new ListCursors(CursorKeySource.from(settings(Map.of("JOBS_TABLE", "jobs",
                "CURSOR_SECRET_ID", SECRET_ARN)), secrets));
        Position position = new Position("2026-11-23T08:00:00.000Z", RequestIds.fromName("x"));
        assertThrows(IllegalStateException.class, () -> cursors.encode(TENANT, ListFilters.NONE, position));
        String cursor = cursors.encode(TENANT, ListFilters.NONE, position);
        assertEquals(position, cursors.decode(TENANT, ListFilters.NONE, cursor));
        assertEquals(List.of(SECRET_ARN, SECRET_ARN), secrets.asked);
    }

    /** The listing a client walks page by page, with the key read from the (fake) Secrets Manager. */
    @Test
    void pagesFollowEachOtherWithASecretsManagerKey() {
        InMemoryJobStore store = new InMemoryJobStore();
        Set<String> ids = new TreeSet<>();
        for (int i = 0; i < 5; i++) {
            String id = TestJobs.id(i);
            store.put(TestJobs.queued(id, TENANT, NOW.minusSeconds(60 - i)));
            ids.add(id);
        }
        FakeSecrets secrets = new FakeSecrets(STORED);
        JobQueries queries = new JobQueries(store, new JobView("bucket", k -> new PresignedUrl("https://u", NOW),
                k -> null), new ListCursors(CursorKeySource.from(settings(Map.of("JOBS_TABLE", "jobs",
                "CURSOR_SECRET_ID", SECRET_ARN)), secrets)), Clock.fixed(NOW, ZoneOffset.UTC));
        Set<String> seen = new TreeSet<>();
        String cursor = null;
        int pages = 0;
        do {
            Map<String, String> query = cursor == null ? Map.of("limit", "2") : Map.of("limit", "2", "cursor", cursor);
            JsonNode page = queries.list(TENANT, query);
            page.path("data").forEach(j -> seen.add(j.path("request_id").asText()));
            cursor = page.path("next_cursor").isTextual() ? page.path("next_cursor").asText() : null;
            pages++;
        } while (cursor != null && pages < 10);
        assertEquals(ids, seen);
        assertEquals(3, pages);
        assertEquals(List.of(SECRET_ARN), secrets.asked);
    }
}
