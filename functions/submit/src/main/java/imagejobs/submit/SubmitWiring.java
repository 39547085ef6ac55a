package imagejobs.submit;

import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;


import imagejobs.adapters.s3.S3ObjectStore;
import imagejobs.lambda.Priming;
import imagejobs.shared.auth.Authenticator;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.adapters.aws.AwsClientConfig;
import imagejobs.adapters.aws.DryRun;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.adapters.dynamo.DynamoJobStore;
import imagejobs.adapters.dynamo.JobItemMapper;
import imagejobs.shared.json.Json;
import imagejobs.adapters.sqs.SqsJobQueue;
import imagejobs.shared.status.JobView;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.submit.InputSpiller;
import imagejobs.shared.submit.JobIntake;
import imagejobs.shared.submit.SubmitService;
import imagejobs.shared.submit.SubmitWait;
import imagejobs.shared.validation.ImageReferences;
import imagejobs.shared.validation.RequestValidator;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Builds the submit function's collaborators once per container: explicit clients, no discovery. With priming on
 * (see {@link Priming}), the HTTP client, the two SDK clients and the validator (catalog and JSON) are built on
 * their own threads, each then warming the path the first request takes through it.
 */
final class SubmitWiring {
    /** A request every model accepts; validating it loads the validator's and the JSON parser's code. */
    private static final String PRIMING_BODY = "{\"model\":\"gemini-2.5-flash-image\",\"payload\":{\"prompt\":\"a cat\","
            + "\"aspect_ratio\":\"1:1\",\"image_size\":\"1K\"}}";

    /** Names no table item or queue has: what a dry run would touch if it were ever sent. */
    private static final String PRIMING_SUFFIX = "-imagejobs-priming-dry-run";

    private SubmitWiring() {
    }

    /**
     * The writes a submit makes (the rate counter's update, the job's transactional create, its plain put), as dry
     * runs: marshalled and signed, never sent. Each would also fail its condition if it were.
     */
    private static void dryRunWrites(DynamoDbClient dynamo, String keysTable, String jobsTable) {
        Map<String, AttributeValue> key = Map.of(JobItemMapper.REQUEST_ID, AttributeValue.fromS(PRIMING_SUFFIX));
        String mustExist = "attribute_exists(" + JobItemMapper.REQUEST_ID + ")";
        DryRun.call(dynamo, () -> dynamo.updateItem(r -> r.tableName(keysTable)
                .key(Map.of(DynamoKeyStore.KEY_HASH, AttributeValue.fromS(PRIMING_SUFFIX)))
                .updateExpression("ADD " + DynamoKeyStore.HITS + " :one")
                .conditionExpression("attribute_exists(" + DynamoKeyStore.KEY_HASH + ")")
                .expressionAttributeValues(Map.of(":one", AttributeValue.fromN("1")))
                .overrideConfiguration(DryRun::request)));
        DryRun.call(dynamo, () -> dynamo.transactWriteItems(r -> r.transactItems(TransactWriteItem.builder()
                        .put(Put.builder().tableName(jobsTable).item(key).conditionExpression(mustExist).build())
                        .build())
                .overrideConfiguration(DryRun::request)));
        DryRun.call(dynamo, () -> dynamo.putItem(r -> r.tableName(jobsTable).item(key).conditionExpression(mustExist)
                .overrideConfiguration(DryRun::request)));
    }

    /** The submit and, for {@code Prefer: wait}, what watches its job. */
    record Wired(SubmitService service, SubmitWait submitWait) {
    }

    static Wired wire(Environment env, Priming priming) {
        priming.preloadClasses(SubmitWiring.class.getClassLoader());
        Settings settings = new Settings(env);
        AwsClientConfig aws = priming.clientConfig(env);
        String queueUrl = settings.jobsQueueUrl();
        String keysTable = settings.keysTable();
        String jobsTable = settings.jobsTable();
        Supplier<DynamoDbClient> dynamo = priming.dynamoDb(aws, keysTable,
                client -> dryRunWrites(client, keysTable, jobsTable));
        Supplier<SqsClient> sqs = priming.build("sqs", () -> aws.configure(SqsClient.builder(), "SQS").build(),
                client -> {
                    client.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN));
                    // A queue that does not exist, should a dry run ever fail to stop before sending.
                    DryRun.call(client, () -> client.sendMessage(r -> r.queueUrl(queueUrl + PRIMING_SUFFIX)
                            .messageBody("{}").overrideConfiguration(DryRun::request)));
                });
        // S3 for inputs too large for the job item (spilled under inputs/), and for a spilled next_turn_contents read
        // back when Prefer: wait answers a finished job: waited for on first use only.
        Supplier<S3Client> s3 = priming.s3(aws, settings, null, "inputs/");
        String bucket = settings.imagesBucket();
        boolean loopback = settings.allowLoopbackReferences();
        Supplier<RequestValidator> validator = priming.build("validation",
                () -> new RequestValidator(ModelCatalog.load(), new ImageReferences(bucket, loopback)),
                v -> Json.write(v.validateRequestQueue(Json.parse(PRIMING_BODY), "priming").gemini()));
        // Prefer: wait answers a finished job as GET /v1/requests/{id} does: presigned URLs for outputs/, and a
        // next_turn_contents spilled under conversations/ read back. The presigner is waited for on first use only.
        Supplier<S3Presigner> presigner = priming.s3Presigner(aws, settings, "outputs/", settings.presignTtl());
        Clock clock = Clock.systemUTC();
        ObjectStore store = new S3ObjectStore(s3, presigner, bucket);
        DynamoJobStore jobs = new DynamoJobStore(dynamo.get(), jobsTable);
        JobIntake intake = new JobIntake(new InputSpiller(store), jobs, new SqsJobQueue(sqs.get(), queueUrl),
                settings, clock);
        SubmitService service = new SubmitService(
                new Authenticator(new DynamoKeyStore(dynamo.get(), keysTable)),
                validator.get(),
                intake,
                new JobView(bucket, null, null),
                settings,
                clock);
        JobView finished = new JobView(bucket, key -> store.presignGet(key, settings.presignTtl()),
                JobView.spilledConversations(store));
        return new Wired(service, new SubmitWait(jobs, finished, settings.apiSyncWaitSeconds(), clock,
                pause -> Thread.sleep(pause.toMillis())));
    }

}
