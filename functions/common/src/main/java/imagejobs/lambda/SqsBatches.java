package imagejobs.lambda;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Predicate;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;

import imagejobs.shared.log.StructuredLog;

/**
 * Partial batch responses: each message is handled on its own and only the failed ones are reported, so one bad
 * message never sends the whole batch back to the queue (the event source needs ReportBatchItemFailures).
 */
public final class SqsBatches {
    private static final StructuredLog LOG = StructuredLog.get(SqsBatches.class);

    private SqsBatches() {
    }

    /**
     * The pool a handler runs a batch's messages on: {@code size} threads (the template's batch size), daemons so they
     * never hold a JVM open; built once per container.
     */
    public static ExecutorService pool(String threadName, int size) {
        return java.util.concurrent.Executors.newFixedThreadPool(size, runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** {@code handler} returns true when the message is done (delete it), false to have it redelivered. */
    public static SQSBatchResponse process(SQSEvent event, Predicate<SQSEvent.SQSMessage> handler) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        if (event != null && event.getRecords() != null) {
            for (SQSEvent.SQSMessage message : event.getRecords()) {
                boolean done;
                try {
                    done = handler.test(message);
                } catch (RuntimeException e) {
                    LOG.error("message failed; it will be redelivered", e, "message_id", message.getMessageId());
                    done = false;
                }
                if (!done) {
                    failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
                }
            }
        }
        return new SQSBatchResponse(failures);
    }

    /**
     * Like {@link #process} with the messages handled side by side: a batch of jobs each waiting tens of seconds on
     * Gemini must fit in one invocation's timeout.
     */
    public static SQSBatchResponse processConcurrently(SQSEvent event, ExecutorService executor,
                                                       Predicate<SQSEvent.SQSMessage> handler) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        if (event == null || event.getRecords() == null) {
            return new SQSBatchResponse(failures);
        }
        List<Future<Boolean>> results = new ArrayList<>();
        for (SQSEvent.SQSMessage message : event.getRecords()) {
            results.add(executor.submit(() -> handler.test(message)));
        }
        for (int i = 0; i < results.size(); i++) {
            SQSEvent.SQSMessage message = event.getRecords().get(i);
            boolean done;
            try {
                done = results.get(i).get();
            } catch (ExecutionException e) {
                LOG.error("message failed; it will be redelivered", e.getCause(), "message_id", message.getMessageId());
                done = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done = false;
            }
            if (!done) {
                failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
            }
        }
        return new SQSBatchResponse(failures);
    }
}
