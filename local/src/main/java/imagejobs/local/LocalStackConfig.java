package imagejobs.local;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import imagejobs.local.emulators.EmulatorPorts;
import imagejobs.local.resources.LocalKey;
import imagejobs.local.runtime.FunctionCode;
import imagejobs.local.runtime.LocalFunction;
import imagejobs.local.template.FunctionDefinition;

/**
 * How to start a {@link LocalStack}. {@link #fromEnvironment} is what {@code ./run-local} uses (fixed ports,
 * IMAGEJOBS_* variables, the user's Gemini key); {@link #builder} starts from test-friendly defaults: every port
 * ephemeral, no user environment, the dev key, no Gemini simulator.
 */
public final class LocalStackConfig {
    private final Path repositoryRoot;
    private final Path template;
    private final Path nativeLibraryDir;
    private final EmulatorPorts ports;
    private final Path dataDir;
    private final Map<String, String> parameterOverrides;
    private final List<LocalKey> keys;
    private final Map<String, String> processEnvironment;
    private final Map<String, String> environmentForAll;
    private final Map<String, Map<String, String>> environmentPerFunction;
    private final boolean startGeminiSimulator;
    private final GeminiBackend.Starter geminiStarter;
    private final boolean startFunctions;
    private final boolean startSqsPollers;
    private final boolean startStreamPollers;
    private final Function<FunctionDefinition, FunctionCode> functionCode;
    private final int maxInstancesPerFunction;
    private final int httpThreads;
    private final int sqsWaitSeconds;
    private final Duration integrationTimeout;
    private final String keysTableLogicalId;
    private final boolean accessLog;
    private final PrintStream out;

    private LocalStackConfig(Builder b) {
        this.repositoryRoot = b.repositoryRoot;
        this.template = b.template != null ? b.template : b.repositoryRoot.resolve("template.yaml");
        this.nativeLibraryDir = b.nativeLibraryDir != null ? b.nativeLibraryDir
                : b.repositoryRoot.resolve("local/target/native");
        this.ports = b.ports;
        this.dataDir = b.dataDir;
        this.parameterOverrides = Map.copyOf(b.parameterOverrides);
        this.keys = List.copyOf(b.keys);
        this.processEnvironment = Map.copyOf(b.processEnvironment);
        this.environmentForAll = Map.copyOf(b.environmentForAll);
        Map<String, Map<String, String>> perFunction = new LinkedHashMap<>();
        b.environmentPerFunction.forEach((id, vars) -> perFunction.put(id, Map.copyOf(vars)));
        this.environmentPerFunction = Map.copyOf(perFunction);
        this.startGeminiSimulator = b.startGeminiSimulator;
        this.geminiStarter = b.geminiStarter;
        this.startFunctions = b.startFunctions;
        this.startSqsPollers = b.startSqsPollers;
        this.startStreamPollers = b.startStreamPollers;
        this.functionCode = b.functionCode;
        this.maxInstancesPerFunction = b.maxInstancesPerFunction;
        this.httpThreads = b.httpThreads;
        this.sqsWaitSeconds = b.sqsWaitSeconds;
        this.integrationTimeout = b.integrationTimeout;
        this.keysTableLogicalId = b.keysTableLogicalId;
        this.accessLog = b.accessLog;
        this.out = b.out;
    }

    public static Builder builder(Path repositoryRoot) {
        return new Builder(repositoryRoot);
    }

    /** {@code IMAGEJOBS_PARAMETER_WorkerMaxConcurrency=2} overrides that template parameter's Default. */
    public static final String PARAMETER_PREFIX = "IMAGEJOBS_PARAMETER_";

