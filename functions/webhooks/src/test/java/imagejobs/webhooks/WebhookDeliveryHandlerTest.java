package imagejobs.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;

import imagejobs.shared.jobs.Job;
import imagejobs.shared.json.Json;
import imagejobs.shared.log.Metrics;
import imagejobs.shared.status.JobView;
import imagejobs.shared.webhooks.DeliveryOutcome;
import imagejobs.shared.webhooks.DeliveryRecord;
import imagejobs.shared.webhooks.RetrySchedule;
import imagejobs.shared.webhooks.SecretSealer;
import imagejobs.shared.webhooks.TenantWebhookSecrets;
import imagejobs.shared.webhooks.WebhookDelivery;
import imagejobs.shared.webhooks.WebhookEvent;
import imagejobs.shared.webhooks.WebhookSecret;
import imagejobs.shared.webhooks.WebhookSender;
import imagejobs.shared.webhooks.WebhookSubscription;
import imagejobs.testing.InMemoryJobStore;
import imagejobs.testing.InMemoryWebhookQueue;
import imagejobs.testing.InMemoryWebhookSecretStore;
import imagejobs.testing.MutableClock;

/**
 * The delivery handler over the sample SQS event: a due message is delivered, an early one hops, a poison one is
 * dropped, and a message whose job read throws is the only one sent back.
 */
class WebhookDeliveryHandlerTest {
    private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");

    private static final SecretSealer PLAIN = new SecretSealer() {
        @Override
        public String seal(String tenant, WebhookSecret secret) {
            return Base64.getEncoder().encodeToString(secret.key());
        }

        @Override
        public WebhookSecret open(String tenant, String sealed) {
            return WebhookSecret.ofKey(Base64.getDecoder().decode(sealed));
        }
    };

    @Test
    void eachMessageIsHandledOnItsOwnAndOnlyTheOneThatThrewComesBack() {
        MutableClock clock = new MutableClock(T0);
        InMemoryJobStore jobs = new InMemoryJobStore() {
            @Override
            public Optional<Job> get(String requestId) {
                if (requestId.equals(StreamRecordsTest.C)) {
                    throw new IllegalStateException("the jobs table (DynamoDB) is unavailable");
                }
                return super.get(requestId);
            }
        };
        jobs.put(Job.queued(StreamRecordsTest.A, "tenant-a", "gemini-2.5-flash-image", Job.SOURCE_API, null, "{}",
                null, "h", T0.minusSeconds(30), T0.plus(Duration.ofDays(30)))
                .withWebhook(WebhookSubscription.of(StreamRecordsTest.HOOK, EnumSet.of(WebhookEvent.COMPLETED))));
        jobs.claim(StreamRecordsTest.A, T0.minusSeconds(20), T0.plusSeconds(300));
        jobs.complete(StreamRecordsTest.A, 1, Json.object(), 0, T0.minusSeconds(1));
        List<String> posted = Collections.synchronizedList(new ArrayList<>());
        WebhookSender receiver = (url, headers, body) -> {
            posted.add(headers.get("webhook-id") + " " + url);
            return DeliveryOutcome.delivered(204);
        };
        InMemoryWebhookQueue queue = new InMemoryWebhookQueue();
        WebhookDelivery delivery = new WebhookDelivery(new WebhookDelivery.Ports(jobs,
                new JobView("bucket", null, null)::full,
                new TenantWebhookSecrets(new InMemoryWebhookSecretStore(), PLAIN, new SecureRandom(), clock),
                receiver, queue, RetrySchedule.standard(() -> 0.5), clock, Metrics.NONE));
        SQSEvent event = EventLoader.loadSQSEvent(Path.of("../../events/webhook-delivery-sqs.json").toAbsolutePath()
                .normalize().toString());

        SQSBatchResponse response = new WebhookDeliveryHandler(delivery).handleRequest(event, null);

        assertEquals(List.of("4b1a0e8f-6b1f-4c2e-9a7d-0c3e5f7a9b1d"), response.getBatchItemFailures().stream()
                .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList());
        assertEquals(List.of("msg_" + StreamRecordsTest.A + "_completed " + StreamRecordsTest.HOOK), posted);
        assertEquals(DeliveryRecord.State.DELIVERED, jobs.job(StreamRecordsTest.A).webhookCompleted().state());
        assertEquals(1, queue.sent.size(), "the early message hopped");
        assertEquals(StreamRecordsTest.D, queue.sent.get(0).message().requestId());
        assertEquals(900, queue.sent.get(0).delaySeconds(), "not due for decades: one 15-minute hop at a time");
    }

    @Test
    void anEmptyEventIsAnEmptyResponse() {
        WebhookDeliveryHandler handler = new WebhookDeliveryHandler((WebhookDelivery) null);
        assertEquals(0, handler.handleRequest(new SQSEvent(), null).getBatchItemFailures().size());
    }
}
