package imagejobs.worker;

import java.time.Clock;
import java.util.Map;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;

import imagejobs.lambda.SqsBatches;
import imagejobs.shared.config.Environment;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.worker.DeadLetters;

/**
 * The dead-letter queue's consumer: a message lands there after too many deliveries (a crash on every attempt, a
 * poison job). Its job is marked failed, so no job stays queued or processing for ever.
 */
public final class DeadLetterHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private final DeadLetters deadLetters;

    public DeadLetterHandler() {
        this(System.getenv());
    }

    public DeadLetterHandler(Map<String, String> environment) {
        this(WorkerWiring.jobStore(new Environment(environment)), Clock.systemUTC());
    }

    public DeadLetterHandler(JobStore jobs, Clock clock) {
        this.deadLetters = new DeadLetters(jobs, clock);
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return SqsBatches.process(event, message -> deadLetters.handle(message.getMessageId(), message.getBody(),
                message.getAttributes() == null ? null : message.getAttributes().get("ApproximateReceiveCount")));
    }
}
