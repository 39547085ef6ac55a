package imagejobs.it.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import imagejobs.adapters.aws.AwsClientConfig;
import imagejobs.adapters.dynamo.DynamoBatchStore;
import imagejobs.adapters.dynamo.DynamoJobStore;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.adapters.dynamo.DynamoWebhookSecretStore;
import imagejobs.adapters.s3.S3ObjectStore;
import imagejobs.adapters.sqs.SqsJobQueue;
import imagejobs.adapters.sqs.SqsWebhookQueue;
import imagejobs.local.LocalStack;
import imagejobs.local.LocalStackConfig;
import imagejobs.local.TestPaths;
import imagejobs.local.emulators.LocalCredentials;
import imagejobs.shared.auth.KeyStore;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.google.BatchStore;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.queue.JobMessage;
import imagejobs.shared.queue.JobQueue;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.webhooks.WebhookMessage;
import imagejobs.shared.webhooks.WebhookQueue;
import imagejobs.shared.webhooks.WebhookSecretStore;
import imagejobs.testing.BatchStoreContract;
import imagejobs.testing.InMemoryJobQueue.Received;
import imagejobs.testing.JobQueueContract;
import imagejobs.testing.JobStoreContract;
import imagejobs.testing.KeyStoreContract;
import imagejobs.testing.ObjectStoreContract;
import imagejobs.testing.WebhookQueueContract;
import imagejobs.testing.WebhookSecretStoreContract;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The real adapters against the contracts the in-memory fakes pass (shared/test-fixtures): DynamoJobStore,
 * DynamoKeyStore, DynamoWebhookSecretStore and DynamoBatchStore on DynamoDB Local, S3ObjectStore on S3Proxy, SqsJobQueue and SqsWebhookQueue on ElasticMQ, with the tables, bucket and
 * settings the local stack gives a function. A rule that fails here and passes there is a drifted fake (or an
 * adapter bug).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class AdapterContractsIntegrationTest {
    private static LocalStack stack;

    @BeforeAll
    static void start() {
        stack = LocalStack.start(LocalStackConfig.builder(TestPaths.root()).startFunctions(false)
                .out(new PrintStream(OutputStream.nullOutputStream())).build());
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Nested
    class DynamoJobStoreContract extends JobStoreContract {
        @Override
        protected JobStore createStore() {
            return new DynamoJobStore(stack.dynamoDb(), stack.tableName("JobsTable"));
        }
    }

    @Nested
    class DynamoKeyStoreContract extends KeyStoreContract {
        @Override
        protected KeyStore createStore() {
            return new DynamoKeyStore(stack.dynamoDb(), stack.tableName("KeysTable"));
        }
    }

    @Nested
    class DynamoWebhookSecretStoreContract extends WebhookSecretStoreContract {
        @Override
        protected WebhookSecretStore createStore() {
            return new DynamoWebhookSecretStore(stack.dynamoDb(), stack.tableName("WebhookSecretsTable"));
        }
    }

    @Nested
    class DynamoBatchStoreContract extends BatchStoreContract {
        @Override
        protected BatchStore createStore() {
            return new DynamoBatchStore(stack.dynamoDb(), stack.tableName("BatchesTable"));
        }
    }

    @Nested
    class S3ObjectStoreContract extends ObjectStoreContract {
        /** What the local stack gives a function: endpoint, path style, the SDK's checksum settings for S3Proxy. */
        @Override
        protected ObjectStore createStore() {
            Environment environment = new Environment(Map.of(
                    "AWS_REGION", stack.context().region(),
                    "AWS_ACCESS_KEY_ID", LocalCredentials.ACCESS_KEY_ID,
                    "AWS_SECRET_ACCESS_KEY", LocalCredentials.SECRET_ACCESS_KEY,
                    "AWS_ENDPOINT_URL_S3", stack.s3Endpoint().toString(),
                    "S3_FORCE_PATH_STYLE", "true",
                    "AWS_REQUEST_CHECKSUM_CALCULATION", "WHEN_REQUIRED",
                    "AWS_RESPONSE_CHECKSUM_VALIDATION", "WHEN_REQUIRED",
                    "IMAGES_BUCKET", stack.bucketName("ImagesBucket")));
            return S3ObjectStore.create(new AwsClientConfig(environment), new Settings(environment));
        }
    }

    @Nested
    class SqsJobQueueContract extends JobQueueContract {
        private String queueUrl;

        /** A queue of its own per test, with SQS's default 30-second visibility timeout. */
        @Override
        protected JobQueue createQueue() {
            queueUrl = stack.sqs().createQueue(r -> r.queueName("contract-" + UUID.randomUUID())
                    .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "30"))).queueUrl();
            return new SqsJobQueue(stack.sqs(), queueUrl);
        }

        @Override
        protected List<Received> receive(JobQueue queue, int max) {
            return stack.sqs().receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(max).waitTimeSeconds(0))
                    .messages().stream().map(m -> new Received(m.body(), m.receiptHandle())).toList();
        }

        @Test
        void theTenantTravelsAsTheMessageGroupOfFirstSendsAndReSends() {
            JobQueue queue = createQueue();
            queue.send("job-1", "tenant-a");
            queue.sendDelayed("job-2", "token-2", 0, "tenant-b");
            Map<String, String> groups = new java.util.HashMap<>();
            stack.sqs().receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(0)
                    .messageSystemAttributeNames(MessageSystemAttributeName.MESSAGE_GROUP_ID)).messages()
                    .forEach(m -> groups.put(JobMessage.requestId(m.body()).orElseThrow(),
                            m.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID)));
            assertEquals(Map.of("job-1", "tenant-a", "job-2", "tenant-b"), groups);
        }
    }

    @Nested
    class SqsWebhookQueueContract extends WebhookQueueContract {
        private String queueUrl;
        private String deadLetterUrl;

        /** A delivery queue and a dead-letter queue of their own per test. */
        @Override
        protected WebhookQueue createQueue() {
            queueUrl = stack.sqs().createQueue(r -> r.queueName("webhooks-" + UUID.randomUUID())).queueUrl();
            deadLetterUrl = stack.sqs().createQueue(r -> r.queueName("webhooks-dlq-" + UUID.randomUUID())).queueUrl();
            return new SqsWebhookQueue(stack.sqs(), queueUrl, deadLetterUrl);
        }

        @Override
        protected List<WebhookMessage> received(int expected) {
            return drain(queueUrl, expected);
        }

        @Override
        protected List<WebhookMessage> deadLettered(int expected) {
            return drain(deadLetterUrl, expected);
        }

        /** Receives (and deletes) until {@code expected} came or, at most, 10 polls of up to 1 s found no more. */
        private List<WebhookMessage> drain(String url, int expected) {
            List<WebhookMessage> got = new java.util.ArrayList<>();
            for (int polls = 0; polls < 10 && (got.size() < expected || polls == 0); polls++) {
                var messages = stack.sqs().receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10)
                        .waitTimeSeconds(expected == 0 ? 0 : 1)).messages();
                for (var m : messages) {
                    got.add(WebhookMessage.fromJson(m.body()).orElseThrow());
                    stack.sqs().deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()));
                }
            }
            return got;
        }
    }
}
