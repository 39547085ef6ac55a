package imagejobs.shared.google;

import static imagejobs.shared.google.GoogleFixtures.BUCKET;
import static imagejobs.shared.google.GoogleFixtures.IMAGE_KEY;
import static imagejobs.shared.google.GoogleFixtures.REQUEST_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;

class BatchJobViewTest {
    private static final Instant CREATED = Instant.parse("2026-11-23T08:00:00Z");
    private static final Instant NOW = Instant.parse("2026-11-23T08:05:00Z");
    private static final String OTHER = "01JCZ5R9Q8W7X6V5T4S3R2Q1P1";
    private static final String THIRD = "01JCZ5R9Q8W7X6V5T4S3R2Q1P2";

    private final BatchJobView view = new BatchJobView(new GenerateContentView(BUCKET,
            new GoogleFixtures.Images().with(IMAGE_KEY, GoogleFixtures.bytes(10)), key -> null,
            GenerateContentView.MAX_RESPONSE_BYTES));

    private static BatchRecord batch(boolean cancelled) {
        return new BatchRecord("01JBATCH0000000000000000AA", "tenant-a", "gemini-2.5-flash-image", "nightly",
                List.of(REQUEST_ID, OTHER, THIRD),
                List.of((ObjectNode) Json.parse("{\"key\":\"a\"}"), Json.object(), (ObjectNode) Json.parse("{\"key\":\"c\"}")),
                CREATED, CREATED, cancelled, false, null, null, null, CREATED.plusSeconds(86400 * 30));
    }

    private static BatchItem success() {
        return new BatchItem(REQUEST_ID, JobStatus.SUCCESS, GoogleFixtures.outcome(10), null, null);
    }

    @Test
    void aFinishedBatchListsEachResultInOrderWithItsMetadata() {
        List<BatchItem> items = List.of(success(),
                new BatchItem(OTHER, JobStatus.FAILED, null,
                        new JobError("INVALID_REFERENCE", "https://example.com/a.png answered 404", false), null),
                new BatchItem(THIRD, JobStatus.FAILED, null,
                        new JobError("SAFETY_BLOCKED", "Gemini stopped for safety: IMAGE_SAFETY", false),
                        new FailedJobs.Upstream("IMAGE_SAFETY", null, null)));

        JsonNode op = view.operation(batch(false), items, NOW);

        assertEquals("batches/01JBATCH0000000000000000AA", op.path("name").asText());
        assertTrue(op.path("done").asBoolean());
        JsonNode meta = op.path("metadata");
        assertEquals(BatchJobView.METADATA_TYPE, meta.path("@type").asText());
        assertEquals("BATCH_STATE_SUCCEEDED", meta.path("state").asText());
        assertEquals("models/gemini-2.5-flash-image", meta.path("model").asText());
        assertEquals("nightly", meta.path("displayName").asText());
        assertEquals("2026-11-23T08:00:00.000Z", meta.path("createTime").asText());
        assertEquals("2026-11-23T08:05:00.000Z", meta.path("endTime").asText());
        assertEquals(Json.parse("{\"requestCount\":\"3\",\"successfulRequestCount\":\"2\",\"failedRequestCount\":\"1\","
                + "\"pendingRequestCount\":\"0\"}"), meta.path("batchStats"));

        JsonNode entries = meta.at("/output/inlinedResponses/inlinedResponses");
        assertEquals(3, entries.size());
        assertEquals(REQUEST_ID, entries.get(0).at("/response/responseId").asText());
        assertTrue(entries.get(0).at("/response/candidates/0/content/parts/1/fileData/fileUri").asText()
                .startsWith("https://"), "batch images are always URLs");
        assertEquals("a", entries.get(0).at("/metadata/key").asText());
        assertEquals(Json.parse("{\"code\":3,\"message\":\"INVALID_REFERENCE: https://example.com/a.png answered 404\","
                + "\"status\":\"INVALID_ARGUMENT\"}"), entries.get(1).path("error"));
        assertFalse(entries.get(1).has("metadata"), "no metadata was given for that request");
        assertFalse(entries.get(1).path("error").has("details"), "the SDKs type details as strings");
        assertEquals("IMAGE_SAFETY", entries.get(2).at("/response/candidates/0/finishReason").asText());
    }

