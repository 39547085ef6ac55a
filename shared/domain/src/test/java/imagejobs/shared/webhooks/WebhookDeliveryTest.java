package imagejobs.shared.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;

import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;
import imagejobs.shared.log.Metrics;
import imagejobs.shared.status.JobView;
import imagejobs.testing.InMemoryJobStore;
import imagejobs.testing.InMemoryWebhookQueue;
import imagejobs.testing.InMemoryWebhookSecretStore;
import imagejobs.testing.MutableClock;

/** §4.3's steps on the fakes and a hand-moved clock: what the receiver gets, what the job shows, what is queued. */
class WebhookDeliveryTest {
    private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");
    private static final String URL = "https://hooks.example.com/imagejobs?token=abc";
    private static final String TENANT = "tenant-a";
    private static final String ID = "req1";

    /** A receiver scripted attempt by attempt; each POST takes {@code took} on the clock. */
    private final class Receiver implements WebhookSender {
        final Deque<DeliveryOutcome> script = new ArrayDeque<>();
        final List<Map<String, String>> headers = new ArrayList<>();
        final List<byte[]> bodies = new ArrayList<>();
        final List<String> urls = new ArrayList<>();
        Duration took = Duration.ofMillis(120);

        @Override
        public DeliveryOutcome send(String url, Map<String, String> h, byte[] body) {
            urls.add(url);
            headers.add(h);
            bodies.add(body);
            clock.advance(took);
            return script.isEmpty() ? DeliveryOutcome.delivered(200) : script.poll();
        }
    }

    /** Reversible, tenant-bound stand-in for the AES sealer. */
    private static final SecretSealer SEALER = new SecretSealer() {
        @Override
        public String seal(String tenant, WebhookSecret secret) {
            return tenant + ":" + Base64.getEncoder().encodeToString(secret.key());
        }

        @Override
        public WebhookSecret open(String tenant, String sealed) {
            return WebhookSecret.ofKey(Base64.getDecoder().decode(sealed.substring(tenant.length() + 1)));
        }
    };

    private final MutableClock clock = new MutableClock(T0);
    private final InMemoryJobStore jobs = new InMemoryJobStore();
    private final InMemoryWebhookQueue queue = new InMemoryWebhookQueue();
    private final TenantWebhookSecrets secrets = new TenantWebhookSecrets(new InMemoryWebhookSecretStore(), SEALER,
            new SecureRandom(), clock);
    private final Receiver receiver = new Receiver();
    private final List<String> metrics = new ArrayList<>();
    private final JobView view = new JobView("bucket", null, null);

    private WebhookDelivery delivery(RetrySchedule schedule) {
        Metrics recording = new Metrics() {
            @Override
            public void emit(List<List<String>> sets, Map<String, String> dimensions, Value... values) {
                for (Value v : values) {
                    metrics.add(v.name() + dimensions.values());
                }
            }

            @Override
            public void count(String name, Object... properties) {
                metrics.add(name);
            }
        };
        return new WebhookDelivery(new WebhookDelivery.Ports(jobs, view::full, secrets, receiver, queue, schedule,
                clock, recording));
    }

    private final WebhookDelivery standard = delivery(RetrySchedule.standard(() -> 0.5));

    /** A job that just finished, asking for {@code events}. */
    private Job finished(WebhookEvent... events) {
        Job queued = Job.queued(ID, TENANT, "gemini-2.5-flash-image", Job.SOURCE_API, null, "{}", null, "h",
                T0.minusSeconds(30), T0.plus(Duration.ofDays(30))).withWebhook(WebhookSubscription.of(URL,
                EnumSet.copyOf(List.of(events))));
        jobs.put(queued);
        jobs.claim(ID, T0.minusSeconds(20), T0.plusSeconds(300));
        jobs.complete(ID, 1, Json.object().put("text", "a fox"), 0, T0.minusSeconds(1));
        return jobs.job(ID);
    }

    private static String first() {
        return WebhookMessage.first(ID, TENANT, WebhookEvent.COMPLETED).toJson();
    }

