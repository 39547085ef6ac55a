package imagejobs.shared.google;

import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;

/**
 * A batch's counts and the state they make, from its jobs. A request counts as successful when it has a response
 * (images, or a refusal, which Gemini answers with a 200 too), failed when it has an error (a failed or cancelled
 * job, or one that expired), pending while its job is queued or processing.
 */
public record BatchProgress(int requestCount, int successful, int failed, int pending, boolean started) {

    public static BatchProgress of(List<BatchItem> items) {
        int successful = 0;
        int failed = 0;
        int pending = 0;
        boolean started = false;
        for (BatchItem item : items) {
            if (!item.finished()) {
                pending++;
                started |= item.status() == JobStatus.PROCESSING;
            } else {
                started = true;
                if (item.answered()) {
                    successful++;
                } else {
                    failed++;
                }
            }
        }
        return new BatchProgress(items.size(), successful, failed, pending, started);
    }

    /** The batch's state given its record's flags. */
    public BatchState state(boolean cancelRequested, boolean intakeFailed) {
        if (pending > 0) {
            return started ? BatchState.RUNNING : BatchState.PENDING;
        }
        if (cancelRequested) {
            return BatchState.CANCELLED;
        }
        return intakeFailed && successful == 0 ? BatchState.FAILED : BatchState.SUCCEEDED;
    }

    /** Gemini's {@code batchStats}; int64 counts are strings in protobuf's JSON. */
    public ObjectNode toJson() {
        return Json.object()
                .put("requestCount", String.valueOf(requestCount))
                .put("successfulRequestCount", String.valueOf(successful))
                .put("failedRequestCount", String.valueOf(failed))
                .put("pendingRequestCount", String.valueOf(pending));
    }
}
