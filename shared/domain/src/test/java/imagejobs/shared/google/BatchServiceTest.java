package imagejobs.shared.google;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.auth.Authenticator;
import imagejobs.shared.auth.Credentials;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.errors.Rejection;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.status.ListCursors;
import imagejobs.shared.submit.InputSpiller;
import imagejobs.shared.submit.JobIntake;
import imagejobs.shared.validation.FieldError;
import imagejobs.shared.validation.ImageReferences;
import imagejobs.shared.validation.RequestValidator;
import imagejobs.testing.InMemoryBatchStore;
import imagejobs.testing.InMemoryJobQueue;
import imagejobs.testing.InMemoryJobStore;
import imagejobs.testing.InMemoryKeyStore;
import imagejobs.testing.MutableClock;

/**
 * The batch API over in-memory stores: each request a normal queued job, all-or-nothing validation with full field
 * paths, state and results computed from the jobs and frozen once done, cancel, delete, paging, tenant isolation.
 */
class BatchServiceTest {
    private static final String KEY_A = "ij_test_key_batch_a";
    private static final String KEY_B = "ij_test_key_batch_b";
    private static final String MODEL = "gemini-2.5-flash-image";
    private static final String REQUESTS = "batch.inputConfig.requests.requests";

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-02T10:15:30Z"));
    private final InMemoryKeyStore keys = new InMemoryKeyStore();
    private final InMemoryJobStore jobs = new InMemoryJobStore();
    private final InMemoryJobQueue queue = new InMemoryJobQueue(clock);
    private final InMemoryBatchStore batches = new InMemoryBatchStore();
    private final GoogleFixtures.Images images = new GoogleFixtures.Images()
            .with(GoogleFixtures.IMAGE_KEY, GoogleFixtures.bytes(10));
    private final BatchService service;

    BatchServiceTest() {
        keys.add(KEY_A, "tenant-a", true, null);
        keys.add(KEY_B, "tenant-b", true, null);
        service = service(queue);
    }

    private BatchService service(InMemoryJobQueue on) {
        return service(on, Runnable::run);
    }

    private BatchService service(InMemoryJobQueue on, java.util.concurrent.Executor intakeThreads) {
        Settings settings = new Settings(new Environment(Map.of(Settings.DEFAULT_RATE_PER_MINUTE, "1000")));
        RequestValidator validator = new RequestValidator(ModelCatalog.load(),
                new ImageReferences(GoogleFixtures.BUCKET));
        JobIntake intake = new JobIntake(new InputSpiller(images.store), jobs, on, settings, clock);
        BatchJobView view = new BatchJobView(new GenerateContentView(GoogleFixtures.BUCKET, images, key -> null,
                GenerateContentView.MAX_RESPONSE_BYTES));
        return new BatchService(new Authenticator(keys), validator, intake, jobs, batches, view,
                new BatchLimits(3, 2048, 512), new ListCursors("0123456789abcdef0123456789abcdef".getBytes(
                StandardCharsets.US_ASCII)), settings, clock, intakeThreads);
    }

    private static Credentials as(String key) {
        return new Credentials(null, null, key);
    }

    private static byte[] body(String... prompts) {
        StringBuilder requests = new StringBuilder();
        for (int i = 0; i < prompts.length; i++) {
            requests.append(i == 0 ? "" : ",").append("{\"request\":{\"contents\":[{\"role\":\"user\",\"parts\":"
                    + "[{\"text\":\"").append(prompts[i]).append("\"}]}]},\"metadata\":{\"key\":\"k").append(i)
                    .append("\"}}");
        }
        return ("{\"batch\":{\"displayName\":\"nightly\",\"inputConfig\":{\"requests\":{\"requests\":["
                + requests + "]}}}}").getBytes(StandardCharsets.UTF_8);
    }

    private String create(String key, String... prompts) {
        ObjectNode op = service.create(as(key), body(prompts), MODEL);
        return op.path("name").asText().substring("batches/".length());
    }

    private void succeed(String requestId) {
        Job claimed = jobs.claim(requestId, clock.instant(), clock.instant().plusSeconds(60)).orElseThrow();
        jobs.complete(requestId, claimed.attempts(), GoogleFixtures.outcome(10), 1, clock.instant());
    }

    private void fail(String requestId, JobError error) {
        Job claimed = jobs.claim(requestId, clock.instant(), clock.instant().plusSeconds(60)).orElseThrow();
        jobs.fail(requestId, claimed.attempts(), error, clock.instant());
    }

