package imagejobs.webhooks;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;

import imagejobs.shared.config.Environment;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.webhooks.JobChange;
import imagejobs.shared.webhooks.WebhookDispatch;

/**
 * The jobs table's stream consumer: each change that fires a webhook event becomes a first-attempt delivery message.
 * When a message could not be sent, the batch item failure names that record's sequence number, so the event source
 * reads the shard again from there (records after it are dispatched again; their deliveries are de-duplicated).
 */
public final class WebhookDispatchHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse> {
    private static final StructuredLog LOG = StructuredLog.get(WebhookDispatchHandler.class);

    private final WebhookDispatch dispatch;

    public WebhookDispatchHandler() {
        this(System.getenv());
    }

    public WebhookDispatchHandler(Map<String, String> environment) {
        this(WebhookWiring.dispatch(new Environment(environment)));
    }

    public WebhookDispatchHandler(WebhookDispatch dispatch) {
        this.dispatch = dispatch;
    }

    @Override
    public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
        StructuredLog.clearContext();
        StructuredLog.put("aws_request_id", context == null ? null : context.getAwsRequestId());
        try {
            List<StreamRecords.Entry> entries = StreamRecords.read(event);
            Map<JobChange, String> positions = new IdentityHashMap<>();
            List<JobChange> changes = new ArrayList<>(entries.size());
            for (StreamRecords.Entry entry : entries) {
                positions.put(entry.change(), entry.sequenceNumber());
                changes.add(entry.change());
            }
            Optional<JobChange> failed = dispatch.dispatch(changes);
            List<StreamsEventResponse.BatchItemFailure> failures = new ArrayList<>(1);
            failed.ifPresent(change -> {
                LOG.warn("stream read again from a change whose webhook event was not enqueued",
                        "job_id", change.requestId());
                failures.add(new StreamsEventResponse.BatchItemFailure(positions.get(change)));
            });
            return new StreamsEventResponse(failures);
        } finally {
            StructuredLog.clearContext();
        }
    }
}