    /** Takes the next queued message, moves the clock to when it becomes visible, delivers it. */
    private WebhookDelivery.Result next(WebhookDelivery d) {
        InMemoryWebhookQueue.Sent sent = queue.take();
        clock.advance(Duration.ofSeconds(sent.delaySeconds()));
        return d.deliver(sent.message().toJson());
    }

    private DeliveryRecord stored() {
        return jobs.job(ID).webhookCompleted();
    }

    @Test
    void aReceiverThatAnswers200GetsTheSignedViewAndTheJobShowsDelivered() {
        finished(WebhookEvent.COMPLETED);

        assertEquals(WebhookDelivery.Result.DELIVERED, standard.deliver(first()));

        assertEquals(List.of(URL), receiver.urls);
        Map<String, String> h = receiver.headers.get(0);
        assertEquals("msg_req1_completed", h.get("webhook-id"));
        assertEquals(String.valueOf(T0.getEpochSecond()), h.get("webhook-timestamp"));
        assertTrue(WebhookSignatures.verify(h.get("webhook-id"), h.get("webhook-timestamp"), h.get("webhook-signature"),
                receiver.bodies.get(0), List.of(secrets.current(TENANT)), T0).valid());
        JsonNode body = Json.parse(new String(receiver.bodies.get(0), StandardCharsets.UTF_8));
        assertEquals("success", body.get("status").asText());
        assertEquals("req1", body.get("request_id").asText());
        assertEquals("pending", body.get("webhook").get("state").asText(), "the view at the moment of the attempt");

        assertEquals(new DeliveryRecord(DeliveryRecord.State.DELIVERED, 1, 200, T0, null), stored());
        assertEquals(JobStatus.SUCCESS, jobs.job(ID).status());
        assertEquals(T0.minusSeconds(1), jobs.job(ID).updatedAt(), "delivery never touches the job's own state");
        assertEquals("delivered", view.full(jobs.job(ID)).get("webhook").get("state").asText());
        assertEquals(0, queue.waiting());
        assertTrue(metrics.contains("WebhookAttempts[delivered]"), metrics.toString());
    }

    @Test
    void aReceiverThatFailsTwiceThenSucceedsGetsTheSameWebhookIdThreeTimesOnSchedule() {
        finished(WebhookEvent.COMPLETED);
        receiver.script.add(DeliveryOutcome.failed(503, "answered HTTP 503", null));
        receiver.script.add(DeliveryOutcome.failed(0, "did not answer within 10 s", null));

        assertEquals(WebhookDelivery.Result.RETRY_QUEUED, standard.deliver(first()));
        assertEquals(new DeliveryRecord(DeliveryRecord.State.PENDING, 1, 503, T0, "answered HTTP 503"), stored());
        assertEquals(5, queue.sent.get(0).delaySeconds(), "the schedule's 5 s (jitter at its middle)");
        assertEquals(WebhookDelivery.Result.RETRY_QUEUED, next(standard));
        assertEquals(300, queue.sent.get(1).delaySeconds(), "then 5 min");
        assertEquals(WebhookDelivery.Result.DELIVERED, next(standard));

        assertEquals(List.of("msg_req1_completed", "msg_req1_completed", "msg_req1_completed"),
                receiver.headers.stream().map(h -> h.get("webhook-id")).toList());
        List<Long> timestamps = receiver.headers.stream().map(h -> Long.parseLong(h.get("webhook-timestamp"))).toList();
        assertTrue(timestamps.get(0) < timestamps.get(1) && timestamps.get(1) < timestamps.get(2),
                "a fresh timestamp per attempt: " + timestamps);
        assertEquals(DeliveryRecord.State.DELIVERED, stored().state());
        assertEquals(3, stored().attempts());
        assertEquals(200, stored().lastStatus());
        JsonNode shown = view.full(jobs.job(ID)).get("webhook");
        assertEquals("delivered", shown.get("state").asText());
        assertEquals(3, shown.get("attempts").asInt());
        JsonNode thirdBody = Json.parse(new String(receiver.bodies.get(2), StandardCharsets.UTF_8)).get("webhook");
        assertEquals(2, thirdBody.get("attempts").asInt(), "the third body shows the state after attempt 2");
        assertEquals("pending", thirdBody.get("state").asText());
    }

