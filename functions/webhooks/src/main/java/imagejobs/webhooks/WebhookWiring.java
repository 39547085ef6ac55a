package imagejobs.webhooks;

import java.security.SecureRandom;
import java.time.Clock;


import imagejobs.adapters.aws.AwsClientConfig;
import imagejobs.adapters.dynamo.DynamoJobStore;
import imagejobs.adapters.http.SafeWebhookSender;
import imagejobs.adapters.metrics.EmfMetrics;
import imagejobs.adapters.s3.S3ObjectStore;
import imagejobs.adapters.secrets.TenantWebhookSecretsSetup;
import imagejobs.adapters.sqs.SqsWebhookQueue;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.status.JobView;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.webhooks.WebhookDelivery;
import imagejobs.shared.webhooks.WebhookDispatch;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Builds the webhook functions' collaborators once per container. */
final class WebhookWiring {
    private static final StructuredLog LOG = StructuredLog.get(WebhookWiring.class);

    private WebhookWiring() {
    }

    /** The stream consumer: the delivery queue only (it sends first attempts; it never gives up). */
    static WebhookDispatch dispatch(Environment env) {
        Settings settings = new Settings(env);
        AwsClientConfig aws = new AwsClientConfig(env);
        SqsClient sqs = aws.configure(SqsClient.builder(), "SQS").build();
        return new WebhookDispatch(new SqsWebhookQueue(sqs, settings.webhookDeliveryQueueUrl(), null),
                new EmfMetrics(env.optional("AWS_LAMBDA_FUNCTION_NAME").orElse("WebhookDispatchFunction")));
    }

    /**
     * The delivery: the jobs table (the job, its delivery state), the job view with presigned URLs (what GET
     * answers), the tenants' secrets (sealing key read on first use, never during init), the safe sender, both queues.
     */
    static WebhookDelivery delivery(Environment env) {
        Settings settings = new Settings(env);
        AwsClientConfig aws = new AwsClientConfig(env);
        DynamoDbClient dynamo = aws.configure(DynamoDbClient.builder(), "DYNAMODB").build();
        SqsClient sqs = aws.configure(SqsClient.builder(), "SQS").build();
        ObjectStore store = S3ObjectStore.create(aws, settings);
        JobView view = new JobView(store.bucket(), key -> store.presignGet(key, settings.presignTtl()),
                JobView.spilledConversations(store));
        if (settings.webhookTestRetryWaitsIgnored()) {
            LOG.warn(Settings.WEBHOOK_TEST_RETRY_WAITS + " is ignored without " + Settings.ALLOW_LOOPBACK_REFERENCES
                    + ": the standard retry schedule applies");
        }
        SecureRandom random = new SecureRandom();
        return new WebhookDelivery(new WebhookDelivery.Ports(
                new DynamoJobStore(dynamo, settings.jobsTable()), view::full,
                TenantWebhookSecretsSetup.create(env, dynamo, aws, Clock.systemUTC()),
                SafeWebhookSender.standard(settings.allowLoopbackReferences()),
                new SqsWebhookQueue(sqs, settings.webhookDeliveryQueueUrl(), settings.webhookDeadLetterQueueUrl()),
                settings.webhookRetrySchedule(random::nextDouble), Clock.systemUTC(),
                new EmfMetrics(env.optional("AWS_LAMBDA_FUNCTION_NAME").orElse("WebhookDeliveryFunction"))));
    }


}
