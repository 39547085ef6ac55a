package imagejobs.worker;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;

import imagejobs.lambda.SqsBatches;
import imagejobs.shared.config.Environment;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.queue.JobMessage;
import imagejobs.shared.worker.JobProcessor;

/**
 * The jobs queue's consumer. Each message is one job id; messages that must come back later are reported as
 * batch item failures (their visibility is already set to the wait), so one slow or failing job never sends its
 * batch mates back.
 */
public final class WorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private static final StructuredLog LOG = StructuredLog.get(WorkerHandler.class);

    /** The template's batch size. */
    private static final int MAX_PARALLEL = 10;

    private final JobProcessor processor;
    private final ExecutorService executor = SqsBatches.pool("job-worker", MAX_PARALLEL);

    public WorkerHandler() {
        this(System.getenv());
    }

    public WorkerHandler(Map<String, String> environment) {
        this(WorkerWiring.processor(new Environment(environment)));
    }

    public WorkerHandler(JobProcessor processor) {
        this.processor = processor;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        Duration budget = context == null ? null : Duration.ofMillis(context.getRemainingTimeInMillis());
        String awsRequestId = context == null ? null : context.getAwsRequestId();
        return SqsBatches.processConcurrently(event, executor, message -> {
            StructuredLog.clearContext();
            // Each message runs on a pool thread: the invocation's request id goes into every line it logs.
            StructuredLog.put("aws_request_id", awsRequestId);
            StructuredLog.put("message_id", message.getMessageId());
            try {
                Optional<String> requestId = JobMessage.requestId(message.getBody());
                if (requestId.isEmpty()) {
                    LOG.warn("message without a request id; dropped");
                    return true;
                }
                return processor.process(requestId.get(), JobMessage.waitToken(message.getBody()).orElse(null),
                        message.getReceiptHandle(), budget) instanceof JobProcessor.Result.Done;
            } finally {
                StructuredLog.clearContext();
            }
        });
    }
}