    @Test
    void aBatchInProgressHasNoOutputYet() {
        JsonNode pending = view.operation(batch(false), List.of(
                new BatchItem(REQUEST_ID, JobStatus.QUEUED, null, null, null),
                new BatchItem(OTHER, JobStatus.QUEUED, null, null, null),
                new BatchItem(THIRD, JobStatus.QUEUED, null, null, null)), NOW);
        assertEquals("BATCH_STATE_PENDING", pending.at("/metadata/state").asText());
        assertFalse(pending.path("done").asBoolean());
        assertFalse(pending.path("metadata").has("output"));
        assertFalse(pending.path("metadata").has("endTime"));

        JsonNode running = view.operation(batch(false), List.of(success(),
                new BatchItem(OTHER, JobStatus.PROCESSING, null, null, null),
                new BatchItem(THIRD, JobStatus.QUEUED, null, null, null)), NOW);
        assertEquals("BATCH_STATE_RUNNING", running.at("/metadata/state").asText());
        assertEquals("2", running.at("/metadata/batchStats/pendingRequestCount").asText());
    }

    @Test
    void aCancelledBatchIsCancelledOnceEveryJobHasStopped() {
        List<BatchItem> items = List.of(success(),
                new BatchItem(OTHER, JobStatus.CANCELLED, null, null, null),
                BatchItem.missing(THIRD));

        JsonNode op = view.operation(batch(true), items, NOW);

        assertEquals("BATCH_STATE_CANCELLED", op.at("/metadata/state").asText());
        JsonNode entries = op.at("/metadata/output/inlinedResponses/inlinedResponses");
        assertEquals(1, entries.get(1).at("/error/code").asInt());
        assertEquals("CANCELLED", entries.get(1).at("/error/status").asText());
        assertEquals("NOT_FOUND", entries.get(2).at("/error/status").asText());
    }

    @Test
    void aNewBatchOrAFrozenOneNeedsNoJob() {
        JsonNode created = view.operation(batch(false), null, NOW);
        assertEquals("BATCH_STATE_PENDING", created.at("/metadata/state").asText());
        assertEquals("3", created.at("/metadata/batchStats/pendingRequestCount").asText());

        BatchRecord frozen = batch(false).finish(BatchState.SUCCEEDED, new BatchProgress(3, 3, 0, 0, true), NOW);
        JsonNode summary = view.operation(frozen, null, NOW.plusSeconds(3600));
        assertEquals("BATCH_STATE_SUCCEEDED", summary.at("/metadata/state").asText());
        assertEquals("2026-11-23T08:05:00.000Z", summary.at("/metadata/endTime").asText());
        assertFalse(summary.path("metadata").has("output"), "a summary carries no results");
    }

    @Test
    void aBatchWhoseRequestsCouldNotBeQueuedFailed() {
        BatchProgress progress = BatchProgress.of(List.of(
                new BatchItem(REQUEST_ID, JobStatus.FAILED, null, new JobError("ENQUEUE_FAILED", "x", true), null)));

        assertEquals(BatchState.FAILED, progress.state(false, true));
        assertEquals(BatchState.SUCCEEDED, progress.state(false, false));
        assertEquals("JOB_STATE_FAILED", BatchState.FAILED.sdkName());
    }

    @Test
    void aListCarriesATokenOnlyWhenThereIsMore() {
        assertFalse(BatchJobView.list(List.of(), null).has("nextPageToken"));
        assertFalse(BatchJobView.list(List.of(), "").has("nextPageToken"));
        assertEquals("t", BatchJobView.list(List.of(Json.object()), "t").path("nextPageToken").asText());
    }
}
