package imagejobs.status;

import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;


import imagejobs.adapters.s3.S3ObjectStore;
import imagejobs.adapters.secrets.TenantWebhookSecretsSetup;
import imagejobs.lambda.Priming;
import imagejobs.shared.auth.Authenticator;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.adapters.aws.AwsClientConfig;
import imagejobs.adapters.aws.DryRun;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.adapters.dynamo.DynamoJobStore;
import imagejobs.shared.json.Json;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.status.CursorKeySource;
import imagejobs.shared.status.JobQueries;
import imagejobs.shared.status.JobView;
import imagejobs.shared.status.ListCursors;
import imagejobs.shared.status.ModelQueries;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.webhooks.TenantWebhookSecrets;
import imagejobs.shared.webhooks.WebhookSecretQueries;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** Builds the status function's collaborators once per container. */
final class StatusWiring {
    private static final StructuredLog LOG = StructuredLog.get(StatusWiring.class);
    /** The key of no counter: the dry run never sends it. */
    private static final String PRIMING_COUNTER = "read#priming";

    private StatusWiring() {
    }

    static StatusRouter router(Environment env, Priming priming) {
        priming.preloadClasses(StatusWiring.class.getClassLoader());
        Settings settings = new Settings(env);
        AwsClientConfig aws = priming.clientConfig(env);
        String keysTable = settings.keysTable();
        Supplier<DynamoDbClient> dynamoClient = priming.dynamoDb(aws, keysTable,
                client -> dryRunReadCounter(client, keysTable));
        Supplier<ModelQueries> models = priming.build("catalog", () -> new ModelQueries(ModelCatalog.load()),
                queries -> Json.write(Json.object().put("priming", true))); // the response writer's code
        // Presigned URLs for outputs/, and reads of next_turn_contents spilled under conversations/; each waited for
        // on first use only (a finished job's poll needs the presigner; few need the client).
        Supplier<S3Presigner> presigner = priming.s3Presigner(aws, settings, "outputs/", settings.presignTtl());
        Supplier<S3Client> s3 = priming.s3(aws, settings, "conversations/", null);
        CursorKeySource cursorKey = CursorKeySource.from(settings, id -> secretString(aws, id));
        if (cursorKey.origin() == CursorKeySource.Origin.DERIVED) {
            LOG.warn("neither CURSOR_SECRET nor CURSOR_SECRET_ID is set: list cursors are signed with a key derived"
                    + " from the jobs table name");
        }
        DynamoDbClient dynamo = dynamoClient.get();
        ObjectStore store = new S3ObjectStore(s3, presigner, settings.imagesBucket());
        JobView view = new JobView(store.bucket(), key -> store.presignGet(key, settings.presignTtl()),
                JobView.spilledConversations(store));
        // The sealing key is read from Secrets Manager on the route's first call, never during init (SnapStart).
        TenantWebhookSecrets webhookSecrets = TenantWebhookSecretsSetup.create(env, dynamo,
                aws, Clock.systemUTC());
        return new StatusRouter(
                new Authenticator(new DynamoKeyStore(dynamo, keysTable)),
                new JobQueries(new DynamoJobStore(dynamo, settings.jobsTable()), view,
                        new ListCursors(cursorKey), Clock.systemUTC()),
                models.get(), new WebhookSecretQueries(webhookSecrets), settings.readRatePerMinute(),
                Clock.systemUTC());
    }

    /**
     * Every request's second call, the read counter's conditional update (DynamoKeyStore.tryAcquire), run up to the
     * point of sending and stopped there: priming without writing a counter.
     */
    private static void dryRunReadCounter(DynamoDbClient dynamo, String keysTable) {
        DryRun.call(dynamo, () -> dynamo.updateItem(r -> r.tableName(keysTable)
                .key(Map.of(DynamoKeyStore.KEY_HASH, AttributeValue.fromS(PRIMING_COUNTER)))
                .updateExpression("ADD " + DynamoKeyStore.HITS + " :one SET " + DynamoKeyStore.EXPIRES_AT + " = :expires")
                .conditionExpression("attribute_not_exists(" + DynamoKeyStore.HITS + ") OR " + DynamoKeyStore.HITS
                        + " < :limit")
                .expressionAttributeValues(Map.of(":one", AttributeValue.fromN("1"), ":limit", AttributeValue.fromN("1"),
                        ":expires", AttributeValue.fromN("0")))
                .overrideConfiguration(DryRun::request)));
    }


    /**
     * A secret's string, read when the first cursor needs the key (not during init, so a SnapStart snapshot never
     * holds it). The client lives for this one call: one read per container.
     */
    private static String secretString(AwsClientConfig aws, String secretId) {
        try (SecretsManagerClient secrets = aws.configure(SecretsManagerClient.builder(), "SECRETS_MANAGER").build()) {
            return secrets.getSecretValue(r -> r.secretId(secretId)).secretString().trim();
        }
    }

}
