package imagejobs.local.sqs;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import imagejobs.local.runtime.InvocationResult;
import imagejobs.local.runtime.LocalFunction;
import imagejobs.local.template.FunctionDefinition.SqsEventSource;
import imagejobs.shared.json.Json;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Lambda's SQS event source mapping for one event source: up to MaximumConcurrency pollers each long-poll the queue,
 * gather a batch (BatchSize, MaximumBatchingWindowInSeconds), invoke the function with the SQS event and delete what
 * succeeded. Failed messages stay in the queue, reappear after their visibility timeout (or whatever the function set
 * with ChangeMessageVisibility) and, past the redrive policy's maxReceiveCount, ElasticMQ moves them to the DLQ.
 */
public final class SqsEventSourcePoller implements AutoCloseable {
    /** SQS's per-call maximum. */
    private static final int RECEIVE_MAX = 10;

    private final SqsEventSource source;
    private final LocalFunction function;
    private final SqsClient sqs;
    private final SqsEventBuilder events;
    private final int waitSeconds;
    private final PrintStream log;
    private final List<Thread> pollers = new ArrayList<>();
    private volatile boolean running;

    /**
     * @param waitSeconds long-poll wait per ReceiveMessage (Lambda uses 20; shorter here bounds shutdown time)
     */
    public SqsEventSourcePoller(SqsEventSource source, LocalFunction function, SqsClient sqs, String region,
                                int waitSeconds, PrintStream log) {
        this.source = source;
        this.function = function;
        this.sqs = sqs;
        this.events = new SqsEventBuilder(source.queueArn(), region);
        this.waitSeconds = Math.max(0, Math.min(20, waitSeconds));
        this.log = log;
    }

    public SqsEventSource source() {
        return source;
    }

    public LocalFunction function() {
        return function;
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        int count = Math.max(1, source.maximumConcurrency());
        for (int i = 1; i <= count; i++) {
            Thread t = new Thread(this::pollLoop, "sqs-" + function.name() + "-" + source.eventId() + "-" + i);
            t.setDaemon(true);
            pollers.add(t);
            t.start();
        }
    }

    private void pollLoop() {
        while (running) {
            try {
                List<Message> batch = receiveBatch();
                if (!batch.isEmpty() && running) {
                    process(batch);
                }
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                log.println("[sqs " + function.name() + "/" + source.eventId() + "] " + e.getMessage());
                pause(500);
            }
        }
    }

    private List<Message> receiveBatch() {
        List<Message> first = receive(Math.min(RECEIVE_MAX, source.batchSize()), waitSeconds);
        if (first.isEmpty() || source.maximumBatchingWindowSeconds() <= 0) {
            return first;
        }
        // Keyed by message id: with a visibility timeout shorter than the window the same message can come back
        // while the batch is still being gathered; only its latest receipt handle is valid.
        Map<String, Message> batch = new LinkedHashMap<>();
        first.forEach(m -> batch.put(m.messageId(), m));
        long windowEnds = System.nanoTime() + TimeUnit.SECONDS.toNanos(source.maximumBatchingWindowSeconds());
        while (running && batch.size() < source.batchSize() && System.nanoTime() < windowEnds) {
            long remainingSeconds = TimeUnit.NANOSECONDS.toSeconds(windowEnds - System.nanoTime());
            receive(Math.min(RECEIVE_MAX, source.batchSize() - batch.size()),
                    (int) Math.min(waitSeconds, Math.max(0, remainingSeconds)))
                    .forEach(m -> batch.put(m.messageId(), m));
        }
        return new ArrayList<>(batch.values());
    }

    private List<Message> receive(int max, int wait) {
        return sqs.receiveMessage(r -> r.queueUrl(source.queueUrl())
                .maxNumberOfMessages(max)
                .waitTimeSeconds(wait)
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                .messageAttributeNames("All")).messages();
    }

    private void process(List<Message> batch) {
        String event = Json.write(events.build(batch));
        InvocationResult result = function.invokeWithResult(event);
        List<String> ids = batch.stream().map(Message::messageId).toList();
        BatchOutcome outcome = BatchOutcome.decide(result, ids, source.reportBatchItemFailures());
        if (!outcome.failedMessageIds().isEmpty()) {
            log.println("[sqs " + function.name() + "/" + source.eventId() + "] " + outcome.failedMessageIds().size()
                    + " of " + batch.size() + " messages failed (" + outcome.reason() + "); they return after the"
                    + " visibility timeout");
        }
        List<DeleteMessageBatchRequestEntry> deletes = new ArrayList<>();
        for (Message m : batch) {
            if (!outcome.failedMessageIds().contains(m.messageId())) {
                deletes.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(deletes.size()))
                        .receiptHandle(m.receiptHandle()).build());
            }
        }
        for (int from = 0; from < deletes.size(); from += RECEIVE_MAX) {
            List<DeleteMessageBatchRequestEntry> chunk = deletes.subList(from, Math.min(deletes.size(), from + RECEIVE_MAX));
            var response = sqs.deleteMessageBatch(r -> r.queueUrl(source.queueUrl()).entries(chunk));
            response.failed().forEach(f -> log.println("[sqs " + function.name() + "] delete failed: " + f.message()));
        }
    }

    private void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Stops polling; waits (bounded) for the current receive or invocation to end, then interrupts. */
    @Override
    public synchronized void close() {
        running = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds + 3L);
        for (Thread t : pollers) {
            long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            try {
                t.join(Math.max(1, remaining));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                t.interrupt();
            }
        }
        pollers.clear();
    }
}
