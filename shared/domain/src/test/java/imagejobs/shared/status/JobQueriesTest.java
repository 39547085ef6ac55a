package imagejobs.shared.status;

import static imagejobs.shared.status.TestJobs.NOW;
import static imagejobs.shared.status.TestJobs.OTHER_TENANT;
import static imagejobs.shared.status.TestJobs.TENANT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.errors.Rejection;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;
import imagejobs.shared.storage.PresignedUrl;
import imagejobs.testing.InMemoryJobStore;

class JobQueriesTest {
    private static final Instant LATER = NOW.plusSeconds(3600);

    private final InMemoryJobStore store = new InMemoryJobStore();
    private final JobView view = new JobView("bucket", key -> new PresignedUrl("https://s3/" + key, LATER), key -> null);
    private final ListCursors cursors = new ListCursors("a cursor key that is long enough".getBytes(StandardCharsets.UTF_8));
    private final JobQueries queries = new JobQueries(store, view, cursors, Clock.fixed(LATER, ZoneOffset.UTC));

    private final Job mine = TestJobs.queued(TestJobs.id(1), TENANT, NOW);
    private final Job theirs = TestJobs.queued(TestJobs.id(2), OTHER_TENANT, NOW);
    private final Job expired = TestJobs.expiring(TestJobs.queued(TestJobs.id(3), TENANT, NOW), LATER);

    // --- get and the one 404 ---

    @Test
    void getsOwnJob() {
        store.put(mine);
        JsonNode response = queries.get(TENANT, mine.requestId());
        assertEquals(mine.requestId(), response.path("request_id").asText());
    }

    @Test
    void otherTenantUnknownMalformedAndExpiredAreTheSame404() {
        store.put(mine);
        store.put(theirs);
        store.put(expired);
        List<String> bodies = new ArrayList<>();
        for (String id : new String[] {theirs.requestId(), TestJobs.id(99), "not-an-id", "", "../" + mine.requestId(),
                mine.requestId().toLowerCase(), expired.requestId()}) {
            for (Runnable call : List.<Runnable>of(() -> queries.get(TENANT, id), () -> queries.cancel(TENANT, id))) {
                Rejection e = assertThrows(Rejection.class, call::run, id);
                assertEquals(Rejection.Kind.NOT_FOUND, e.kind(), id);
                bodies.add(e.code() + " " + e.getMessage() + " " + e.field() + " " + e.details() + " " + e.retryAfter());
            }
        }
        // One answer for all of them (the edge renders it as one 404 body, byte for byte: StatusHandlerTest).
        assertEquals(1, bodies.stream().distinct().count(), bodies.toString());
        assertEquals("NOT_FOUND request not found null {} null", bodies.get(0));
        assertEquals(0, store.cancelCalls, "nothing was written for a job the caller may not see");
    }

    @Test
    void aJobIsVisibleUntilTheSecondItExpires() {
        Job job = TestJobs.expiring(mine, LATER.plusSeconds(1));
        store.put(job);
        assertEquals(job.requestId(), queries.get(TENANT, job.requestId()).path("request_id").asText());
        JobQueries oneSecondLater = new JobQueries(store, view, cursors, Clock.fixed(LATER.plusSeconds(1), ZoneOffset.UTC));
        assertEquals(Rejection.Kind.NOT_FOUND, assertThrows(Rejection.class, () -> oneSecondLater.get(TENANT, job.requestId())).kind());
    }

    // --- cancel ---

    @Test
    void cancelsAQueuedJobAndAnswersWithIt() {
        store.put(mine);
        JsonNode response = queries.cancel(TENANT, mine.requestId());
        JsonNode body = response;
        assertEquals("cancelled", body.path("status").asText());
        assertEquals(mine.requestId(), body.path("request_id").asText());
        assertTrue(body.has("completed_at"));
        assertEquals(JobStatus.CANCELLED, store.jobs.get(mine.requestId()).status());
    }

    @Test
    void cancellingTwiceAnswers200Again() {
        store.put(mine);
        queries.cancel(TENANT, mine.requestId());
        JsonNode again = queries.cancel(TENANT, mine.requestId());
        assertEquals("cancelled", again.path("status").asText());
        assertEquals(1, store.cancelCalls, "an already cancelled job is not written again");
    }

    @ParameterizedTest
    @EnumSource(value = JobStatus.class, names = {"PROCESSING", "SUCCESS", "FAILED"})
    void processingAndFinishedJobsAre409WithTheirStatus(JobStatus status) {
        store.put(TestJobs.status(mine, status));
        Rejection e = assertThrows(Rejection.class, () -> queries.cancel(TENANT, mine.requestId()));
        assertEquals(Rejection.Kind.CONFLICT, e.kind());
        assertEquals("NOT_CANCELLABLE", e.code());
        assertEquals(Map.of("current_status", status.wire()), e.details());
        assertTrue(e.getMessage().contains(status.wire()));
        assertEquals(status, store.jobs.get(mine.requestId()).status(), "unchanged");
        assertEquals(0, store.cancelCalls);
    }

    @Test
    void losingTheRaceToTheWorkerIs409Processing() {
        store.put(mine);
        store.beforeCancel = () -> store.put(TestJobs.status(mine, JobStatus.PROCESSING));
        Rejection e = assertThrows(Rejection.class, () -> queries.cancel(TENANT, mine.requestId()));
        assertEquals(Rejection.Kind.CONFLICT, e.kind());
        assertEquals("processing", e.details().get("current_status"));
    }

