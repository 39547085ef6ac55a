package imagejobs.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import imagejobs.local.console.StartupLog;
import imagejobs.local.emulators.DataDirectory;
import imagejobs.local.emulators.EmulatorPorts;
import imagejobs.local.emulators.EmulatorSet;
import imagejobs.local.emulators.LocalAwsClients;
import imagejobs.local.emulators.Ports;
import imagejobs.local.gemini.GeminiSimulator;
import imagejobs.local.http.HttpApiEventBuilder;
import imagejobs.local.http.HttpApiFrontDoor;
import imagejobs.local.http.RouteTable;
import imagejobs.local.resources.KeySeeder;
import imagejobs.local.resources.LocalKey;
import imagejobs.local.resources.ResourceCreator;
import imagejobs.local.runtime.FunctionCode;
import imagejobs.local.runtime.FunctionEnvironment;
import imagejobs.local.runtime.LocalFunction;
import imagejobs.local.s3.S3NotificationBridge;
import imagejobs.local.s3.S3ObjectListener;
import imagejobs.local.sqs.SqsEventSourcePoller;
import imagejobs.local.streams.DynamoDbStreamPoller;
import imagejobs.local.template.FunctionDefinition;
import imagejobs.local.template.ResourceNames;
import imagejobs.local.template.StackContext;
import imagejobs.local.template.StackDefinition;
import imagejobs.local.template.StackDefinitionReader;
import imagejobs.local.template.StackTemplate;
import imagejobs.local.template.TemplateReader;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The whole system on one machine: emulators, the template's resources, API keys, the Gemini simulator, the
 * functions, the HTTP API front door, the SQS event source pollers and the DynamoDB stream pollers. Started by
 * {@code ./run-local} and by tests; {@link #close()} stops everything it started, in reverse order.
 */
public final class LocalStack implements AutoCloseable {
    private final LocalStackConfig config;
    private final StackContext context;
    private final StackDefinition definition;
    private final DataDirectory data;
    private final EmulatorSet emulators;
    private final LocalAwsClients clients;
    private final GeminiBackend gemini;
    private final FunctionEnvironment environment;
    private final Map<String, LocalFunction> functions;
    private final HttpApiFrontDoor frontDoor;
    private final HttpApiFrontDoor functionUrl;
    private final List<SqsEventSourcePoller> pollers;
    private final List<DynamoDbStreamPoller> streamPollers;
    private final S3NotificationBridge notifications;
    private final Deque<AutoCloseable> toClose;
    private volatile boolean closed;

    private LocalStack(Builder b) {
        this.config = b.config;
        this.context = b.context;
        this.definition = b.definition;
        this.data = b.data;
        this.emulators = b.emulators;
        this.clients = b.clients;
        this.gemini = b.gemini;
        this.environment = b.environment;
        this.functions = Map.copyOf(b.functions);
        this.frontDoor = b.frontDoor;
        this.functionUrl = b.functionUrl;
        this.pollers = List.copyOf(b.pollers);
        this.streamPollers = List.copyOf(b.streamPollers);
        this.notifications = b.notifications;
        if (notifications != null && notifications.hasTargets()) {
            emulators.s3().objectListener(notifications);
        }
        this.toClose = b.started;
    }

    /** Starts everything the configuration asks for; on failure stops what had started and rethrows. */
    public static LocalStack start(LocalStackConfig config) {
        Builder b = new Builder(config);
        try {
            b.startAll();
            return new LocalStack(b);
        } catch (RuntimeException e) {
            b.closeStarted();
            throw e;
        }
    }

    /** The mutable state of a start in progress; everything started is pushed so a failure can undo it. */
    private static final class Builder {
        private final LocalStackConfig config;
        private final StartupLog log;
        private final Deque<AutoCloseable> started = new ArrayDeque<>();
        private StackContext context;
        private StackDefinition definition;
        private DataDirectory data;
        private EmulatorSet emulators;
        private LocalAwsClients clients;
        private GeminiBackend gemini;
        private FunctionEnvironment environment;
        private final Map<String, LocalFunction> functions = new LinkedHashMap<>();
        private HttpApiFrontDoor frontDoor;
        private HttpApiFrontDoor functionUrl;
        private final List<SqsEventSourcePoller> pollers = new ArrayList<>();
        private final List<DynamoDbStreamPoller> streamPollers = new ArrayList<>();
        private S3NotificationBridge notifications;

        Builder(LocalStackConfig config) {
            this.config = config;
            this.log = new StartupLog(config.out());
        }

        void startAll() {
            StackTemplate template = new TemplateReader().read(config.template());
            context = StackContext.local(config.parameterOverrides());
            EmulatorPorts ports = config.ports();
            boolean realGemini = !blank(config.processEnvironment().get("GEMINI_API_KEY"));
            boolean simulator = config.startGeminiSimulator() && !realGemini;
            // Every fixed port is checked before anything starts, so a clash costs no start-up time.
            if (config.startFunctions()) {
                Ports.ensureFree(ports.api(), EmulatorPorts.API_PORT);
            }
            if (simulator) {
                Ports.ensureFree(ports.geminiSimulator(), EmulatorPorts.GEMINI_SIM_PORT);
            }
            if (config.dataDir() != null) {
                // Pushed first, so released last: after every emulator has written its final state.
                data = DataDirectory.open(config.dataDir());
                started.push(data);
            }
            emulators = EmulatorSet.start(ports, config.nativeLibraryDir(), context.region(), context.accountId(), data,
                    log);
            started.push(emulators);
            clients = new LocalAwsClients(emulators.dynamoDb().endpoint(), emulators.sqs().endpoint(),
                    emulators.s3().endpoint(), context.region());
            started.push(clients);

            ResourceNames names = new ResourceNames(template, context, emulators.sqs().endpoint().toString());
            definition = new StackDefinitionReader(template, names).read();
            log.step("tables, queues and buckets from " + config.repositoryRoot().relativize(config.template()), () -> {
                new ResourceCreator(clients.dynamoDb(), clients.sqs(), clients.s3()).createAll(definition);
                return null;
            });
            seedKeys(names);

            if (simulator) {
                gemini = log.step("Gemini simulator on " + Ports.LOOPBACK + ":" + portText(ports.geminiSimulator()),
                        () -> config.geminiStarter().start(ports.geminiSimulator(), FunctionEnvironment.SIMULATOR_API_KEY));
                started.push(gemini);
            }
            environment = new FunctionEnvironment(emulators.dynamoDb().endpoint(), emulators.sqs().endpoint(),
                    emulators.s3().endpoint(), context.region(), gemini == null ? null : gemini.baseUrl(),
                    config.processEnvironment());
            config.environmentForAll().forEach(environment::setForAll);
            config.environmentPerFunction().forEach((id, vars) -> vars.forEach((k, v) -> environment.set(id, k, v)));

            if (!config.startFunctions()) {
                return;
            }
            for (FunctionDefinition f : definition.functions()) {
                FunctionCode code = config.functionCode().apply(f);
                if (code instanceof FunctionCode.JarCode && !Files.isRegularFile(f.codeUri())) {
                    log.info("warning: " + f.logicalId() + ": " + config.repositoryRoot().relativize(f.codeUri())
                            + " is missing; its invocations fail until it is built (./mvnw -B -q -DskipTests package)");
                }
                LocalFunction function = new LocalFunction(f, code, () -> environment.build(f),
                        config.maxInstancesPerFunction(), context.region(), context.accountId(), config.out());
                functions.put(f.logicalId(), function);
                started.push(function);
            }
            // Positioned at the streams' latest records before anything can write a job (the front door, S3 events).
            if (config.startStreamPollers()) {
                for (FunctionDefinition f : definition.functions()) {
                    for (FunctionDefinition.DynamoDbEventSource source : f.dynamoDbEventSources()) {
                        DynamoDbStreamPoller poller = new DynamoDbStreamPoller(source, functions.get(f.logicalId()),
                                clients.dynamoDb(), clients.dynamoDbStreams(), context.region(), context.accountId(),
                                DynamoDbStreamPoller.IDLE_POLL, config.out());
                        started.push(poller); // first, so a start that fails halfway is stopped too
                        streamPollers.add(poller);
                        poller.start();
                    }
                }
            }
            RouteTable routes = RouteTable.from(definition.functions());
            if (!routes.routes().isEmpty()) {
                frontDoor = log.step("HTTP API on " + Ports.LOOPBACK + ":" + portText(ports.api()) + " ("
                        + routes.routes().size() + " routes)", () -> {
                    try {
                        return HttpApiFrontDoor.start(ports.api(), routes, functions,
                                new HttpApiEventBuilder(context.accountId(), ResourceNames.LOCAL_API_ID),
                                config.httpThreads(), config.integrationTimeout(), config.out(), config.accessLog());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                started.push(frontDoor);
            }
            startFunctionUrl(ports);
            notifications = new S3NotificationBridge(functions, context.region(), config.out());
            started.push(notifications);
            if (config.startSqsPollers()) {
                for (FunctionDefinition f : definition.functions()) {
                    for (FunctionDefinition.SqsEventSource source : f.sqsEventSources()) {
                        SqsEventSourcePoller poller = new SqsEventSourcePoller(source, functions.get(f.logicalId()),
                                clients.sqs(), context.region(), config.sqsWaitSeconds(), config.out());
                        started.push(poller);
                        pollers.add(poller);
                        poller.start();
                    }
                }
            }
        }

        /**
         * A function with a {@code FunctionUrlConfig} gets a front door of its own, as a Lambda function URL: every
         * path to that function, cut at its timeout rather than API Gateway's 30 s. The template has one such
         * function (GoogleFunction, the long-call base for Google's SDKs); a second would have no port of its own.
         */
        private void startFunctionUrl(EmulatorPorts ports) {
            FunctionDefinition f = definition.functions().stream().filter(FunctionDefinition::functionUrl)
                    .findFirst().orElse(null);
            if (f == null) {
                return;
            }
            Ports.ensureFree(ports.sync(), EmulatorPorts.SYNC_PORT);
            functionUrl = log.step(f.logicalId() + " function URL on " + Ports.LOOPBACK + ":"
                    + portText(ports.sync()), () -> {
                try {
                    return HttpApiFrontDoor.startFunctionUrl(ports.sync(), EmulatorPorts.SYNC_PORT,
                            functions.get(f.logicalId()),
                            new HttpApiEventBuilder(context.accountId(), ResourceNames.LOCAL_API_ID),
                            config.httpThreads(), Duration.ofSeconds(f.timeoutSeconds()).plusSeconds(5),
                            config.out(), config.accessLog());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            started.push(functionUrl);
        }

        private void seedKeys(ResourceNames names) {
            String table = names.tables().get(config.keysTableLogicalId());
            if (table == null || config.keys().isEmpty()) {
                return;
            }
            new KeySeeder(new DynamoKeyStore(clients.dynamoDb(), table)).seed(config.keys());
        }

        void closeStarted() {
            while (!started.isEmpty()) {
                closeQuietly(started.pop());
            }
        }
    }

    private static String portText(int port) {
        return port == 0 ? "<any free port>" : Integer.toString(port);
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            System.err.println("while stopping " + c + ": " + e);
        }
    }

    public LocalStackConfig config() {
        return config;
    }

    public StackContext context() {
        return context;
    }

    /** Tables, queues, buckets and functions as created from the template. */
    public StackDefinition definition() {
        return definition;
    }

    /** The HTTP API base URL ({@code http://127.0.0.1:3000}); empty when no function has an HttpApi route. */
    public Optional<URI> apiBaseUrl() {
        return Optional.ofNullable(frontDoor).map(HttpApiFrontDoor::baseUrl);
    }

    /** The HTTP API base URL, for stacks that have one. */
    /** The function URL's base ({@code http://127.0.0.1:3001}); empty when no function has one. */
    public Optional<URI> functionUrlBaseUrl() {
        return Optional.ofNullable(functionUrl).map(HttpApiFrontDoor::baseUrl);
    }

    public URI apiUrl() {
        return apiBaseUrl().orElseThrow(() -> new IllegalStateException("no HTTP API is running"));
    }

    public URI dynamoDbEndpoint() {
        return emulators.dynamoDb().endpoint();
    }

    public URI sqsEndpoint() {
        return emulators.sqs().endpoint();
    }

    public URI s3Endpoint() {
        return emulators.s3().endpoint();
    }

    /** Where tables, queues and objects are kept across restarts; empty when the stack keeps them in memory only. */
    public Optional<DataDirectory> dataDirectory() {
        return Optional.ofNullable(data);
    }

    public EmulatorSet emulators() {
        return emulators;
    }

    /** The Gemini stand-in when it runs (not when the user's GEMINI_API_KEY is used). */
    public Optional<GeminiBackend> gemini() {
        return Optional.ofNullable(gemini);
    }

    /** The Gemini simulator, when the stack started the default one: its request log, fault counters, ... */
    public Optional<GeminiSimulator> geminiSimulator() {
        return gemini().map(GeminiBackend::handle).filter(GeminiSimulator.class::isInstance)
                .map(GeminiSimulator.class::cast);
    }

    public String tableName(String logicalId) {
        return definition.names().tableName(logicalId);
    }

    public String queueUrl(String logicalId) {
        return definition.names().queue(logicalId).url();
    }

    public String queueArn(String logicalId) {
        return definition.names().queue(logicalId).arn();
    }

    public String bucketName(String logicalId) {
        return definition.names().bucketName(logicalId);
    }

    public List<LocalKey> keys() {
        return config.keys();
    }

    /** A function by logical id (only when functions were started). */
    public LocalFunction function(String logicalId) {
        LocalFunction f = functions.get(logicalId);
        if (f == null) {
            throw new IllegalArgumentException("no running function " + logicalId + "; have " + functions.keySet());
        }
        return f;
    }

    public Map<String, LocalFunction> functions() {
        return functions;
    }

    /** The environment builder: set variables here, then {@link LocalFunction#resetInstances()} to apply them. */
    public FunctionEnvironment environment() {
        return environment;
    }

    public List<SqsEventSourcePoller> pollers() {
        return pollers;
    }

    /** The DynamoDB stream pollers, one per DynamoDB event of a function. */
    public List<DynamoDbStreamPoller> streamPollers() {
        return streamPollers;
    }

    /**
     * Also tells {@code listener} (tests) about every object stored through S3Proxy, after the S3 notification
     * bridge that delivers the template's S3 events; null removes it.
     */
    public void s3ObjectListener(S3ObjectListener listener) {
        S3ObjectListener extra = listener == null ? S3ObjectListener.NONE : listener;
        emulators.s3().objectListener(notifications == null ? extra : event -> {
            notifications.objectCreated(event);
            extra.objectCreated(event);
        });
    }

    public DynamoDbClient dynamoDb() {
        return clients.dynamoDb();
    }

    /** DynamoDB Local's Streams API. */
    public DynamoDbStreamsClient dynamoDbStreams() {
        return clients.dynamoDbStreams();
    }

    public SqsClient sqs() {
        return clients.sqs();
    }

    public S3Client s3() {
        return clients.s3();
    }

    public S3Presigner s3Presigner() {
        return clients.s3Presigner();
    }

    /**
     * Stops pollers, front door, functions, simulator, clients and emulators, in that order, then releases the data
     * directory (each emulator has written its state by then). Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        while (!toClose.isEmpty()) {
            closeQuietly(toClose.pop());
        }
    }
}
