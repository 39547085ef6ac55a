package imagejobs.google;

import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;


import imagejobs.adapters.aws.AwsClientConfig;
import imagejobs.adapters.dynamo.DynamoBatchStore;
import imagejobs.adapters.dynamo.DynamoGateStore;
import imagejobs.adapters.dynamo.DynamoJobStore;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.adapters.gemini.HttpGeminiClient;
import imagejobs.adapters.http.SafeUrlFetcher;
import imagejobs.adapters.metrics.EmfMetrics;
import imagejobs.adapters.s3.S3ObjectStore;
import imagejobs.adapters.sqs.SqsJobQueue;
import imagejobs.shared.auth.Authenticator;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.gemini.ApiKeySource;
import imagejobs.shared.gemini.GeminiClient;
import imagejobs.shared.google.BatchJobView;
import imagejobs.shared.google.BatchLimits;
import imagejobs.shared.google.BatchService;
import imagejobs.shared.google.GenerateContentView;
import imagejobs.shared.google.OutcomeImages;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.limits.PacedUpstreamGate;
import imagejobs.shared.limits.UpstreamGate;
import imagejobs.shared.queue.JobQueue;
import imagejobs.shared.status.CursorKeySource;
import imagejobs.shared.status.JobView;
import imagejobs.shared.status.ListCursors;
import imagejobs.shared.submit.InputSpiller;
import imagejobs.shared.submit.JobIntake;
import imagejobs.shared.submit.SubmitService;
import imagejobs.shared.sync.SyncRunner;
import imagejobs.shared.validation.ImageReferences;
import imagejobs.shared.validation.RequestValidator;
import imagejobs.shared.worker.Backoff;
import imagejobs.shared.worker.JobProcessor;
import imagejobs.shared.worker.WorkerPolicy;
import imagejobs.shared.worker.WorkerPorts;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Builds the Google function's collaborators once per container: what submit needs (keys, validation, the intake)
 * and what the worker needs (Gemini, the upstream gate, references, S3 for 4K images), since a synchronous call is
 * both.
 */
final class GoogleWiring {
    /** Requests of one batch stored and queued at once. */
    static final int BATCH_INTAKE_THREADS = 8;

    private GoogleWiring() {
    }

    static GoogleRoutes routes(Environment env) {
        Settings settings = new Settings(env);
        AwsClientConfig aws = new AwsClientConfig(env);
        DynamoDbClient dynamo = aws.configure(DynamoDbClient.builder(), "DYNAMODB").build();
        SqsClient sqs = aws.configure(SqsClient.builder(), "SQS").build();
        // 4K images each way, as in the worker.
        S3ObjectStore store = new S3ObjectStore(S3ObjectStore.client(aws, settings, AwsClientConfig.LARGE_OBJECTS),
                S3ObjectStore.presigner(aws, settings), settings.imagesBucket());
        Clock clock = Clock.systemUTC();
        ModelCatalog catalog = ModelCatalog.load();
        JobStore jobs = new DynamoJobStore(dynamo, settings.jobsTable());
        JobQueue queue = new SqsJobQueue(sqs, settings.jobsQueueUrl());
        String bucket = settings.imagesBucket();

        Authenticator authenticator = new Authenticator(new DynamoKeyStore(dynamo, settings.keysTable()));
        RequestValidator validator = new RequestValidator(catalog,
                new ImageReferences(bucket, settings.allowLoopbackReferences()));
        JobIntake intake = new JobIntake(new InputSpiller(store), jobs, queue, settings, clock);
        SubmitService submit = new SubmitService(authenticator, validator, intake, new JobView(bucket, null, null),
                settings, clock);

        ApiKeySource key = new ApiKeySource(env.optional(Settings.GEMINI_API_KEY).orElse(null),
                env.optional(Settings.GEMINI_API_KEY_SECRET_ID).map(id -> secretFetcher(aws, id)).orElse(null));
        GeminiClient gemini = new HttpGeminiClient(HttpGeminiClient.defaultHttpClient(), settings.geminiBaseUrl(),
                settings.geminiAuthStyle(), key);
        UpstreamGate upstream = new PacedUpstreamGate(new DynamoGateStore(dynamo, settings.limitsTable()),
                settings.upstreamLimits(upstreamModels(catalog)));
        WorkerPorts ports = new WorkerPorts(jobs, store, queue, gemini,
                SafeUrlFetcher.standard(settings.allowLoopbackReferences()), catalog,
                new EmfMetrics(env.optional("AWS_LAMBDA_FUNCTION_NAME").orElse("GoogleFunction")), clock)
                .withUpstream(upstream);
        JobProcessor processor = new JobProcessor(ports, new WorkerPolicy(settings.maxAttempts(),
                settings.workerTimeout().plus(Duration.ofSeconds(60)),
                new Backoff(settings.retryBase(), Backoff.DEFAULT_CAP), settings.maxQueue()));

        SyncRunner runner = new SyncRunner(submit, processor, jobs, attemptThreads(), clock, SyncRunner.Sleeper.REAL);
        GenerateContentView view = new GenerateContentView(bucket, OutcomeImages.of(store, settings.presignTtl()),
                JobView.spilledConversations(store), GenerateContentView.MAX_RESPONSE_BYTES);
        BatchService batches = new BatchService(authenticator, validator, intake, jobs,
                new DynamoBatchStore(dynamo, settings.batchesTable()), new BatchJobView(view),
                BatchLimits.fromEnvironment(env.asMap()),
                new ListCursors(CursorKeySource.from(settings, id -> secretFetcher(aws, id).get())), settings, clock,
                batchIntakeThreads());
        return new GoogleRoutes(runner, view, settings.apiSyncWait(), settings.syncWait(),
                new GoogleBatchRoutes(batches));
    }

    /** Daemon threads for inline attempts: one per call in flight (Lambda sends one call at a time). */
    private static ExecutorService attemptThreads() {
        return Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "sync-attempt");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Where a batch's requests are stored and queued, eight at once: a 100-request batch is then about 13 rounds of a
     * DynamoDB write and an SQS send instead of 100. Daemon threads, made on first use.
     */
    private static ExecutorService batchIntakeThreads() {
        return Executors.newFixedThreadPool(BATCH_INTAKE_THREADS, runnable -> {
            Thread thread = new Thread(runnable, "batch-intake");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The ids GEMINI_LIMITS may name: the catalog's upstream models and its public ids (as the worker's). */
    private static Set<String> upstreamModels(ModelCatalog catalog) {
        Set<String> ids = new TreeSet<>();
        catalog.all().forEach(spec -> {
            ids.add(spec.id());
            ids.add(spec.upstreamModel());
        });
        return ids;
    }


    /** Built on first use only: with GEMINI_API_KEY set (local runs) Secrets Manager is never touched. */
    private static java.util.function.Supplier<String> secretFetcher(AwsClientConfig aws, String secretId) {
        return () -> {
            try (SecretsManagerClient secrets = aws.configure(SecretsManagerClient.builder(), "SECRETS_MANAGER")
                    .build()) {
                return secrets.getSecretValue(r -> r.secretId(secretId)).secretString().trim();
            }
        };
    }
}