    @Test
    void losingTheRaceToAnotherCancelIs200() {
        store.put(mine);
        store.beforeCancel = () -> store.put(TestJobs.status(mine, JobStatus.CANCELLED));
        JsonNode response = queries.cancel(TENANT, mine.requestId());
        assertEquals("cancelled", response.path("status").asText());
    }

    @Test
    void aJobRequeuedDuringTheRaceIsCancelledOnTheSecondTry() {
        store.put(mine);
        // The worker claims the job just before our write, then requeues it after a retryable error.
        store.beforeCancel = () -> {
            if (store.cancelCalls == 1) {
                store.put(TestJobs.status(mine, JobStatus.PROCESSING));
            }
        };
        store.afterFailedCancel = () -> store.put(TestJobs.with(mine, JobStatus.QUEUED, null, null, "503 from Gemini"));
        JsonNode response = queries.cancel(TENANT, mine.requestId());
        assertEquals("cancelled", response.path("status").asText());
        assertEquals(2, store.cancelCalls);
    }

    // --- list ---

    @Test
    void listsOnlyOwnJobsNewestFirstWithACursor() {
        for (int i = 0; i < 5; i++) {
            store.put(TestJobs.queued(TestJobs.id(100 + i), TENANT, NOW.plusSeconds(i)));
            store.put(TestJobs.queued(TestJobs.id(200 + i), OTHER_TENANT, NOW.plusSeconds(i)));
        }
        store.put(TestJobs.expiring(TestJobs.queued(TestJobs.id(300), TENANT, NOW.plusSeconds(10)), LATER));

        JsonNode first = list(TENANT, Map.of("limit", "2"));
        assertEquals(List.of(TestJobs.id(104), TestJobs.id(103)), ids(first));
        assertTrue(first.path("has_more").asBoolean());
        String cursor = first.path("next_cursor").asText();

        JsonNode second = list(TENANT, Map.of("limit", "2", "cursor", cursor));
        assertEquals(List.of(TestJobs.id(102), TestJobs.id(101)), ids(second));
        JsonNode third = list(TENANT, Map.of("limit", "2", "cursor", second.path("next_cursor").asText()));
        assertEquals(List.of(TestJobs.id(100)), ids(third));
        assertFalse(third.path("has_more").asBoolean());
        assertTrue(third.has("next_cursor") && third.get("next_cursor").isNull());

        // A cursor does not bind the page size.
        assertEquals(List.of(TestJobs.id(102), TestJobs.id(101), TestJobs.id(100)),
                ids(list(TENANT, Map.of("limit", "10", "cursor", cursor))));
    }

    @Test
    void summariesHaveNoOutcome() {
        store.put(TestJobs.with(mine, JobStatus.SUCCESS, Json.object().put("text", "t"), null, null));
        JsonNode item = list(TENANT, Map.of()).path("data").get(0);
        assertEquals("success", item.path("status").asText());
        assertFalse(item.has("outcome"));
        assertTrue(item.has("expires_at"));
    }

    @Test
    void anotherTenantsCursorOrOtherFiltersAre400() {
        for (int i = 0; i < 3; i++) {
            store.put(TestJobs.queued(TestJobs.id(100 + i), TENANT, NOW.plusSeconds(i)));
            store.put(TestJobs.queued(TestJobs.id(200 + i), OTHER_TENANT, NOW.plusSeconds(i)));
        }
        String cursor = list(TENANT, Map.of("limit", "1", "status", "queued")).path("next_cursor").asText();
        for (Map<String, String> query : List.of(Map.of("cursor", cursor), Map.of("cursor", cursor, "status", "failed"),
                Map.of("cursor", cursor, "status", "queued", "model", "gemini-2.5-flash-image"))) {
            assertInvalidCursor(() -> queries.list(TENANT, query));
        }
        assertInvalidCursor(() -> queries.list(OTHER_TENANT, Map.of("cursor", cursor, "status", "queued")));
        assertEquals(1, ids(list(TENANT, Map.of("limit", "1", "status", "queued", "cursor", cursor))).size());
    }

    @Test
    void anEmptyListing() {
        JsonNode body = list(TENANT, Map.of());
        assertEquals(0, body.path("data").size());
        assertFalse(body.path("has_more").asBoolean());
        assertTrue(body.get("next_cursor").isNull());
    }

    @Test
    void badParametersAre400BeforeAnyRead() {
        Map<String, String> query = new HashMap<>();
        query.put("limit", "0");
        Rejection e = assertThrows(Rejection.class, () -> queries.list(TENANT, query));
        assertEquals(Rejection.Kind.INVALID, e.kind());
        assertEquals("limit", e.field());
    }

    private JsonNode list(String tenant, Map<String, String> query) {
        JsonNode response = queries.list(tenant, query);
        return response;
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.path("data").forEach(j -> ids.add(j.path("request_id").asText()));
        return ids;
    }

    private static void assertInvalidCursor(Runnable call) {
        Rejection e = assertThrows(Rejection.class, call::run);
        assertEquals(Rejection.Kind.INVALID, e.kind());
        assertEquals("INVALID_CURSOR", e.code());
    }
}
