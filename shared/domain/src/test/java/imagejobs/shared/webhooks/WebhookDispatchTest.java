package imagejobs.shared.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.log.Metrics;
import imagejobs.testing.InMemoryWebhookQueue;

class WebhookDispatchTest {
    private static final WebhookSubscription BOTH = WebhookSubscription.of("https://hooks.example.com/x",
            EnumSet.of(WebhookEvent.START, WebhookEvent.COMPLETED));
    private static final WebhookSubscription COMPLETED_ONLY = WebhookSubscription.of("https://hooks.example.com/x",
            EnumSet.of(WebhookEvent.COMPLETED));

    private final InMemoryWebhookQueue queue = new InMemoryWebhookQueue();
    private final List<String> dispatched = new ArrayList<>();
    private final Metrics metrics = new Metrics() {
        @Override
        public void emit(List<List<String>> sets, Map<String, String> dimensions, Value... values) {
            for (Value v : values) {
                dispatched.add(v.name() + ":" + dimensions.get("event"));
            }
        }

        @Override
        public void count(String name, Object... properties) {
        }
    };
    private final WebhookDispatch dispatch = new WebhookDispatch(queue, metrics);

    private static JobChange change(String id, JobStatus before, JobStatus after, int attempts,
                                    WebhookSubscription subscription) {
        return new JobChange(id, "tenant-a", before, after, attempts, subscription);
    }

    private List<String> sent() {
        return queue.sent.stream().map(s -> s.message().requestId() + "/" + s.message().event().wire() + "/"
                + s.message().attempt() + "/" + s.delaySeconds()).toList();
    }

    @Test
    void eachKindOfChangeSendsTheFirstAttemptOfWhatItFires() {
        Optional<JobChange> failed = dispatch.dispatch(List.of(
                change("created", null, JobStatus.QUEUED, 0, BOTH),                       // nothing
                change("started", JobStatus.QUEUED, JobStatus.PROCESSING, 1, BOTH),       // start
                change("retaken", JobStatus.QUEUED, JobStatus.PROCESSING, 2, BOTH),       // a retry: nothing
                change("done", JobStatus.PROCESSING, JobStatus.SUCCESS, 1, BOTH),         // completed
                change("cancelled", JobStatus.QUEUED, JobStatus.CANCELLED, 0, COMPLETED_ONLY), // completed
                change("bornFailed", null, JobStatus.FAILED, 0, COMPLETED_ONLY),         // completed
                change("recorded", JobStatus.SUCCESS, JobStatus.SUCCESS, 1, BOTH),       // delivery state: nothing
                change("deleted", JobStatus.SUCCESS, null, 1, BOTH),                     // retention: nothing
                change("noHook", JobStatus.PROCESSING, JobStatus.FAILED, 1, null),       // nothing
                change("startOnly", JobStatus.QUEUED, JobStatus.PROCESSING, 1, COMPLETED_ONLY))); // not wanted

        assertTrue(failed.isEmpty());
        assertEquals(List.of("started/start/1/0", "done/completed/1/0", "cancelled/completed/1/0",
                "bornFailed/completed/1/0"), sent());
        assertEquals(List.of("WebhookEventsDispatched:start", "WebhookEventsDispatched:completed",
                "WebhookEventsDispatched:completed", "WebhookEventsDispatched:completed"), dispatched);
        queue.sent.forEach(s -> assertEquals("tenant-a", s.message().tenant()));
    }

    @Test
    void aChangeThatFiresNothingSendsNothing() {
        assertTrue(dispatch.dispatch(List.of(change("a", JobStatus.QUEUED, JobStatus.QUEUED, 0, BOTH))).isEmpty());
        assertTrue(queue.sent.isEmpty());
    }

    @Test
    void anEntryTheQueueRefusedReturnsTheFirstChangeNotSentAndOnlyTheSentOnesCount() {
        queue.refuse = m -> m.requestId().equals("second") || m.requestId().equals("fourth");
        JobChange second = change("second", JobStatus.PROCESSING, JobStatus.FAILED, 1, BOTH);
        Optional<JobChange> failed = dispatch.dispatch(List.of(
                change("first", JobStatus.PROCESSING, JobStatus.SUCCESS, 1, BOTH), second,
                change("third", JobStatus.PROCESSING, JobStatus.SUCCESS, 1, BOTH),
                change("fourth", JobStatus.PROCESSING, JobStatus.SUCCESS, 1, BOTH)));

        assertEquals(Optional.of(second), failed);
        assertEquals(List.of("first/completed/1/0", "third/completed/1/0"), sent());
        assertEquals(2, dispatched.size());
    }

    @Test
    void aQueueThatFailsAltogetherReturnsTheFirstChangeThatFiredAnything() {
        queue.failure = new IllegalStateException("queue down");
        JobChange started = change("s", JobStatus.QUEUED, JobStatus.PROCESSING, 1, BOTH);
        Optional<JobChange> failed = dispatch.dispatch(List.of(
                change("quiet", null, JobStatus.QUEUED, 0, BOTH), started));

        assertEquals(Optional.of(started), failed);
        assertTrue(dispatched.isEmpty());
    }
}
