package imagejobs.worker;

import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

import imagejobs.adapters.http.SafeUrlFetcher;
import imagejobs.adapters.metrics.EmfMetrics;
import imagejobs.adapters.s3.S3ObjectStore;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.adapters.aws.AwsClientConfig;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.gemini.ApiKeySource;
import imagejobs.shared.gemini.GeminiClient;
import imagejobs.adapters.dynamo.DynamoGateStore;
import imagejobs.adapters.dynamo.DynamoJobStore;
import imagejobs.shared.limits.PacedUpstreamGate;
import imagejobs.shared.limits.UpstreamGate;
import imagejobs.shared.jobs.JobStore;
import imagejobs.adapters.sqs.SqsJobQueue;
import imagejobs.shared.worker.Backoff;
import imagejobs.shared.worker.JobProcessor;
import imagejobs.shared.worker.WorkerPolicy;
import imagejobs.shared.worker.WorkerPorts;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import imagejobs.adapters.gemini.HttpGeminiClient;

/** Builds the worker's collaborators once per container. */
final class WorkerWiring {
    private WorkerWiring() {
    }

    static JobProcessor processor(Environment env) {
        Settings settings = new Settings(env);
        AwsClientConfig aws = new AwsClientConfig(env);
        DynamoDbClient dynamo = aws.configure(DynamoDbClient.builder(), "DYNAMODB").build();
        SqsClient sqs = aws.configure(SqsClient.builder(), "SQS").build();
        // 4K images each way: longer S3 timeouts than the API functions need (still far below the 300 s).
        S3ObjectStore store = new S3ObjectStore(S3ObjectStore.client(aws, settings, AwsClientConfig.LARGE_OBJECTS),
                null, settings.imagesBucket());
        ApiKeySource key = new ApiKeySource(env.optional(Settings.GEMINI_API_KEY).orElse(null),
                env.optional(Settings.GEMINI_API_KEY_SECRET_ID).map(id -> secretFetcher(aws, id)).orElse(null));
        GeminiClient gemini = new HttpGeminiClient(HttpGeminiClient.defaultHttpClient(), settings.geminiBaseUrl(),
                settings.geminiAuthStyle(), key);
        ModelCatalog catalog = ModelCatalog.load();
        // A bad GEMINI_LIMITS fails the cold start (ConfigurationException), not every job.
        UpstreamGate upstream = new PacedUpstreamGate(new DynamoGateStore(dynamo, settings.limitsTable()),
                settings.upstreamLimits(upstreamModels(catalog)));
        WorkerPorts ports = new WorkerPorts(new DynamoJobStore(dynamo, settings.jobsTable()), store,
                new SqsJobQueue(sqs, settings.jobsQueueUrl()), gemini,
                SafeUrlFetcher.standard(settings.allowLoopbackReferences()), catalog,
                new EmfMetrics(env.optional("AWS_LAMBDA_FUNCTION_NAME").orElse("WorkerFunction")), Clock.systemUTC())
                .withUpstream(upstream);
        return new JobProcessor(ports, new WorkerPolicy(settings.maxAttempts(), lease(settings),
                new Backoff(settings.retryBase(), Backoff.DEFAULT_CAP), settings.maxQueue()));
    }

    /** The ids GEMINI_LIMITS may name: the catalog's upstream models and its public ids (equal today). */
    static Set<String> upstreamModels(ModelCatalog catalog) {
        Set<String> ids = new TreeSet<>();
        catalog.all().forEach(spec -> {
            ids.add(spec.id());
            ids.add(spec.upstreamModel());
        });
        return ids;
    }

    /**
     * Longer than the function can run (WORKER_TIMEOUT_SECONDS mirrors the template's Timeout), so a live lease
     * always means its holder may still be at work.
     */
    static Duration lease(Settings settings) {
        return settings.workerTimeout().plus(Duration.ofSeconds(60));
    }

    static JobStore jobStore(Environment env) {
        Settings settings = new Settings(env);
        AwsClientConfig aws = new AwsClientConfig(env);
        return new DynamoJobStore(aws.configure(DynamoDbClient.builder(), "DYNAMODB").build(), settings.jobsTable());
    }

    /** Built on first use only: with GEMINI_API_KEY set (local runs) Secrets Manager is never touched. */
    private static java.util.function.Supplier<String> secretFetcher(AwsClientConfig aws, String secretId) {
        return () -> {
            try (SecretsManagerClient secrets = aws.configure(SecretsManagerClient.builder(), "SECRETS_MANAGER").build()) {
                return secrets.getSecretValue(r -> r.secretId(secretId)).secretString().trim();
            }
        };
    }
}