    @Test
    void createMakesOneQueuedJobPerRequestAndAnswersAPendingOperation() {
        ObjectNode op = service.create(as(KEY_A), body("a fox", "a hare"), MODEL);

        JsonNode meta = op.path("metadata");
        assertEquals("BATCH_STATE_PENDING", meta.path("state").asText());
        assertEquals("models/" + MODEL, meta.path("model").asText());
        assertEquals("nightly", meta.path("displayName").asText());
        assertEquals("2", meta.path("batchStats").path("requestCount").asText());
        assertFalse(op.path("done").asBoolean());
        BatchRecord stored = batches.stored(op.path("name").asText().substring(8));
        assertEquals("tenant-a", stored.tenant());
        assertEquals(2, stored.requestIds().size());
        assertEquals("k1", stored.metadata().get(1).path("key").asText());
        for (String id : stored.requestIds()) {
            Job job = jobs.job(id);
            assertEquals(JobStatus.QUEUED, job.status());
            assertEquals("tenant-a", job.tenant());
            assertEquals(MODEL, job.model());
        }
        assertEquals(stored.requestIds(), queue.sent, "every job is queued, in request order");
        assertTrue(jobs.job(stored.requestIds().get(0)).request().contains("a fox"));
    }

    @Test
    void onIntakeThreadsEveryRequestIsStillOneQueuedJobInRequestOrder() {
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            ObjectNode op = service(queue, threads).create(as(KEY_A), body("a fox", "a hare", "an owl"), MODEL);

            BatchRecord stored = batches.stored(op.path("name").asText().substring(8));
            assertEquals(3, stored.requestIds().size());
            for (int i = 0; i < 3; i++) {
                Job job = jobs.job(stored.requestIds().get(i));
                assertEquals(JobStatus.QUEUED, job.status());
                assertTrue(job.request().contains(List.of("a fox", "a hare", "an owl").get(i)), job.request());
            }
            assertEquals(new java.util.HashSet<>(stored.requestIds()), new java.util.HashSet<>(queue.sent));
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void oneBadRequestRefusesTheBatchWithItsFullFieldPathAndStoresNothing() {
        String body = "{\"batch\":{\"inputConfig\":{\"requests\":{\"requests\":["
                + "{\"request\":{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"ok\"}]}]}},"
                + "{\"request\":{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"x\"}]}],"
                + "\"generationConfig\":{\"imageConfig\":{\"aspectRatio\":\"7:3\"}}}}]}}}}";

        Rejection e = assertThrows(Rejection.class,
                () -> service.create(as(KEY_A), body.getBytes(StandardCharsets.UTF_8), MODEL));

        assertEquals(Rejection.Kind.INVALID, e.kind());
        assertEquals(REQUESTS + "[1].request.generationConfig.imageConfig.aspectRatio", e.field());
        assertTrue(e.getMessage().contains("7:3"), e.getMessage());
        assertTrue(jobs.jobs.isEmpty(), "nothing stored");
        assertTrue(queue.sent.isEmpty(), "nothing queued");
        assertTrue(batches.list("tenant-a", null, 10).batches().isEmpty());
    }

    @Test
    void tooManyRequestsAndAFileSourceAreRefusedNamingTheField() {
        Rejection tooMany = assertThrows(Rejection.class,
                () -> service.create(as(KEY_A), body("a", "b", "c", "d"), MODEL));
        assertEquals(BatchRequestReader.BATCH_TOO_LARGE, tooMany.code());
        assertEquals(REQUESTS, tooMany.field());
        assertTrue(tooMany.getMessage().contains("at most 3"), tooMany.getMessage());

        Rejection file = assertThrows(Rejection.class, () -> service.create(as(KEY_A),
                "{\"batch\":{\"inputConfig\":{\"fileName\":\"files/abc\"}}}".getBytes(StandardCharsets.UTF_8), MODEL));
        assertEquals(FieldError.UNSUPPORTED_FIELD, file.code());
        assertEquals("batch.inputConfig.fileName", file.field());
        assertTrue(jobs.jobs.isEmpty());
    }

    @Test
    void anUnknownModelIsNotFoundAndABadKeyIsUnauthenticated() {
        Rejection model = assertThrows(Rejection.class,
                () -> service.create(as(KEY_A), body("a"), "gemini-9-imaginary"));
        assertEquals("UNKNOWN_MODEL", model.code());
        Rejection key = assertThrows(Rejection.class, () -> service.create(as("ij_nobody"), body("a"), MODEL));
        assertEquals(Rejection.Kind.UNAUTHENTICATED, key.kind());
    }

    @Test
    void getFollowsTheJobsToSucceededWithEachResultInOrderThenFreezes() {
        String id = create(KEY_A, "a fox", "a hare");
        List<String> requestIds = batches.stored(id).requestIds();
        assertEquals("BATCH_STATE_PENDING", service.get(as(KEY_A), id).path("metadata").path("state").asText());

        succeed(requestIds.get(0));
        jobs.claim(requestIds.get(1), clock.instant(), clock.instant().plusSeconds(60));
        JsonNode running = service.get(as(KEY_A), id).path("metadata");
        assertEquals("BATCH_STATE_RUNNING", running.path("state").asText());
        assertEquals("1", running.path("batchStats").path("pendingRequestCount").asText());
        assertTrue(running.path("output").isMissingNode(), "no results until done");
        assertNull(batches.stored(id).finalState());

        Job second = jobs.job(requestIds.get(1));
        jobs.fail(requestIds.get(1), second.attempts(),
                new JobError("INVALID_REFERENCE", "https://example.com/a.png answered 404", false), clock.instant());
        clock.advance(Duration.ofSeconds(5));
        ObjectNode done = service.get(as(KEY_A), id);

        assertTrue(done.path("done").asBoolean());
        JsonNode meta = done.path("metadata");
        assertEquals("BATCH_STATE_SUCCEEDED", meta.path("state").asText());
        assertEquals("1", meta.path("batchStats").path("successfulRequestCount").asText());
        assertEquals("1", meta.path("batchStats").path("failedRequestCount").asText());
        JsonNode results = meta.path("output").path("inlinedResponses").path("inlinedResponses");
        assertEquals(2, results.size());
        JsonNode image = results.get(0).path("response").path("candidates").get(0).path("content").path("parts")
                .get(1);
        assertTrue(image.path("fileData").path("fileUri").asText().startsWith("https://"), image.toString());
        assertEquals("k0", results.get(0).path("metadata").path("key").asText());
        assertEquals("INVALID_ARGUMENT", results.get(1).path("error").path("status").asText());
        assertTrue(results.get(1).path("error").path("message").asText().startsWith("INVALID_REFERENCE: "));
        assertEquals("k1", results.get(1).path("metadata").path("key").asText());

        BatchRecord frozen = batches.stored(id);
        assertEquals(BatchState.SUCCEEDED, frozen.finalState());
        assertEquals(clock.instant(), frozen.endTime());
        clock.advance(Duration.ofMinutes(1));
        assertEquals(meta.path("endTime"), service.get(as(KEY_A), id).path("metadata").path("endTime"),
                "the end time stays as frozen");
    }

    @Test
    void cancelStopsQueuedJobsAndTheBatchIsCancelledOnceTheRunningOneEnds() {
        String id = create(KEY_A, "a", "b", "c");
        List<String> requestIds = batches.stored(id).requestIds();
        succeed(requestIds.get(0));
        jobs.claim(requestIds.get(1), clock.instant(), clock.instant().plusSeconds(60));

        service.cancel(as(KEY_A), id);

        assertTrue(batches.stored(id).cancelRequested());
        assertEquals(JobStatus.CANCELLED, jobs.job(requestIds.get(2)).status());
        assertEquals(JobStatus.PROCESSING, jobs.job(requestIds.get(1)).status(), "a running job finishes");
        assertEquals("BATCH_STATE_RUNNING", service.get(as(KEY_A), id).path("metadata").path("state").asText());

        Job running = jobs.job(requestIds.get(1));
        jobs.complete(requestIds.get(1), running.attempts(), GoogleFixtures.outcome(10), 1, clock.instant());
        JsonNode meta = service.get(as(KEY_A), id).path("metadata");
        assertEquals("BATCH_STATE_CANCELLED", meta.path("state").asText());
        JsonNode results = meta.path("output").path("inlinedResponses").path("inlinedResponses");
        assertTrue(results.get(0).has("response"));
        assertTrue(results.get(1).has("response"));
        assertEquals("CANCELLED", results.get(2).path("error").path("status").asText());
    }

    @Test
    void cancellingADoneBatchLeavesItAsItEnded() {
        String id = create(KEY_A, "a");
        succeed(batches.stored(id).requestIds().get(0));
        service.cancel(as(KEY_A), id);
        assertEquals(BatchState.SUCCEEDED, batches.stored(id).finalState());
        assertFalse(batches.stored(id).cancelRequested());
    }

    @Test
    void anotherTenantsBatchIsNotFoundForEveryCallAndTheSameAsAnUnknownId() {
        String id = create(KEY_A, "a");
        for (String probe : List.of(id, "01JZZZZZZZZZZZZZZZZZZZZZZZ", "not-an-id")) {
            Rejection get = assertThrows(Rejection.class, () -> service.get(as(KEY_B), probe));
            assertEquals(Rejection.Kind.NOT_FOUND, get.kind());
            assertEquals(BatchService.NOT_FOUND_MESSAGE, get.getMessage());
        }
        assertThrows(Rejection.class, () -> service.cancel(as(KEY_B), id));
        assertThrows(Rejection.class, () -> service.delete(as(KEY_B), id));
        assertFalse(batches.stored(id).cancelRequested());
        assertNotNull(batches.stored(id), "still there for its owner");
        assertTrue(service.list(as(KEY_B), null, null).path("operations").isEmpty());
    }

    @Test
    void deleteRemovesTheBatchButNotItsJobs() {
        String id = create(KEY_A, "a", "b");
        List<String> requestIds = batches.stored(id).requestIds();

        service.delete(as(KEY_A), id);

        assertNull(batches.stored(id));
        assertEquals(Rejection.Kind.NOT_FOUND, assertThrows(Rejection.class, () -> service.get(as(KEY_A), id)).kind());
        requestIds.forEach(r -> assertEquals(JobStatus.QUEUED, jobs.job(r).status(), "its jobs carry on"));
    }

    @Test
    void listIsNewestFirstInPagesWithATokenOnlyWhenThereIsMore() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(0, create(KEY_A, "p" + i));
            clock.advance(Duration.ofSeconds(1));
        }
        succeed(batches.stored(ids.get(2)).requestIds().get(0));

