package imagejobs.worker;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;

import imagejobs.lambda.SqsBatches;
import imagejobs.shared.config.Environment;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.queue.JobMessage;

/**
 * The dead-letter queue's consumer: a message lands there after too many deliveries (a crash on every attempt, a
 * poison job). Its job is marked failed, so no job stays queued or processing for ever.
 */
public final class DeadLetterHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private static final StructuredLog LOG = StructuredLog.get(DeadLetterHandler.class);

    private final JobStore jobs;
    private final Clock clock;

    public DeadLetterHandler() {
        this(System.getenv());
    }

    public DeadLetterHandler(Map<String, String> environment) {
        this(WorkerWiring.jobStore(new Environment(environment)), Clock.systemUTC());
    }

    public DeadLetterHandler(JobStore jobs, Clock clock) {
        this.jobs = jobs;
        this.clock = clock;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return SqsBatches.process(event, message -> {
            Optional<String> requestId = JobMessage.requestId(message.getBody());
            if (requestId.isEmpty()) {
                LOG.warn("dead letter without a request id; dropped", "message_id", message.getMessageId());
                return true;
            }
            String receives = message.getAttributes() == null ? "?" : message.getAttributes().get("ApproximateReceiveCount");
            boolean changed = jobs.failUnfinished(requestId.get(), new JobError("DEAD_LETTERED",
                    "the job could not be processed after repeated deliveries; submit it again", true), clock.instant());
            LOG.warn("dead letter", "job_id", requestId.get(), "marked_failed", changed, "receives", receives);
            return true;
        });
    }
}
