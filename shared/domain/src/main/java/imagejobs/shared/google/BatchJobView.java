package imagejobs.shared.google;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.Timestamps;
import imagejobs.shared.json.Json;

/**
 * A batch in the Gemini API's shape: a long-running Operation whose {@code metadata} is the
 * {@code GenerateContentBatch}. google-genai reads {@code name}, {@code metadata.displayName}, {@code .state},
 * {@code .createTime}, {@code .updateTime}, {@code .endTime}, {@code .model} and {@code .output} (1.70.0 and 2.3.0
 * alike; {@code batchStats} is on the wire for REST callers, the SDKs do not map it):
 *
 * <pre>
 * {"name": "batches/01J…", "done": true,
 *  "metadata": {"@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatch",
 *    "name": "batches/01J…", "model": "models/gemini-2.5-flash-image", "displayName": "my-batch",
 *    "state": "BATCH_STATE_SUCCEEDED", "createTime": "…Z", "updateTime": "…Z", "endTime": "…Z",
 *    "batchStats": {"requestCount": "2", "successfulRequestCount": "1", "failedRequestCount": "1",
 *                   "pendingRequestCount": "0"},
 *    "output": {"inlinedResponses": {"inlinedResponses": [
 *      {"response": {GenerateContentResponse, images as fileData presigned URLs}, "metadata": {"key": "a"}},
 *      {"error": {"code": 3, "message": "UNSUPPORTED_IMAGE_SIZE: …", "status": "INVALID_ARGUMENT"},
 *       "metadata": {"key": "b"}}]}}}}
 * </pre>
 *
 * An entry's {@code error} is a {@code google.rpc.Status}: {@code code} is the canonical code's number (3 for
 * INVALID_ARGUMENT), not an HTTP status, and there are no {@code details}, because both SDKs type that field as a
 * list of strings and fail to parse objects there; our error code leads the message instead. Results appear once the
 * batch is done, in request order.
 */
public final class BatchJobView {
    public static final String METADATA_TYPE =
            "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatch";

    private final GenerateContentView responses;

    public BatchJobView(GenerateContentView responses) {
        this.responses = responses;
    }

    /**
     * The whole batch, with results when done.
     *
     * @param items the batch's jobs in request order (as many as {@code batch.requestIds()}); null for a summary
     *              from the record alone (a finished batch's frozen state, or PENDING for a new one)
     */
    public ObjectNode operation(BatchRecord batch, List<BatchItem> items, Instant now) {
        BatchProgress progress;
        BatchState state;
        Instant end = batch.endTime();
        if (batch.finalState() != null) {
            state = batch.finalState();
            progress = batch.finalStats();
        } else if (items != null) {
            progress = BatchProgress.of(items);
            state = progress.state(batch.cancelRequested(), batch.intakeFailed());
            if (state.done() && end == null) {
                end = now;
            }
        } else {
            progress = new BatchProgress(batch.requestIds().size(), 0, 0, batch.requestIds().size(), false);
            state = BatchState.PENDING;
        }

        ObjectNode op = Json.object();
        op.put("name", batch.name());
        ObjectNode meta = op.putObject("metadata");
        meta.put("@type", METADATA_TYPE);
        meta.put("name", batch.name());
        meta.put("model", "models/" + batch.model());
        if (batch.displayName() != null) {
            meta.put("displayName", batch.displayName());
        }
        meta.put("state", state.wire());
        meta.put("createTime", Timestamps.format(batch.createdAt()));
        meta.put("updateTime", Timestamps.format(batch.updatedAt()));
        if (state.done() && end != null) {
            meta.put("endTime", Timestamps.format(end));
        }
        if (progress != null) {
            meta.set("batchStats", progress.toJson());
        }
        if (state.done() && items != null) {
            ArrayNode entries = meta.putObject("output").putObject("inlinedResponses").putArray("inlinedResponses");
            for (int i = 0; i < items.size(); i++) {
                ObjectNode entry = entry(items.get(i));
                ObjectNode metadata = batch.metadata().get(i);
                if (metadata != null && !metadata.isEmpty()) {
                    entry.set("metadata", metadata.deepCopy());
                }
                entries.add(entry);
            }
        }
        op.put("done", state.done());
        return op;
    }

    /** One request's result: the response, or the error as a google.rpc.Status. */
    ObjectNode entry(BatchItem item) {
        ObjectNode entry = Json.object();
        if (item.status() == JobStatus.SUCCESS && item.outcome() != null) {
            entry.set("response", responses.render(item.requestId(), item.outcome(),
                    GenerateContentView.ImageMode.FILE_DATA).body());
            return entry;
        }
        if (item.status() == JobStatus.FAILED && item.error() != null && FailedJobs.isRefusal(item.error())) {
            entry.set("response", FailedJobs.refusal(item.requestId(), item.error(),
                    item.upstream() == null ? FailedJobs.Upstream.UNKNOWN : item.upstream()));
            return entry;
        }
        GoogleStatus status;
        String message;
        if (item.status() == null) {
            status = GoogleStatus.NOT_FOUND;
            message = "NOT_FOUND: request " + item.requestId() + " has expired";
        } else if (item.status() == JobStatus.CANCELLED) {
            status = GoogleStatus.CANCELLED;
            message = "CANCELLED: request " + item.requestId() + " was cancelled before it ran";
        } else {
            JobError error = item.error() != null ? item.error()
                    : new JobError("INTERNAL_ERROR", "request " + item.requestId() + " failed", false);
            status = FailedJobs.status(error.code());
            message = error.code() + ": " + error.message();
        }
        entry.putObject("error").put("code", status.rpcCode()).put("message", message).put("status", status.name());
        return entry;
    }

    /** {@code GET /v1beta/batches}: {@code {"operations": [...], "nextPageToken": "..."}} (token only when more). */
    public static ObjectNode list(List<ObjectNode> operations, String nextPageToken) {
        ObjectNode body = Json.object();
        ArrayNode ops = body.putArray("operations");
        operations.forEach(ops::add);
        if (nextPageToken != null && !nextPageToken.isEmpty()) {
            body.put("nextPageToken", nextPageToken);
        }
        return body;
    }
}