        ObjectNode first = service.list(as(KEY_A), "2", null);
        assertEquals(List.of("batches/" + ids.get(0), "batches/" + ids.get(1)), names(first));
        String token = first.path("nextPageToken").asText();
        assertFalse(token.isEmpty());
        ObjectNode second = service.list(as(KEY_A), "2", token);
        assertEquals(List.of("batches/" + ids.get(2)), names(second));
        assertFalse(second.has("nextPageToken"), "the SDK's pager stops only when the token is absent");
        JsonNode done = second.path("operations").get(0).path("metadata");
        assertEquals("BATCH_STATE_SUCCEEDED", done.path("state").asText());
        assertTrue(done.path("output").isMissingNode(), "listed entries carry no results");
        assertEquals(BatchState.SUCCEEDED, batches.stored(ids.get(2)).finalState(), "frozen on the way");

        Rejection otherTenant = assertThrows(Rejection.class, () -> service.list(as(KEY_B), "2", token));
        assertEquals("pageToken", otherTenant.field());
        Rejection size = assertThrows(Rejection.class, () -> service.list(as(KEY_A), "zero", null));
        assertEquals("pageSize", size.field());
        assertEquals(3, service.list(as(KEY_A), "500", null).path("operations").size(), "capped, not refused");
    }

    @Test
    void whenNoJobCanBeQueuedTheBatchIsFailedWithEachRequestsError() {
        queue.failure = new IllegalStateException("SQS down");
        String id = create(KEY_A, "a", "b");
        queue.failure = null;

        BatchRecord stored = batches.stored(id);
        assertTrue(stored.intakeFailed());
        JsonNode meta = service.get(as(KEY_A), id).path("metadata");
        assertEquals("BATCH_STATE_FAILED", meta.path("state").asText());
        JsonNode first = meta.path("output").path("inlinedResponses").path("inlinedResponses").get(0);
        assertTrue(first.path("error").path("message").asText().startsWith(JobIntake.ENQUEUE_FAILED), first.toString());
    }

    @Test
    void aJobStoreFailureMidwayCancelsWhatWasQueuedAndStoresNoBatch() {
        // The first job is stored and queued; then the jobs table fails.
        InMemoryJobQueue failingAfterOne = new InMemoryJobQueue(clock) {
            @Override
            public synchronized void send(String requestId) {
                super.send(requestId);
                jobs.createFailure = new IllegalStateException("simulated: DynamoDB unreachable");
            }
        };

        Rejection e = assertThrows(Rejection.class,
                () -> service(failingAfterOne).create(as(KEY_A), body("a", "b", "c"), MODEL));

        assertEquals(Rejection.Kind.UNAVAILABLE, e.kind());
        assertEquals(1, failingAfterOne.sent.size());
        assertEquals(JobStatus.CANCELLED, jobs.job(failingAfterOne.sent.get(0)).status(),
                "the queued job is cancelled");
        assertTrue(batches.list("tenant-a", null, 10).batches().isEmpty(), "no batch");
    }

    private static List<String> names(ObjectNode list) {
        List<String> names = new ArrayList<>();
        list.path("operations").forEach(op -> names.add(op.path("name").asText()));
        return names;
    }

}
