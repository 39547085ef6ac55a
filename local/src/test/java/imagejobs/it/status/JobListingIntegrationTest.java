package imagejobs.it.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.adapters.dynamo.DynamoJobStore;
import imagejobs.shared.errors.Rejection;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.jobs.JobStore.JobPage;
import imagejobs.shared.jobs.JobStore.ListQuery;
import imagejobs.shared.jobs.JobStore.Position;
import imagejobs.shared.jobs.RequestIds;
import imagejobs.shared.jobs.Timestamps;
import imagejobs.shared.json.Json;
import imagejobs.shared.status.JobQueries;
import imagejobs.shared.status.JobView;
import imagejobs.shared.status.ListCursors;

/**
 * {@code GET /v1/requests} on DynamoDB Local, through JobQueries and the DynamoDB job store, on a table made from
 * template.yaml: 250 jobs of one tenant (distinct and shared created_at values, every status, three models,
 * some expired) beside another tenant's jobs. Every walk, whatever the page size and filters, must return each
 * matching job exactly once, newest first, with full pages, and cursors must not travel.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobListingIntegrationTest {
    private static final String TABLE = "jobs-listing-it";
    private static final String A = "tenant-a";
    private static final String B = "tenant-b";
    private static final String[] MODELS = {"gemini-2.5-flash-image", "gemini-3-pro-image-preview",
        "gemini-3.1-flash-image-preview"};
    private static final Instant T0 = Instant.parse("2026-11-01T08:00:00.123Z");
    private static final Instant NOW = Instant.parse("2026-11-23T08:00:00Z");
    private static final byte[] KEY = "integration-test cursor key, 32+ bytes".getBytes(StandardCharsets.UTF_8);
    /** More page requests than any walk here needs: a walk that does not end is a failure, not a hang. */
    private static final int MAX_PAGES = 400;

    private EmbeddedDynamo dynamo;
    private JobStore store;
    private JobQueries queries;
    private final List<Job> written = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        dynamo = EmbeddedDynamo.start();
        dynamo.createJobsTable(TABLE);
        store = new DynamoJobStore(dynamo.client(), TABLE);
        queries = queries(store);
        JobStatus[] statuses = JobStatus.values();
        for (int i = 0; i < 250; i++) {
            // The first 100 jobs have distinct times; the other 150 share them three by three.
            Instant created = T0.plusSeconds(i < 100 ? i : 100 + (i - 100) / 3);
            write(job(A, i, created, statuses[i % statuses.length], MODELS[i % MODELS.length], NOW.plusSeconds(86400)));
        }
        for (int i = 0; i < 60; i++) {
            write(job(B, 1000 + i, T0.plusSeconds(i * 3L), statuses[i % statuses.length], MODELS[i % MODELS.length],
                    NOW.plusSeconds(86400)));
        }
        // Retention over, TTL sweep not yet done: never listed. One at exactly "now" (expired), one just after.
        for (int i = 0; i < 10; i++) {
            write(job(A, 2000 + i, T0.plusSeconds(40 + i * 11L), statuses[i % statuses.length], MODELS[0],
                    i == 0 ? NOW : NOW.minusSeconds(3600)));
        }
        write(job(A, 2100, T0.plusSeconds(55), JobStatus.SUCCESS, MODELS[0], NOW.plusSeconds(1)));
    }

    @AfterAll
    void stop() throws Exception {
        dynamo.close();
    }

    static List<Arguments> walks() {
        List<Arguments> walks = new ArrayList<>();
        List<Map<String, String>> filters = List.of(
                Map.of(),
                Map.of("status", "failed"),
                Map.of("status", "queued,processing"),
                Map.of("model", MODELS[1]),
                // Both bounds fall on times that three jobs share: exclusive means none of the three.
                Map.of("created_after", Timestamps.format(T0.plusSeconds(110)), "created_before",
                        Timestamps.format(T0.plusSeconds(140))),
                Map.of("created_before", Timestamps.format(T0.plusSeconds(50))),
                Map.of("status", "success,cancelled", "model", MODELS[2], "created_after",
                        Timestamps.format(T0.plusSeconds(30))),
                Map.of("status", "failed", "model", MODELS[0]));
        for (Map<String, String> f : filters) {
            for (int size : new int[] {1, 7, 100}) {
                walks.add(Arguments.of(f, size));
            }
        }
        return walks;
    }

    @ParameterizedTest(name = "{0} limit={1}")
    @MethodSource("walks")
    void everyMatchingJobExactlyOnceNewestFirstInFullPages(Map<String, String> filters, int limit) {
        List<Job> expected = expected(A, filters);
        assertFalse(expected.isEmpty(), "the data set must exercise " + filters);
        List<List<String>> pages = walk(queries, A, filters, limit);
        for (int p = 0; p < pages.size() - 1; p++) {
            assertEquals(limit, pages.get(p).size(), "page " + p + " is full");
        }
        assertOrderedExactlyOnce(expected, pages.stream().flatMap(List::stream).toList());
        // Ties keep one order whatever the page size.
        assertEquals(flatten(walk(queries, A, filters, 100)), flatten(pages));
    }

    @Test
    void anotherTenantListsExactlyItsOwn() {
        List<String> ids = flatten(walk(queries, B, Map.of(), 7));
        assertOrderedExactlyOnce(expected(B, Map.of()), ids);
        assertEquals(60, ids.size());
    }

    @Test
    void whenOneCallsScanBudgetRunsOutPagesAreShortButNothingIsLostOrRepeated() {
        // One Query call per listing request: a sparse filter cannot fill a page within it.
        JobQueries starved = queries(new DynamoJobStore(dynamo.client(), TABLE, 1));
        Map<String, String> sparse = Map.of("status", "failed", "model", MODELS[0]);
        List<List<String>> pages = walk(starved, A, sparse, 7);
        assertTrue(pages.stream().limit(pages.size() - 1).anyMatch(p -> p.size() < 7), "some page came back short");
        assertOrderedExactlyOnce(expected(A, sparse), flatten(pages));
    }

    @Test
    void tamperedCursorsAre400NeverA500() {
        Map<String, String> filters = Map.of("status", "queued,failed");
        String cursor = page(queries, A, with(filters, "limit", "5")).path("next_cursor").asText();
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int i = 0; i < cursor.length(); i++) {
            // Offsets 1..63: always another character of the alphabet.
            char replacement = alphabet.charAt((alphabet.indexOf(cursor.charAt(i)) + 1 + i % 63) % alphabet.length());
            String altered = cursor.substring(0, i) + replacement + cursor.substring(i + 1);
            assertInvalidCursor(A, with(filters, "cursor", altered));
        }
        assertInvalidCursor(A, with(filters, "cursor", cursor.substring(0, cursor.length() - 1)));
        assertInvalidCursor(A, with(filters, "cursor", cursor + "AA"));
        assertInvalidCursor(A, with(filters, "cursor", "not a cursor"));
        assertEquals(5, page(queries, A, with(with(filters, "limit", "5"), "cursor", cursor)).path("data").size());
    }

    @Test
    void cursorsDoNotCrossTenantsFiltersOrDeployments() {
        String ofA = page(queries, A, Map.of("limit", "3")).path("next_cursor").asText();
        String ofB = page(queries, B, Map.of("limit", "3")).path("next_cursor").asText();
        assertInvalidCursor(B, Map.of("cursor", ofA));
        assertInvalidCursor(A, Map.of("cursor", ofB));
        assertInvalidCursor(A, Map.of("cursor", ofA, "status", "queued"));
        assertInvalidCursor(A, Map.of("cursor", ofA, "model", MODELS[0]));
        assertInvalidCursor(A, Map.of("cursor", ofA, "created_before", "2030-01-01T00:00:00Z"));
        JobQueries otherDeployment = new JobQueries(store, new JobView("bucket", null, null),
                new ListCursors("another deployment's key, 32 bytes".getBytes(StandardCharsets.UTF_8)),
                Clock.fixed(NOW, ZoneOffset.UTC));
        Rejection e = assertThrows(Rejection.class, () -> otherDeployment.list(A, Map.of("cursor", ofA)));
        assertEquals("INVALID_CURSOR", e.code());
    }

    @Test
    void boundsWithinOneMillisecondAndSubMillisecondBoundsAnswerWithoutError() {
        Job first = expected(A, Map.of()).get(expected(A, Map.of()).size() - 1);
        String at = Timestamps.format(first.createdAt());
        // after < before, both inside the millisecond the oldest job was created in: an empty range, not a 500.
        JsonNode empty = page(queries, A, Map.of("created_after", at.replace(".123Z", ".1231Z"),
                "created_before", at.replace(".123Z", ".1239Z")));
        assertEquals(0, empty.path("data").size());
        // created_before a fraction of a millisecond after a job still includes it.
        JsonNode justAfter = page(queries, A, Map.of("created_before", at.replace(".123Z", ".1235Z")));
        assertEquals(List.of(first.requestId()), ids(justAfter));
        JsonNode exactly = page(queries, A, Map.of("created_before", at));
        assertEquals(0, exactly.path("data").size());
    }

    @Test
    void aStartPositionOutsideTheDateRangeIsHandledBeforeDynamoDbSeesIt() {
        Instant after = T0.plusSeconds(110);
        Instant before = T0.plusSeconds(140);
        List<Job> inRange = expected(A, Map.of("created_after", Timestamps.format(after),
                "created_before", Timestamps.format(before)));
        Position newer = new Position(Timestamps.format(T0.plusSeconds(200)), RequestIds.fromName("x"));
        JobPage fromAbove = store.list(A, new ListQuery(Set.of(), null, after, before, 100, newer, NOW));
        assertEquals(inRange.stream().map(Job::requestId).collect(Collectors.toSet()),
                fromAbove.jobs().stream().map(Job::requestId).collect(Collectors.toSet()));
        Position older = new Position(Timestamps.format(T0.plusSeconds(5)), RequestIds.fromName("x"));
        JobPage fromBelow = store.list(A, new ListQuery(Set.of(), null, after, before, 100, older, NOW));
        assertTrue(fromBelow.jobs().isEmpty());
        assertEquals(null, fromBelow.next());
    }

    @Test
    void expiredJobsAreNeverListedButJobsExpiringLaterAre() {
        Set<String> listed = new HashSet<>(flatten(walk(queries, A, Map.of(), 100)));
        written.stream().filter(j -> j.tenant().equals(A) && j.expired(NOW))
                .forEach(j -> assertFalse(listed.contains(j.requestId()), j.requestId()));
        assertTrue(listed.contains(id(2100)), "expires one second after now");
        assertEquals(251, listed.size());
    }

    // --- helpers ---

    private JobQueries queries(JobStore jobs) {
        return new JobQueries(jobs, new JobView("bucket", null, null), new ListCursors(KEY), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private void write(Job job) {
        assertTrue(store.create(job));
        written.add(job);
    }

    /** Follows next_cursor to the end; the pages' ids. */
    private static List<List<String>> walk(JobQueries queries, String tenant, Map<String, String> filters, int limit) {
        List<List<String>> pages = new ArrayList<>();
        String cursor = null;
        for (int n = 0; n < MAX_PAGES; n++) {
            Map<String, String> query = with(filters, "limit", String.valueOf(limit));
            if (cursor != null) {
                query = with(query, "cursor", cursor);
            }
            JsonNode page = page(queries, tenant, query);
            pages.add(ids(page));
            boolean more = page.path("has_more").asBoolean();
            assertEquals(more, !page.path("next_cursor").isNull(), "has_more and next_cursor agree");
            if (!more) {
                return pages;
            }
            cursor = page.path("next_cursor").asText();
            assertNotNull(cursor);
        }
        return fail("the listing did not end within " + MAX_PAGES + " pages");
    }

    private static JsonNode page(JobQueries queries, String tenant, Map<String, String> query) {
        return queries.list(tenant, query);
    }

    private void assertInvalidCursor(String tenant, Map<String, String> query) {
        Rejection e = assertThrows(Rejection.class, () -> queries.list(tenant, query), query.toString());
        assertEquals(Rejection.Kind.INVALID, e.kind());
        assertEquals("INVALID_CURSOR", e.code());
    }

    /** What the listing must return, newest first (ties in any order). */
    private List<Job> expected(String tenant, Map<String, String> filters) {
        Set<JobStatus> statuses = filters.containsKey("status")
                ? List.of(filters.get("status").split(",")).stream().map(s -> JobStatus.fromWire(s).orElseThrow())
                        .collect(Collectors.toCollection(() -> EnumSet.noneOf(JobStatus.class)))
                : EnumSet.allOf(JobStatus.class);
        Instant after = filters.containsKey("created_after") ? Instant.parse(filters.get("created_after")) : null;
        Instant before = filters.containsKey("created_before") ? Instant.parse(filters.get("created_before")) : null;
        Predicate<Job> matches = j -> j.tenant().equals(tenant) && !j.expired(NOW) && statuses.contains(j.status())
                && (!filters.containsKey("model") || filters.get("model").equals(j.model()))
                && (after == null || j.createdAt().isAfter(after))
                && (before == null || j.createdAt().isBefore(before));
        return written.stream().filter(matches).sorted(Comparator.comparing(Job::createdAt).reversed()).toList();
    }

    private void assertOrderedExactlyOnce(List<Job> expected, List<String> actual) {
        Map<String, Job> byId = new LinkedHashMap<>();
        expected.forEach(j -> byId.put(j.requestId(), j));
        assertEquals(actual.size(), new HashSet<>(actual).size(), "no job twice");
        assertEquals(byId.keySet(), new HashSet<>(actual), "every matching job, nothing else");
        for (int i = 1; i < actual.size(); i++) {
            Instant previous = byId.get(actual.get(i - 1)).createdAt();
            Instant current = byId.get(actual.get(i)).createdAt();
            assertFalse(current.isAfter(previous), "newest first at " + i);
        }
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.path("data").forEach(j -> ids.add(j.path("request_id").asText()));
        return ids;
    }

    private static List<String> flatten(List<List<String>> pages) {
        return pages.stream().flatMap(List::stream).toList();
    }

    private static Map<String, String> with(Map<String, String> query, String name, String value) {
        Map<String, String> copy = new HashMap<>(query);
        copy.put(name, value);
        return copy;
    }

    private static String id(int n) {
        return RequestIds.fromName("listing-it-" + n);
    }

    private static Job job(String tenant, int n, Instant created, JobStatus status, String model, Instant expiresAt) {
        boolean started = status != JobStatus.QUEUED && status != JobStatus.CANCELLED;
        Instant completed = status.terminal() ? created.plusSeconds(5) : null;
        return new Job(id(n), tenant, model, status, Job.SOURCE_API, null, created, created.plusSeconds(5),
                started ? created.plusSeconds(1) : null, completed, started ? 1 : 0, null, null, "{}", null, "h",
                status == JobStatus.SUCCESS ? Json.object().put("text", "ok") : null,
                status == JobStatus.FAILED ? new JobError("NO_IMAGE", "no image", false) : null, null,
                expiresAt);
    }
}
