package imagejobs.it.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import imagejobs.adapters.sqs.SqsWebhookQueue;
import imagejobs.local.emulators.ElasticMqEmulator;
import imagejobs.local.emulators.LocalCredentials;
import imagejobs.shared.errors.DependencyFailure;
import imagejobs.shared.webhooks.WebhookEvent;
import imagejobs.shared.webhooks.WebhookMessage;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * SqsWebhookQueue on ElasticMQ (the local SQS), beyond the contract it shares with the fake
 * (AdapterContractsIntegrationTest): DelaySeconds really delays, and a queue that is not there is a dependency failure.
 */
class SqsWebhookQueueIntegrationTest {
    private static ElasticMqEmulator emulator;
    private static SqsClient sqs;

    @BeforeAll
    static void start() {
        emulator = ElasticMqEmulator.start(0, "us-east-1", "000000000000", null);
        sqs = SqsClient.builder().endpointOverride(emulator.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(LocalCredentials.provider())
                .httpClient(UrlConnectionHttpClient.builder().build()).build();
    }

    @AfterAll
    static void stop() {
        if (sqs != null) {
            sqs.close();
        }
        if (emulator != null) {
            emulator.close();
        }
    }

    private static String queue() {
        return sqs.createQueue(r -> r.queueName("webhooks-" + UUID.randomUUID())).queueUrl();
    }

    /** Receives until {@code expected} messages came or 20 empty long polls of 1 s passed. */
    private static List<Message> receive(String url, int expected) {
        List<Message> got = new ArrayList<>();
        for (int polls = 0; polls < 20 && got.size() < expected; polls++) {
            got.addAll(sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1))
                    .messages());
        }
        return got;
    }

    @Test
    void aDelayedRetryArrivesAfterItsDelayWithItsAttemptAndDueTime() {
        String url = queue();
        WebhookMessage retry = WebhookMessage.first("job1", "tenant-a", WebhookEvent.COMPLETED)
                .retry(2, Instant.parse("2026-12-04T10:00:00Z"), Instant.parse("2026-12-04T10:00:05Z"));

        new SqsWebhookQueue(sqs, url, url).send(retry, 2);

        assertTrue(sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10)).messages().isEmpty(),
                "invisible during its DelaySeconds");
        List<Message> got = receive(url, 1);
        assertEquals(1, got.size());
        assertEquals(retry, WebhookMessage.fromJson(got.get(0).body()).orElseThrow());
    }

    @Test
    void aQueueThatDoesNotExistIsADependencyFailure() {
        String missing = emulator.endpoint() + "/000000000000/no-such-queue";
        SqsWebhookQueue queue = new SqsWebhookQueue(sqs, missing, missing);
        WebhookMessage message = WebhookMessage.first("job1", "tenant-a", WebhookEvent.COMPLETED);

        assertThrows(DependencyFailure.class, () -> queue.sendAll(List.of(message)));
        assertThrows(DependencyFailure.class, () -> queue.send(message, 0));
    }
}
