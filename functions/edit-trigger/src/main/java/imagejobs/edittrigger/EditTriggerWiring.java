package imagejobs.edittrigger;

import java.time.Clock;

import imagejobs.adapters.metrics.EmfMetrics;
import imagejobs.adapters.s3.S3ObjectStore;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.adapters.aws.AwsClientConfig;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.edits.EditTrigger;
import imagejobs.adapters.dynamo.DynamoJobStore;
import imagejobs.adapters.sqs.SqsJobQueue;
import imagejobs.shared.submit.InputSpiller;
import imagejobs.shared.submit.JobIntake;
import imagejobs.shared.validation.ImageReferences;
import imagejobs.shared.validation.RequestValidator;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Builds the edit trigger's collaborators once per container: explicit clients, no discovery. */
final class EditTriggerWiring {
    private EditTriggerWiring() {
    }

    static EditTrigger trigger(Environment env) {
        Settings settings = new Settings(env);
        AwsClientConfig aws = new AwsClientConfig(env);
        DynamoDbClient dynamo = aws.configure(DynamoDbClient.builder(), "DYNAMODB").build();
        SqsClient sqs = aws.configure(SqsClient.builder(), "SQS").build();
        S3ObjectStore store = new S3ObjectStore(S3ObjectStore.client(aws, settings, AwsClientConfig.OBJECTS), null,
                settings.imagesBucket());
        DynamoJobStore jobs = new DynamoJobStore(dynamo, settings.jobsTable());
        Clock clock = Clock.systemUTC();
        return new EditTrigger(
                new DynamoKeyStore(dynamo, settings.keysTable()),
                new RequestValidator(ModelCatalog.load(),
                        new ImageReferences(store.bucket(), settings.allowLoopbackReferences())),
                store,
                new JobIntake(new InputSpiller(store), jobs, new SqsJobQueue(sqs, settings.jobsQueueUrl()), settings,
                        clock),
                jobs,
                settings,
                new EmfMetrics(env.optional("AWS_LAMBDA_FUNCTION_NAME").orElse("EditTriggerFunction")),
                clock,
                EditTrigger.Sleeper.THREAD);
    }
}
