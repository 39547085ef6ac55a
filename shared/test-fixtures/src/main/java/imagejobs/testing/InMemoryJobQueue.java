package imagejobs.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

import imagejobs.shared.errors.DependencyFailure;
import imagejobs.shared.queue.JobMessage;
import imagejobs.shared.queue.JobQueue;

/**
 * The jobs queue in memory, with SQS's rules ({@link JobQueueContract} holds both to them): a message body is
 * {@link JobMessage#body}, a received message stays invisible for the visibility timeout, {@link #retryAfter} sets
 * it (whole seconds, rounded up, at most 12 hours) and refuses an unknown receipt handle. {@link #sent} logs every
 * sent job id; {@link #failure} makes sends throw.
 */
public class InMemoryJobQueue implements JobQueue {
    /** The queue's default visibility timeout. */
    public static final Duration VISIBILITY_TIMEOUT = Duration.ofSeconds(30);
    private static final long MAX_VISIBILITY_SECONDS = 12 * 3600;

    public final List<String> sent = Collections.synchronizedList(new ArrayList<>());
    /** The message group of each send that had one, by job id (the last one wins). */
    public final Map<String, String> groups = Collections.synchronizedMap(new LinkedHashMap<>());
    public volatile RuntimeException failure;
    private final Clock clock;
    private final Map<String, Message> messages = new LinkedHashMap<>();
    private long handles;

    /** A message as a receiver gets it. */
    public record Received(String body, String receiptHandle) {
    }

    private static final class Message {
        final String body;
        Instant visibleAt;
        String receiptHandle;

        Message(String body, Instant visibleAt) {
            this.body = body;
            this.visibleAt = visibleAt;
        }
    }

    public InMemoryJobQueue() {
        this(Clock.systemUTC());
    }

    public InMemoryJobQueue(Clock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized void send(String requestId) {
        if (failure != null) {
            throw failure;
        }
        sent.add(requestId);
        messages.put("m" + messages.size() + "-" + requestId, new Message(JobMessage.body(requestId), clock.instant()));
    }

    @Override
    public synchronized void send(String requestId, String groupId) {
        send(requestId);
        groups.put(requestId, groupId);
    }

    @Override
    public synchronized void sendDelayed(String requestId, String waitToken, int delaySeconds, String groupId) {
        if (failure != null) {
            throw failure;
        }
        groups.put(requestId, groupId);
        int delay = Math.max(0, Math.min(MAX_DELAY_SECONDS, delaySeconds));
        sent.add(requestId);
        messages.put("m" + messages.size() + "-" + requestId, new Message(JobMessage.body(requestId, waitToken),
                clock.instant().plusSeconds(delay)));
    }

    /** Receives up to {@code max} visible messages, each then invisible for {@link #VISIBILITY_TIMEOUT}. */
    public synchronized List<Received> receive(int max) {
        Instant now = clock.instant();
        List<Received> out = new ArrayList<>();
        for (Message m : messages.values()) {
            if (out.size() < max && !m.visibleAt.isAfter(now)) {
                m.visibleAt = now.plus(VISIBILITY_TIMEOUT);
                m.receiptHandle = "rh-" + ++handles;
                out.add(new Received(m.body, m.receiptHandle));
            }
        }
        return out;
    }

    /** Deletes a received message (what Lambda does after a successful batch item). */
    public synchronized void delete(String receiptHandle) {
        messages.values().removeIf(m -> receiptHandle.equals(m.receiptHandle));
    }

    @Override
    public synchronized void retryAfter(String receiptHandle, Duration delay) {
        Message message = messages.values().stream().filter(m -> receiptHandle.equals(m.receiptHandle)).findFirst()
                .orElseThrow(() -> new DependencyFailure(DependencyFailure.Dependency.QUEUE, false,
                        new NoSuchElementException("the receipt handle is not one of a received message")));
        long seconds = Math.max(0, Math.min(MAX_VISIBILITY_SECONDS, (delay.toMillis() + 999) / 1000));
        message.visibleAt = clock.instant().plusSeconds(seconds);
    }
}
