package imagejobs.local.runtime;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import imagejobs.local.emulators.LocalCredentials;
import imagejobs.local.template.FunctionDefinition;

/**
 * Builds the environment each function's handler is constructed with, in this order (later wins):
 * <ol>
 *   <li>the template's variables (Globals merged, intrinsics resolved);</li>
 *   <li>the local wiring Lambda or the SDK would otherwise supply: region, the dummy credentials, the emulators'
 *       {@code AWS_ENDPOINT_URL_*}, WHEN_REQUIRED checksums, path-style S3, {@code AWS_LAMBDA_FUNCTION_*},
 *       loopback reference URLs allowed;</li>
 *   <li>Gemini, for functions whose template mentions it: the user's {@code GEMINI_API_KEY} (with their
 *       {@code GEMINI_BASE_URL}/{@code GEMINI_AUTH_STYLE} or the template's) or else the simulator's URL and a fixed
 *       key;</li>
 *   <li>no Secrets Manager locally: every {@code *_SECRET_ID} the template sets is dropped, so the functions use
 *       their plain variables ({@code GEMINI_API_KEY} above; no {@code CURSOR_SECRET}: the key derived from the
 *       table name; {@code WEBHOOK_SECRETS_KEY} = {@link LocalWebhookKeys#MATERIAL} for functions given
 *       {@code WEBHOOK_SECRETS_KEY_SECRET_ID}); {@code WEBHOOK_TEST_RETRY_WAITS} only when the process environment
 *       sets it;</li>
 *   <li>{@code IMAGEJOBS_FUNCTION_ENV_<NAME>=value} from the process environment, for every function;</li>
 *   <li>overrides set through {@link #setForAll} and {@link #set} (tests).</li>
 * </ol>
 */
public final class FunctionEnvironment {
    public static final String OVERRIDE_PREFIX = "IMAGEJOBS_FUNCTION_ENV_";
    /** What functions send the simulator as their Gemini key when the user configured none. */
    public static final String SIMULATOR_API_KEY = "local-gemini-simulator-key";
    private static final String GEMINI_API_KEY = "GEMINI_API_KEY";
    private static final String GEMINI_BASE_URL = "GEMINI_BASE_URL";
    private static final String GEMINI_AUTH_STYLE = "GEMINI_AUTH_STYLE";
    private static final String SECRET_ID_SUFFIX = "_SECRET_ID";
    private static final String WEBHOOK_SECRETS_KEY = "WEBHOOK_SECRETS_KEY";
    private static final String WEBHOOK_SECRETS_KEY_SECRET_ID = "WEBHOOK_SECRETS_KEY_SECRET_ID";
    /** Second-long webhook retry waits for end-to-end tests; the delivery function honours it only on loopback. */
    private static final String WEBHOOK_TEST_RETRY_WAITS = "WEBHOOK_TEST_RETRY_WAITS";

    private final Map<String, String> wiring;
    private final Map<String, String> processEnvironment;
    private final String geminiSimulatorBaseUrl;
    private final Map<String, String> forAll = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> perFunction = new ConcurrentHashMap<>();
    /** ConcurrentHashMap takes no null values: this marks "remove the variable". */
    private static final String REMOVED = new String("<removed>");

