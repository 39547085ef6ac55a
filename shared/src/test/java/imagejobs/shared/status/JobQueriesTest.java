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

import imagejobs.shared.http.ApiException;
import imagejobs.shared.http.ApiResponse;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;
import imagejobs.shared.storage.PresignedUrl;

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
        ApiResponse response = queries.get(TENANT, mine.requestId());
        assertEquals(200, response.status());
        assertEquals(mine.requestId(), Json.parse(response.body()).path("request_id").asText());
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
                ApiException e = assertThrows(ApiException.class, call::run, id);
                ApiResponse response = ApiResponse.error(e);
                assertEquals(404, response.status(), id);
                bodies.add(response.body());
                assertEquals(Map.of("content-type", "application/json", "cache-control", "no-store"), response.headers());
            }
        }
        assertEquals(1, bodies.stream().distinct().count(), bodies.toString());
        assertEquals("{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"request not found\"}}", bodies.get(0));
        assertEquals(0, store.cancelCalls, "nothing was written for a job the caller may not see");
    }

    @Test
    void aJobIsVisibleUntilTheSecondItExpires() {
        Job job = TestJobs.expiring(mine, LATER.plusSeconds(1));
        store.put(job);
        assertEquals(200, queries.get(TENANT, job.requestId()).status());
        JobQueries oneSecondLater = new JobQueries(store, view, cursors, Clock.fixed(LATER.plusSeconds(1), ZoneOffset.UTC));
        assertEquals(404, assertThrows(ApiException.class, () -> oneSecondLater.get(TENANT, job.requestId())).status());
    }

    // --- cancel ---

    @Test
    void cancelsAQueuedJobAndAnswersWithIt() {
        store.put(mine);
        ApiResponse response = queries.cancel(TENANT, mine.requestId());
        assertEquals(200, response.status());
        JsonNode body = Json.parse(response.body());
        assertEquals("cancelled", body.path("status").asText());
        assertEquals(mine.requestId(), body.path("request_id").asText());
        assertTrue(body.has("completed_at"));
        assertEquals(JobStatus.CANCELLED, store.jobs.get(mine.requestId()).status());
    }

    @Test
    void cancellingTwiceAnswers200Again() {
        store.put(mine);
        queries.cancel(TENANT, mine.requestId());
        ApiResponse again = queries.cancel(TENANT, mine.requestId());
        assertEquals(200, again.status());
        assertEquals("cancelled", Json.parse(again.body()).path("status").asText());
        assertEquals(1, store.cancelCalls, "an already cancelled job is not written again");
    }

    @ParameterizedTest
    @EnumSource(value = JobStatus.class, names = {"PROCESSING", "SUCCESS", "FAILED"})
    void processingAndFinishedJobsAre409WithTheirStatus(JobStatus status) {
        store.put(TestJobs.status(mine, status));
        ApiException e = assertThrows(ApiException.class, () -> queries.cancel(TENANT, mine.requestId()));
        assertEquals(409, e.status());
        assertEquals("NOT_CANCELLABLE", e.code());
        JsonNode error = Json.parse(ApiResponse.error(e).body()).path("error");
        assertEquals(status.wire(), error.path("current_status").asText());
        assertTrue(error.path("message").asText().contains(status.wire()));
        assertEquals(status, store.jobs.get(mine.requestId()).status(), "unchanged");
        assertEquals(0, store.cancelCalls);
    }

    @Test
    void losingTheRaceToTheWorkerIs409Processing() {
        store.put(mine);
        store.beforeCancel = () -> store.put(TestJobs.status(mine, JobStatus.PROCESSING));
        ApiException e = assertThrows(ApiException.class, () -> queries.cancel(TENANT, mine.requestId()));
        assertEquals(409, e.status());
        assertEquals("processing", Json.parse(ApiResponse.error(e).body()).path("error").path("current_status").asText());
    }

    @Test
    void losingTheRaceToAnotherCancelIs200() {
        store.put(mine);
        store.beforeCancel = () -> store.put(TestJobs.status(mine, JobStatus.CANCELLED));
        ApiResponse response = queries.cancel(TENANT, mine.requestId());
        assertEquals(200, response.status());
        assertEquals("cancelled", Json.parse(response.body()).path("status").asText());
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
        ApiResponse response = queries.cancel(TENANT, mine.requestId());
        assertEquals(200, response.status());
        assertEquals("cancelled", Json.parse(response.body()).path("status").asText());
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
        ApiException e = assertThrows(ApiException.class, () -> queries.list(TENANT, query));
        assertEquals(400, e.status());
        assertEquals("limit", e.field());
    }

    private JsonNode list(String tenant, Map<String, String> query) {
        ApiResponse response = queries.list(tenant, query);
        assertEquals(200, response.status());
        return Json.parse(response.body());
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.path("data").forEach(j -> ids.add(j.path("request_id").asText()));
        return ids;
    }

    private static void assertInvalidCursor(Runnable call) {
        ApiException e = assertThrows(ApiException.class, call::run);
        assertEquals(400, e.status());
        assertEquals("INVALID_CURSOR", e.code());
    }
}
