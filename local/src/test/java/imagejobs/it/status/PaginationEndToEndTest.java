package imagejobs.it.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.it.ServiceStack;
import imagejobs.it.ServiceStack.Api;
import imagejobs.it.ServiceStack.Response;
import imagejobs.local.LocalStack;
import imagejobs.adapters.dynamo.DynamoJobStore;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.RequestIds;
import imagejobs.shared.jobs.Timestamps;
import imagejobs.shared.json.Json;

/**
 * GET /v1/requests through the front door over 250 jobs of one tenant, written into JobsTable with the production
 * job store: every walk (page sizes 1, 7 and 100; no filter, status, repeated status with model, created_after /
 * created_before with a +01:00 offset, status with model and date) returns every matching job exactly once, newest first, in
 * full pages, and in one order whatever the page size. Cursors are bound to the tenant and the filters: a tampered
 * cursor and another tenant's cursor are 400.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PaginationEndToEndTest {
    private static final String[] MODELS = {"gemini-2.5-flash-image", "gemini-3-pro-image-preview",
        "gemini-3.1-flash-image-preview"};
    private static final int JOBS = 250;
    /** More pages than any walk here needs: a walk that does not end is a failure, not a hang. */
    private static final int MAX_PAGES = JOBS + 10;
    /** Three days ago, with milliseconds: listing runs on the real clock, so the jobs must be live. */
    private static final Instant T0 = Instant.now().minus(Duration.ofDays(3)).truncatedTo(ChronoUnit.SECONDS)
            .plusMillis(123);

    private LocalStack stack;
    private Api p;
    private Api q;
    private final List<Job> jobs = new ArrayList<>();
    private final List<Job> jobsOfQ = new ArrayList<>();

    /** A filter as a client writes it in the query string, and which jobs it keeps. */
    record Filter(String name, String query, Predicate<Job> keeps) {
        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * Filters that each skip most jobs (so full pages need several reads), kept narrow enough that walking them one
     * job per page stays quick.
     */
    static List<Filter> filters() {
        Instant after = T0.plusSeconds(110);
        Instant before = T0.plusSeconds(125);
        // The same instant in +01:00: '+' must travel percent-encoded, as a client library sends it.
        String afterPlusOne = DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(after.atOffset(ZoneOffset.ofHours(1)));
        return List.of(
                new Filter("none", "", j -> true),
                new Filter("status=failed", "&status=failed", j -> j.status() == JobStatus.FAILED),
                // Repeated parameters reach the function comma-joined, as API Gateway's HTTP API passes them.
                new Filter("status=queued&status=processing&model", "&status=queued&status=processing&model="
                        + MODELS[1], j -> (j.status() == JobStatus.QUEUED || j.status() == JobStatus.PROCESSING)
                                && j.model().equals(MODELS[1])),
                // Both bounds fall on times three jobs share: exclusive means none of the three.
                new Filter("created_after (+01:00) and created_before", "&created_after=" + encode(afterPlusOne)
                        + "&created_before=" + encode(Timestamps.format(before)),
                        j -> j.createdAt().isAfter(after) && j.createdAt().isBefore(before)),
                new Filter("status, model and created_after", "&status=success,cancelled&model=" + MODELS[2]
                        + "&created_after=" + encode(Timestamps.format(T0.plusSeconds(30))),
                        j -> (j.status() == JobStatus.SUCCESS || j.status() == JobStatus.CANCELLED)
                                && j.model().equals(MODELS[2]) && j.createdAt().isAfter(T0.plusSeconds(30))));
    }

    static List<Arguments> walks() {
        List<Arguments> walks = new ArrayList<>();
        for (Filter f : filters()) {
            for (int limit : new int[] {1, 7, 100}) {
                walks.add(Arguments.of(f, limit));
            }
        }
        return walks;
    }

    @BeforeAll
    void seed() throws Exception {
        stack = ServiceStack.get();
        var keyP = StatusFixtures.newTenant(stack, "pagep");
        var keyQ = StatusFixtures.newTenant(stack, "pageq");
        p = ServiceStack.api(keyP);
        q = ServiceStack.api(keyQ);
        JobStatus[] statuses = JobStatus.values();
        for (int i = 0; i < JOBS; i++) {
            // The first 100 jobs have distinct times; the other 150 share them three by three.
            Instant created = T0.plusSeconds(i < 100 ? i : 100 + (i - 100) / 3);
            jobs.add(job(keyP.tenant(), created, statuses[i % statuses.length], MODELS[i % MODELS.length]));
        }
        for (int i = 0; i < 3; i++) {
            jobsOfQ.add(job(keyQ.tenant(), T0.plusSeconds(i), JobStatus.SUCCESS, MODELS[0]));
        }
        DynamoJobStore store = StatusFixtures.jobStore(stack);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> writes = new ArrayList<>();
            for (Job job : concat(jobs, jobsOfQ)) {
                writes.add(pool.submit(() -> store.create(job)));
            }
            for (Future<Boolean> w : writes) {
                assertTrue(w.get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest(name = "{0}, limit={1}")
    @MethodSource("walks")
    void everyMatchingJobExactlyOnceNewestFirstInFullPages(Filter filter, int limit) {
        List<Job> expected = jobs.stream().filter(filter.keeps()).toList();
        assertTrue(expected.size() > limit || limit == 100, "the data set must exercise " + filter);
        assertFalse(expected.isEmpty());
        List<List<String>> pages = walk(p, filter.query(), limit);
        for (int i = 0; i < pages.size() - 1; i++) {
            assertEquals(limit, pages.get(i).size(), "page " + i + " is full although the filter skips jobs");
        }
        List<String> listed = flatten(pages);
        assertOrderedExactlyOnce(expected, listed);
        // Jobs created in the same millisecond keep one order, whatever the page size.
        if (limit != 100) {
            assertEquals(flatten(walk(p, filter.query(), 100)), listed);
        }
    }

    @Test
    void theFirstPageHasTheDefaultSizeAndShowsSummaries() {
        Response r = p.get("/v1/requests");
        assertEquals(200, r.status(), r.raw().body());
        JsonNode data = r.body().path("data");
        assertEquals(20, data.size(), "default limit");
        assertTrue(r.body().path("has_more").asBoolean());
        assertTrue(r.body().path("next_cursor").isTextual());
        Map<String, Job> byId = new HashMap<>();
        jobs.forEach(j -> byId.put(j.requestId(), j));
        for (JsonNode summary : data) {
            Job job = byId.get(summary.path("request_id").asText());
            assertEquals(job.status().wire(), summary.path("status").asText());
            assertEquals(job.model(), summary.path("model").asText());
            assertEquals(Timestamps.format(job.createdAt()), summary.path("created_at").asText());
            assertEquals(Timestamps.format(job.expiresAt()), summary.path("expires_at").asText());
            assertEquals(job.attempts(), summary.path("attempts").asInt());
            assertFalse(summary.has("outcome"), "a listing shows summaries: " + summary);
            if (job.status() == JobStatus.FAILED) {
                assertEquals("NO_IMAGE", summary.at("/error/code").asText());
            }
        }
    }

    @Test
    void aTamperedCursorIs400AndTheGenuineOneStillWorks() {
        String filters = "&status=queued,failed";
        String cursor = p.get("/v1/requests?limit=5" + filters).body().path("next_cursor").asText();
        assertFalse(cursor.isEmpty());
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        List<String> tampered = new ArrayList<>();
        for (int i : new int[] {0, 1, cursor.length() / 2, cursor.length() - 2, cursor.length() - 1}) {
            char replacement = alphabet.charAt((alphabet.indexOf(cursor.charAt(i)) + 1 + i % 63) % alphabet.length());
            tampered.add(cursor.substring(0, i) + replacement + cursor.substring(i + 1));
        }
        tampered.add(cursor.substring(0, cursor.length() - 1));
        tampered.add(cursor + "AA");
        tampered.add("not a cursor");
        tampered.add(new StringBuilder(cursor).reverse().toString());
        for (String t : tampered) {
            assertNotEquals(cursor, t);
            assertInvalidCursor(p, "/v1/requests?limit=5" + filters + "&cursor=" + encode(t));
        }
        Response genuine = p.get("/v1/requests?limit=5" + filters + "&cursor=" + encode(cursor));
        assertEquals(200, genuine.status(), genuine.raw().body());
        assertEquals(5, genuine.body().path("data").size());
    }

    @Test
    void aCursorWorksOnlyForTheTenantAndTheFiltersThatMadeIt() {
        String ofP = p.get("/v1/requests?limit=1").body().path("next_cursor").asText();
        String ofQ = q.get("/v1/requests?limit=1").body().path("next_cursor").asText();
        assertFalse(ofP.isEmpty());
        assertFalse(ofQ.isEmpty());
        assertInvalidCursor(q, "/v1/requests?limit=1&cursor=" + encode(ofP));
        assertInvalidCursor(p, "/v1/requests?limit=1&cursor=" + encode(ofQ));
        // The shared stack's own tenants are no exception.
        assertInvalidCursor(ServiceStack.api(ServiceStack.TENANT_A), "/v1/requests?cursor=" + encode(ofP));
        // Same tenant, other filters.
        assertInvalidCursor(p, "/v1/requests?status=queued&cursor=" + encode(ofP));
        assertInvalidCursor(p, "/v1/requests?model=" + MODELS[0] + "&cursor=" + encode(ofP));
        assertInvalidCursor(p, "/v1/requests?created_before=2099-01-01&cursor=" + encode(ofP));
        // Q's own cursor takes Q on through exactly its jobs; the page size may change between pages.
        Response rest = q.get("/v1/requests?limit=100&cursor=" + encode(ofQ));
        assertEquals(200, rest.status(), rest.raw().body());
        List<String> all = new ArrayList<>(StatusFixtures.ids(q.get("/v1/requests?limit=1").body()));
        all.addAll(StatusFixtures.ids(rest.body()));
        assertEquals(jobsOfQ.stream().map(Job::requestId).collect(Collectors.toSet()), new HashSet<>(all));
        assertEquals(3, all.size());
    }

    // --- helpers ---

    /** Follows next_cursor to the end; the pages' ids. */
    private static List<List<String>> walk(Api api, String filters, int limit) {
        List<List<String>> pages = new ArrayList<>();
        String cursor = null;
        for (int n = 0; n < MAX_PAGES; n++) {
            String path = "/v1/requests?limit=" + limit + filters + (cursor == null ? "" : "&cursor=" + encode(cursor));
            Response r = api.get(path);
            assertEquals(200, r.status(), path + ": " + r.raw().body());
            pages.add(StatusFixtures.ids(r.body()));
            boolean more = r.body().path("has_more").asBoolean();
            assertEquals(more, !r.body().path("next_cursor").isNull(), "has_more and next_cursor agree");
            if (!more) {
                return pages;
            }
            cursor = r.body().path("next_cursor").asText();
        }
        return fail("the listing did not end within " + MAX_PAGES + " pages");
    }

    private static void assertInvalidCursor(Api api, String path) {
        Response r = api.get(path);
        assertEquals(400, r.status(), path + ": " + r.raw().body());
        assertEquals("INVALID_CURSOR", r.body().at("/error/code").asText(), r.raw().body());
        assertEquals("cursor", r.body().at("/error/field").asText(), r.raw().body());
    }

    /** Every expected job once, nothing else, created_at never increasing. */
    private static void assertOrderedExactlyOnce(List<Job> expected, List<String> actual) {
        Map<String, Job> byId = new HashMap<>();
        expected.forEach(j -> byId.put(j.requestId(), j));
        assertEquals(actual.size(), new HashSet<>(actual).size(), "no job twice");
        assertEquals(byId.keySet(), new HashSet<>(actual), "every matching job, nothing else");
        List<Instant> times = actual.stream().map(id -> byId.get(id).createdAt()).toList();
        assertEquals(times.stream().sorted(Comparator.reverseOrder()).toList(), times, "newest first");
    }

    private static Job job(String tenant, Instant created, JobStatus status, String model) {
        boolean started = status != JobStatus.QUEUED && status != JobStatus.CANCELLED;
        Instant completed = status.terminal() ? created.plusSeconds(5) : null;
        return new Job(RequestIds.newId(created.toEpochMilli()), tenant, model, status, Job.SOURCE_API, null, created,
                created.plusSeconds(5), started ? created.plusSeconds(1) : null, completed, started ? 1 : 0, null, null,
                "{}", null, "h", status == JobStatus.SUCCESS ? Json.object().put("text", "ok") : null,
                status == JobStatus.FAILED ? new JobError("NO_IMAGE", "no image", false) : null, null,
                Instant.now().plus(Duration.ofDays(30)).truncatedTo(ChronoUnit.SECONDS));
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static List<String> flatten(List<List<String>> pages) {
        return pages.stream().flatMap(List::stream).toList();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
