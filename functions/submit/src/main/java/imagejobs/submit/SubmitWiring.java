package imagejobs.submit;

import java.time.Clock;

import imagejobs.shared.auth.Authenticator;
import imagejobs.shared.auth.DynamoKeyStore;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.config.AwsClientConfig;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.jobs.DynamoJobStore;
import imagejobs.shared.queue.SqsJobQueue;
import imagejobs.shared.status.JobView;
import imagejobs.shared.storage.S3RestObjectStore;
import imagejobs.shared.submit.InputSpiller;
import imagejobs.shared.submit.SubmitService;
import imagejobs.shared.validation.ImageReferences;
import imagejobs.shared.validation.RequestValidator;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Builds the submit function's collaborators once per container: explicit clients, no discovery. */
final class SubmitWiring {
    private SubmitWiring() {
    }

    static SubmitService service(Environment env) {
        Settings settings = new Settings(env);
        AwsClientConfig aws = new AwsClientConfig(env);
        DynamoDbClient dynamo = aws.configure(DynamoDbClient.builder(), "DYNAMODB").build();
        SqsClient sqs = aws.configure(SqsClient.builder(), "SQS").build();
        S3RestObjectStore store = S3RestObjectStore.create(aws, settings);
        return new SubmitService(
                new Authenticator(new DynamoKeyStore(dynamo, settings.keysTable())),
                new RequestValidator(ModelCatalog.load(),
                        new ImageReferences(store.bucket(), settings.allowLoopbackReferences())),
                new InputSpiller(store),
                new DynamoJobStore(dynamo, settings.jobsTable()),
                new SqsJobQueue(sqs, settings.jobsQueueUrl()),
                new JobView(store.bucket(), null, null),
                settings,
                Clock.systemUTC());
    }
}