    /**
     * @param geminiSimulatorBaseUrl the simulator's base URL, or null when it is not running
     * @param processEnvironment     the user's environment (System.getenv() in the CLI)
     */
    public FunctionEnvironment(URI dynamoDbEndpoint, URI sqsEndpoint, URI s3Endpoint, String region,
                               String geminiSimulatorBaseUrl, Map<String, String> processEnvironment) {
        Map<String, String> w = new LinkedHashMap<>();
        w.put("AWS_REGION", region);
        w.put("AWS_DEFAULT_REGION", region);
        w.put("AWS_ACCESS_KEY_ID", LocalCredentials.ACCESS_KEY_ID);
        w.put("AWS_SECRET_ACCESS_KEY", LocalCredentials.SECRET_ACCESS_KEY);
        w.put("AWS_ENDPOINT_URL_DYNAMODB", dynamoDbEndpoint.toString());
        w.put("AWS_ENDPOINT_URL_SQS", sqsEndpoint.toString());
        w.put("AWS_ENDPOINT_URL_S3", s3Endpoint.toString());
        w.put("AWS_REQUEST_CHECKSUM_CALCULATION", "WHEN_REQUIRED");
        w.put("AWS_RESPONSE_CHECKSUM_VALIDATION", "WHEN_REQUIRED");
        w.put("S3_FORCE_PATH_STYLE", "true");
        // Locally, reference images are often served from this machine (plain http on 127.0.0.1); private,
        // link-local and metadata addresses stay refused. IMAGEJOBS_FUNCTION_ENV_ALLOW_LOOPBACK_REFERENCES=false
        // turns it off.
        w.put("ALLOW_LOOPBACK_REFERENCES", "true");
        this.wiring = Map.copyOf(w);
        this.processEnvironment = Map.copyOf(processEnvironment);
        this.geminiSimulatorBaseUrl = geminiSimulatorBaseUrl;
    }

    /** Sets (or with a null value removes) a variable of one function, after everything else. */
    public FunctionEnvironment set(String logicalId, String name, String value) {
        perFunction.computeIfAbsent(logicalId, id -> new ConcurrentHashMap<>()).put(name, value == null ? REMOVED : value);
        return this;
    }

    /** Sets (or with a null value removes) a variable of every function. */
    public FunctionEnvironment setForAll(String name, String value) {
        forAll.put(name, value == null ? REMOVED : value);
        return this;
    }

    /** True when the user's own Gemini key is used instead of the simulator. */
    public boolean usesRealGemini() {
        return !blank(processEnvironment.get(GEMINI_API_KEY));
    }

    public Map<String, String> build(FunctionDefinition function) {
        Map<String, String> env = new LinkedHashMap<>(function.environment());
        env.putAll(wiring);
        env.put("AWS_LAMBDA_FUNCTION_NAME", function.logicalId());
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(function.memoryMb()));
        env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + function.logicalId());
        env.put("_HANDLER", function.handler());

        if (usesGemini(function)) {
            if (usesRealGemini()) {
                env.put(GEMINI_API_KEY, processEnvironment.get(GEMINI_API_KEY));
                copyIfSet(GEMINI_BASE_URL, env);
                copyIfSet(GEMINI_AUTH_STYLE, env);
            } else if (geminiSimulatorBaseUrl != null) {
                env.put(GEMINI_BASE_URL, geminiSimulatorBaseUrl);
                env.put(GEMINI_API_KEY, SIMULATOR_API_KEY);
            }
        }
        if (env.containsKey(WEBHOOK_SECRETS_KEY_SECRET_ID)) {
            env.put(WEBHOOK_SECRETS_KEY, LocalWebhookKeys.MATERIAL);
        }
        copyIfSet(WEBHOOK_TEST_RETRY_WAITS, env);
        env.keySet().removeIf(name -> name.endsWith(SECRET_ID_SUFFIX));

        processEnvironment.forEach((name, value) -> {
            if (name.startsWith(OVERRIDE_PREFIX) && name.length() > OVERRIDE_PREFIX.length()) {
                env.put(name.substring(OVERRIDE_PREFIX.length()), value);
            }
        });
        apply(forAll, env);
        apply(perFunction.getOrDefault(function.logicalId(), Map.of()), env);
        return Map.copyOf(env);
    }

    /** Only functions the template wires to Gemini get the key, as only they would get the secret in AWS. */
    private static boolean usesGemini(FunctionDefinition function) {
        return function.environment().keySet().stream().anyMatch(k -> k.startsWith("GEMINI_"));
    }

    private void copyIfSet(String name, Map<String, String> env) {
        String value = processEnvironment.get(name);
        if (!blank(value)) {
            env.put(name, value);
        }
    }

    private static void apply(Map<String, String> overrides, Map<String, String> env) {
        overrides.forEach((name, value) -> {
            if (value == REMOVED) {
                env.remove(name);
            } else {
                env.put(name, value);
            }
        });
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