    /**
     * The CLI's configuration: ports from IMAGEJOBS_*_PORT (defaults 3000, 9000, 8000, 9324, 8090), keys from
     * IMAGEJOBS_LOCAL_KEYS (else the dev key), template parameters from IMAGEJOBS_PARAMETER_<Name>, the Gemini
     * simulator unless GEMINI_API_KEY is set (its signature secret, quotas and latency from
     * IMAGEJOBS_GEMINI_SIM_SECRET, IMAGEJOBS_GEMINI_SIM_RPM, IMAGEJOBS_GEMINI_SIM_CONCURRENCY and
     * IMAGEJOBS_GEMINI_SIM_LATENCY), the user's environment for GEMINI_* and
     * IMAGEJOBS_FUNCTION_ENV_* pass-through, and an access log line per HTTP request.
     */
    public static Builder fromEnvironment(Path repositoryRoot, Map<String, String> env) {
        Builder builder = new Builder(repositoryRoot)
                .ports(EmulatorPorts.fromEnvironment(env))
                .keys(LocalKey.parse(env.get(LocalKey.KEYS_VARIABLE)))
                .processEnvironment(env)
                .startGeminiSimulator(true)
                .geminiStarter(new GeminiSimulatorLauncher(env))
                .accessLog(true);
        env.forEach((name, value) -> {
            if (name.startsWith(PARAMETER_PREFIX) && name.length() > PARAMETER_PREFIX.length()) {
                builder.parameter(name.substring(PARAMETER_PREFIX.length()), value);
            }
        });
        return builder;
    }

    /** The repository root: -Dimagejobs.root, else the current directory. */
    public static Path defaultRepositoryRoot() {
        String property = System.getProperty("imagejobs.root");
        Path root = (property == null || property.isBlank() ? Path.of("") : Path.of(property)).toAbsolutePath()
                .normalize();
        if (!Files.isRegularFile(root.resolve("template.yaml"))) {
            throw new IllegalStateException("no template.yaml in " + root
                    + "; run from the repository root or set -Dimagejobs.root");
        }
        return root;
    }

    public Path repositoryRoot() { return repositoryRoot; }
    public Path template() { return template; }
    public Path nativeLibraryDir() { return nativeLibraryDir; }
    public EmulatorPorts ports() { return ports; }
    /** Where the emulators keep state across restarts ({@code ./run-local --data DIR}); null: in memory only. */
    public Path dataDir() { return dataDir; }
    public Map<String, String> parameterOverrides() { return parameterOverrides; }
    public List<LocalKey> keys() { return keys; }
    public Map<String, String> processEnvironment() { return processEnvironment; }
    public Map<String, String> environmentForAll() { return environmentForAll; }
    public Map<String, Map<String, String>> environmentPerFunction() { return environmentPerFunction; }
    public boolean startGeminiSimulator() { return startGeminiSimulator; }
    public GeminiBackend.Starter geminiStarter() { return geminiStarter; }
    public boolean startFunctions() { return startFunctions; }
    public boolean startSqsPollers() { return startSqsPollers; }
    public boolean startStreamPollers() { return startStreamPollers; }
    public Function<FunctionDefinition, FunctionCode> functionCode() { return functionCode; }
    public int maxInstancesPerFunction() { return maxInstancesPerFunction; }
    public int httpThreads() { return httpThreads; }
    public int sqsWaitSeconds() { return sqsWaitSeconds; }
    public Duration integrationTimeout() { return integrationTimeout; }
    public String keysTableLogicalId() { return keysTableLogicalId; }
    public boolean accessLog() { return accessLog; }
    public PrintStream out() { return out; }

    public static final class Builder {
        private final Path repositoryRoot;
        private Path template;
        private Path nativeLibraryDir;
        private EmulatorPorts ports = EmulatorPorts.ephemeral();
        private Path dataDir;
        private final Map<String, String> parameterOverrides = new LinkedHashMap<>();
        private List<LocalKey> keys = List.of(LocalKey.DEV);
        private Map<String, String> processEnvironment = Map.of();
        private final Map<String, String> environmentForAll = new LinkedHashMap<>();
        private final Map<String, Map<String, String>> environmentPerFunction = new LinkedHashMap<>();
        private boolean startGeminiSimulator;
        private GeminiBackend.Starter geminiStarter = new GeminiSimulatorLauncher();
        private boolean startFunctions = true;
        private boolean startSqsPollers = true;
        private boolean startStreamPollers = true;
        private Function<FunctionDefinition, FunctionCode> functionCode = f -> FunctionCode.jar(f.codeUri());
        private int maxInstancesPerFunction = LocalFunction.DEFAULT_MAX_INSTANCES;
        private int httpThreads = 64;
        private int sqsWaitSeconds = 1;
        private Duration integrationTimeout = Duration.ofSeconds(30);
        private String keysTableLogicalId = "KeysTable";
        private boolean accessLog;
        private PrintStream out = System.out;

