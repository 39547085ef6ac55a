package imagejobs.webhooks;

import java.util.Map;
import java.util.concurrent.ExecutorService;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;

import imagejobs.lambda.SqsBatches;
import imagejobs.shared.config.Environment;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.webhooks.WebhookDelivery;

/**
 * The delivery queue's consumer: one attempt per message, the batch's messages side by side (each bounded by the
 * sender's 10 s), each on its own: whatever one message throws (the jobs table, the queue, a secret that does not
 * open) sends only that message back, to be attempted again after the visibility timeout.
 */
public final class WebhookDeliveryHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    /** The template's batch size. */
    private static final int MAX_PARALLEL = 10;

    private final WebhookDelivery delivery;
    private final ExecutorService executor = SqsBatches.pool("webhook-delivery", MAX_PARALLEL);

    public WebhookDeliveryHandler() {
        this(System.getenv());
    }

    public WebhookDeliveryHandler(Map<String, String> environment) {
        this(WebhookWiring.delivery(new Environment(environment)));
    }

    public WebhookDeliveryHandler(WebhookDelivery delivery) {
        this.delivery = delivery;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        String awsRequestId = context == null ? null : context.getAwsRequestId();
        return SqsBatches.processConcurrently(event, executor, message -> {
            StructuredLog.clearContext();
            StructuredLog.put("aws_request_id", awsRequestId);
            StructuredLog.put("message_id", message.getMessageId());
            try {
                delivery.deliver(message.getBody()); // it logs what became of the message
                return true;
            } finally {
                StructuredLog.clearContext();
            }
        });
    }
}
