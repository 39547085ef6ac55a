package imagejobs.it.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import imagejobs.local.emulators.ElasticMqEmulator;
import imagejobs.local.emulators.LocalCredentials;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * What ElasticMQ (the local SQS) does with {@code MessageGroupId} on a standard queue, which the design relies on
 * knowing: it accepts it and hands it back, but it does not reorder for fairness as SQS fair queues do (it delivers
 * in the order messages became visible). So the service may set the tenant as MessageGroupId for AWS's fair queues,
 * but its own fairness must not depend on it.
 */
class ElasticMqMessageGroupTest {
    private static ElasticMqEmulator sqs;
    private static SqsClient client;

    @BeforeAll
    static void start() {
        sqs = ElasticMqEmulator.start(0, "us-east-1", "000000000000", null);
        client = SqsClient.builder().endpointOverride(sqs.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(LocalCredentials.provider())
                .httpClient(UrlConnectionHttpClient.builder().build()).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (sqs != null) {
            sqs.close();
        }
    }

    @Test
    void aStandardQueueTakesMessageGroupIdsButDeliversInOrderWithoutFairness() {
        String queue = client.createQueue(r -> r.queueName("fairness-probe")).queueUrl();
        for (int i = 0; i < 6; i++) {
            int n = i;
            client.sendMessage(r -> r.queueUrl(queue).messageBody("a-" + n).messageGroupId("tenant-a"));
        }
        client.sendMessage(r -> r.queueUrl(queue).messageBody("b-0").messageGroupId("tenant-b"));

        List<Message> received = new ArrayList<>();
        for (int attempt = 0; attempt < 20 && received.size() < 7; attempt++) {
            received.addAll(client.receiveMessage(r -> r.queueUrl(queue).maxNumberOfMessages(10).waitTimeSeconds(1)
                    .messageSystemAttributeNames(MessageSystemAttributeName.MESSAGE_GROUP_ID)).messages());
        }

        assertEquals(List.of("a-0", "a-1", "a-2", "a-3", "a-4", "a-5", "b-0"),
                received.stream().map(Message::body).toList(), "tenant b's message is not moved ahead");
        assertEquals(Map.of(MessageSystemAttributeName.MESSAGE_GROUP_ID, "tenant-b"),
                received.get(6).attributes());
    }
}