    @Test
    void aWaitLongerThanOneQueueDelayHopsUntilItIsDueThenAttempts() {
        finished(WebhookEvent.COMPLETED);
        WebhookMessage later = WebhookMessage.first(ID, TENANT, WebhookEvent.COMPLETED)
                .retry(2, T0, T0.plus(Duration.ofHours(2)));

        assertEquals(WebhookDelivery.Result.HOPPED, standard.deliver(later.toJson()));
        assertEquals(new InMemoryWebhookQueue.Sent(later, 900), queue.sent.get(0));
        int hops = 1;
        while (next(standard) == WebhookDelivery.Result.HOPPED) {
            hops++;
            assertTrue(hops < 20, "bounded");
        }
        assertEquals(8, hops, "2 h in 15-minute hops");
        assertEquals(1, receiver.urls.size(), "no POST before the attempt is due");
        assertEquals(T0.plus(Duration.ofHours(2)), stored().lastAttemptAt());
        assertEquals(2, stored().attempts());
    }

    @Test
    void afterTheLastAttemptItGivesUpRecordsFailedAndKeepsTheMessageInTheDeadLetterQueue() {
        finished(WebhookEvent.COMPLETED);
        WebhookDelivery quick = delivery(RetrySchedule.fromSpec("1s,1s", () -> 0.5));
        for (int i = 0; i < 3; i++) {
            receiver.script.add(DeliveryOutcome.failed(503, "answered HTTP 503", null));
        }

        assertEquals(WebhookDelivery.Result.RETRY_QUEUED, quick.deliver(first()));
        assertEquals(WebhookDelivery.Result.RETRY_QUEUED, next(quick));
        assertEquals(WebhookDelivery.Result.GAVE_UP, next(quick));

        assertEquals(3, receiver.urls.size());
        assertEquals(DeliveryRecord.State.FAILED, stored().state());
        assertEquals(3, stored().attempts());
        assertEquals(503, stored().lastStatus());
        assertEquals("answered HTTP 503", stored().lastError());
        assertEquals(1, queue.deadLetters.size());
        WebhookMessage dead = queue.deadLetters.get(0);
        assertEquals(3, dead.attempt());
        assertEquals(T0, dead.firstAttemptAt());
        assertEquals(0, queue.waiting(), "nothing more is queued");
        assertTrue(metrics.contains("WebhooksGivenUp[completed]"), metrics.toString());
        assertEquals("failed", view.full(jobs.job(ID)).get("webhook").get("state").asText());
        assertEquals(JobStatus.SUCCESS, jobs.job(ID).status());

        assertEquals(WebhookDelivery.Result.DUPLICATE, quick.deliver(dead.toJson()), "a final state is final");
    }

    @Test
    void gone410GivesUpTheEventAtOnce() {
        finished(WebhookEvent.COMPLETED);
        receiver.script.add(DeliveryOutcome.failed(410, "answered HTTP 410", null));

        assertEquals(WebhookDelivery.Result.GAVE_UP, standard.deliver(first()));

        assertEquals(new DeliveryRecord(DeliveryRecord.State.FAILED, 1, 410, T0, "answered HTTP 410"), stored());
        assertEquals(1, queue.deadLetters.size());
        assertEquals(0, queue.waiting());
    }

    @Test
    void retryAfterLongerThanTheScheduleIsHonoured() {
        finished(WebhookEvent.COMPLETED);
        receiver.script.add(DeliveryOutcome.failed(429, "answered HTTP 429", Duration.ofSeconds(120)));

        standard.deliver(first());

        WebhookMessage retry = queue.sent.get(0).message();
        assertEquals(2, retry.attempt());
        Instant failedAt = T0.plus(receiver.took);
        assertEquals(failedAt.plusSeconds(120), retry.notBefore());
        assertEquals(120, queue.sent.get(0).delaySeconds());
    }