        private Builder(Path repositoryRoot) {
            this.repositoryRoot = repositoryRoot.toAbsolutePath().normalize();
        }

        /** Another template than the repository's template.yaml (CodeUri resolves against its folder). */
        public Builder template(Path template) {
            this.template = template;
            return this;
        }

        public Builder nativeLibraryDir(Path dir) {
            this.nativeLibraryDir = dir;
            return this;
        }

        public Builder ports(EmulatorPorts ports) {
            this.ports = Objects.requireNonNull(ports);
            return this;
        }

        /**
         * Keep tables, queues with their messages, and objects in {@code dir} (created if missing) and restore them
         * from there at the next start; null (the default): everything in memory, lost when the stack stops.
         */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** A template parameter value instead of its Default. */
        public Builder parameter(String name, String value) {
            parameterOverrides.put(name, value);
            return this;
        }

        public Builder keys(List<LocalKey> keys) {
            this.keys = List.copyOf(keys);
            return this;
        }

        /** The "user's" environment: GEMINI_API_KEY / GEMINI_BASE_URL / GEMINI_AUTH_STYLE, IMAGEJOBS_FUNCTION_ENV_*. */
        public Builder processEnvironment(Map<String, String> env) {
            this.processEnvironment = Map.copyOf(env);
            return this;
        }

        /** A variable for every function, applied after the template and the local wiring (null removes). */
        public Builder functionEnvironment(String name, String value) {
            environmentForAll.put(name, value);
            return this;
        }

        /** A variable for one function, applied last (null removes). */
        public Builder functionEnvironment(String logicalId, String name, String value) {
            environmentPerFunction.computeIfAbsent(logicalId, id -> new LinkedHashMap<>()).put(name, value);
            return this;
        }

        public Builder startGeminiSimulator(boolean start) {
            this.startGeminiSimulator = start;
            return this;
        }

        /** Plugs another Gemini stand-in in place of the simulator. */
        public Builder geminiStarter(GeminiBackend.Starter starter) {
            this.geminiStarter = Objects.requireNonNull(starter);
            return this;
        }

        /** False: emulators, resources and keys only (no functions, HTTP API or pollers). */
        public Builder startFunctions(boolean start) {
            this.startFunctions = start;
            return this;
        }

        public Builder startSqsPollers(boolean start) {
            this.startSqsPollers = start;
            return this;
        }

        /** False: no DynamoDB stream pollers (the functions with DynamoDB events are only invoked by hand). */
        public Builder startStreamPollers(boolean start) {
            this.startStreamPollers = start;
            return this;
        }

        /** Where functions' classes come from; default: each function's jar (CodeUri). */
        public Builder functionCode(Function<FunctionDefinition, FunctionCode> code) {
            this.functionCode = Objects.requireNonNull(code);
            return this;
        }

        /** Every function's handler from this loader (tests: the test classpath's fixture handlers). */
        public Builder functionClassLoader(ClassLoader loader) {
            return functionCode(f -> FunctionCode.classLoader(loader));
        }

        public Builder maxInstancesPerFunction(int max) {
            this.maxInstancesPerFunction = max;
            return this;
        }

        public Builder httpThreads(int threads) {
            this.httpThreads = threads;
            return this;
        }

        /** Long-poll wait of the SQS pollers (1 s by default: bounds how long shutdown waits for them). */
        public Builder sqsWaitSeconds(int seconds) {
            this.sqsWaitSeconds = seconds;
            return this;
        }

        public Builder integrationTimeout(Duration timeout) {
            this.integrationTimeout = timeout;
            return this;
        }

        /** The table the API keys are seeded into (default KeysTable); seeding is skipped if there is none. */
        public Builder keysTable(String logicalId) {
            this.keysTableLogicalId = logicalId;
            return this;
        }

        /** One line per HTTP API request on {@link #out}. */
        public Builder accessLog(boolean on) {
            this.accessLog = on;
            return this;
        }

        /** Where progress lines and function logs go. */
        public Builder out(PrintStream out) {
            this.out = Objects.requireNonNull(out);
            return this;
        }

        public LocalStackConfig build() {
            return new LocalStackConfig(this);
        }
    }
}