    @Test
    void duplicateMessagesAreDroppedByTheStoredRecord() {
        finished(WebhookEvent.COMPLETED);
        receiver.script.add(DeliveryOutcome.failed(500, "answered HTTP 500", null));

        standard.deliver(first());
        assertEquals(WebhookDelivery.Result.DUPLICATE, standard.deliver(first()), "step 5: attempt 1 was made");
        assertEquals(1, receiver.urls.size());

        next(standard); // attempt 2 succeeds
        assertEquals(WebhookDelivery.Result.DUPLICATE, standard.deliver(first()), "step 4: already delivered");
        WebhookMessage lateSecond = WebhookMessage.first(ID, TENANT, WebhookEvent.COMPLETED).retry(2, T0, null);
        assertEquals(WebhookDelivery.Result.DUPLICATE, standard.deliver(lateSecond.toJson()));
        assertEquals(2, receiver.urls.size());
        assertEquals(DeliveryRecord.State.DELIVERED, stored().state());
    }

    @Test
    void aMessageForAJobThatIsGoneOrNotItsOwnIsDroppedWithoutAPost() {
        assertEquals(WebhookDelivery.Result.NO_JOB, standard.deliver(first()), "no such job");

        finished(WebhookEvent.COMPLETED);
        assertEquals(WebhookDelivery.Result.NO_JOB,
                standard.deliver(WebhookMessage.first(ID, "tenant-b", WebhookEvent.COMPLETED).toJson()));
        assertEquals(WebhookDelivery.Result.NO_JOB,
                standard.deliver(WebhookMessage.first(ID, TENANT, WebhookEvent.START).toJson()), "not subscribed");
        jobs.put(jobs.job(ID).withWebhook(null));
        assertEquals(WebhookDelivery.Result.NO_JOB, standard.deliver(first()), "no webhook");
        finished(WebhookEvent.COMPLETED);
        clock.advance(Duration.ofDays(31));
        assertEquals(WebhookDelivery.Result.NO_JOB, standard.deliver(first()), "expired");

        assertTrue(receiver.urls.isEmpty());
        assertEquals(0, queue.sent.size());
        assertTrue(metrics.contains("WebhooksDropped"));
    }

    @Test
    void aBodyThatIsNoDeliveryMessageIsDropped() {
        assertEquals(WebhookDelivery.Result.MALFORMED, standard.deliver("{\"request_id\":\"x\"}"));
        assertEquals(WebhookDelivery.Result.MALFORMED, standard.deliver("not json"));
        assertTrue(receiver.urls.isEmpty());
    }

    @Test
    void startAndCompletedAreRecordedApart() {
        finished(WebhookEvent.START, WebhookEvent.COMPLETED);

        standard.deliver(WebhookMessage.first(ID, TENANT, WebhookEvent.START).toJson());
        assertEquals(DeliveryRecord.State.DELIVERED, jobs.job(ID).webhookStart().state());
        assertNull(stored());
        standard.deliver(first());

        assertEquals(List.of("msg_req1_start", "msg_req1_completed"),
                receiver.headers.stream().map(h -> h.get("webhook-id")).toList());
        assertEquals(DeliveryRecord.State.DELIVERED, stored().state());
    }

    @Test
    void whenTheNextAttemptCannotBeQueuedNothingIsRecordedAndTheMessageComesBack() {
        finished(WebhookEvent.COMPLETED);
        receiver.script.add(DeliveryOutcome.failed(503, "answered HTTP 503", null));
        queue.failure = new IllegalStateException("queue down");

        assertThrows(IllegalStateException.class, () -> standard.deliver(first()));

        assertNull(stored(), "the redelivered message makes attempt 1 again");
        queue.failure = null;
        assertEquals(WebhookDelivery.Result.DELIVERED, standard.deliver(first()));
        assertEquals(2, receiver.urls.size());
    }
}
