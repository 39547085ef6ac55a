package imagejobs.local.gemini;

import java.time.Duration;
import java.util.Map;

/**
 * How a {@link GeminiSimulator} runs. Start from {@link #defaults()} (ephemeral port, any API key accepted)
 * and change what a test needs with the {@code with…} methods.
 *
 * @param port                 TCP port on 127.0.0.1; 0 picks a free one
 * @param expectedApiKey       the only key accepted, or null to accept any key (and none)
 * @param threads              request threads; 64 covers the benchmarks' concurrency
 * @param maxLoggedRequests    how many requests {@code GET /__sim/requests} keeps, newest kept
 * @param maxLoggedBytes       total request-body bytes the log keeps (bodies carry base64 images)
 * @param maxRequestBytes      a larger body is refused as Gemini refuses it (100 MB inline limit since 2026)
 * @param hangLimit            how long {@code [sim:hang]} holds a request before dropping the connection
 * @param signatureSecret      key for thought signatures; null picks a random one, so a restarted simulator
 *                             rejects the previous one's signatures (set it to keep them valid)
 * @param quotas               requests per minute and calls in flight per model, answered with Gemini's 429 when
 *                             exceeded; {@link SimQuotas#NONE} for no limit
 * @param latency              how long answers take per model, as Gemini's do; {@link SimLatency#NONE} answers at once
 */
public record GeminiSimulatorConfig(
        int port,
        String expectedApiKey,
        int threads,
        int maxLoggedRequests,
        long maxLoggedBytes,
        long maxRequestBytes,
        Duration hangLimit,
        String signatureSecret,
        SimQuotas quotas,
        SimLatency latency) {

    public static final int DEFAULT_STANDALONE_PORT = 8090;
    public static final String PORT_ENV = "IMAGEJOBS_GEMINI_SIM_PORT";
    public static final String API_KEY_ENV = "IMAGEJOBS_GEMINI_SIM_API_KEY";
    public static final String SECRET_ENV = "IMAGEJOBS_GEMINI_SIM_SECRET";

    public GeminiSimulatorConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        if (threads < 1 || maxLoggedRequests < 0 || maxLoggedBytes < 0
                || maxRequestBytes < 1 || hangLimit == null || hangLimit.isNegative()) {
            throw new IllegalArgumentException("invalid simulator limits: threads=" + threads
                    + ", maxLoggedRequests=" + maxLoggedRequests + ", maxLoggedBytes=" + maxLoggedBytes
                    + ", maxRequestBytes=" + maxRequestBytes + ", hangLimit=" + hangLimit);
        }
        if (expectedApiKey != null && expectedApiKey.isBlank()) {
            expectedApiKey = null;
        }
        if (quotas == null) {
            quotas = SimQuotas.NONE;
        }
        if (latency == null) {
            latency = SimLatency.NONE;
        }
    }

    /** Ephemeral port, any key, sizes fit for tests and benchmarks. */
    public static GeminiSimulatorConfig defaults() {
        return new GeminiSimulatorConfig(0, null, 64, 2000, 512L << 20, 100L << 20,
                Duration.ofMinutes(10), null, SimQuotas.NONE, SimLatency.NONE);
    }

    /**
     * The standalone simulator's settings: the port from the first argument, else
     * {@value #PORT_ENV}, else {@value #DEFAULT_STANDALONE_PORT}; the expected key from {@value #API_KEY_ENV}
     * and the signature secret from {@value #SECRET_ENV} when set, the quotas from {@link SimQuotas#RPM_ENV} and
     * {@link SimQuotas#CONCURRENCY_ENV}.
     */
    public static GeminiSimulatorConfig standalone(String[] args, Map<String, String> env) {
        String port = args.length > 0 ? args[0] : env.getOrDefault(PORT_ENV, "");
        GeminiSimulatorConfig config = defaults()
                .withPort(port.isBlank() ? DEFAULT_STANDALONE_PORT : Integer.parseInt(port.trim()))
                .withApiKey(env.get(API_KEY_ENV));
        return config.withEnvironment(env);
    }

    /** The signature secret ({@value #SECRET_ENV}), the quotas and the latency from the environment, where set. */
    public GeminiSimulatorConfig withEnvironment(Map<String, String> env) {
        String secret = env.get(SECRET_ENV);
        GeminiSimulatorConfig config = secret == null || secret.isBlank() ? this : withSignatureSecret(secret);
        return config.withQuotas(SimQuotas.fromEnvironment(env)).withLatency(SimLatency.fromEnvironment(env));
    }

    public GeminiSimulatorConfig withPort(int newPort) {
        return new GeminiSimulatorConfig(newPort, expectedApiKey, threads, maxLoggedRequests, maxLoggedBytes,
                maxRequestBytes, hangLimit, signatureSecret, quotas, latency);
    }

    public GeminiSimulatorConfig withApiKey(String key) {
        return new GeminiSimulatorConfig(port, key, threads, maxLoggedRequests, maxLoggedBytes,
                maxRequestBytes, hangLimit, signatureSecret, quotas, latency);
    }

    public GeminiSimulatorConfig withThreads(int count) {
        return new GeminiSimulatorConfig(port, expectedApiKey, count, maxLoggedRequests, maxLoggedBytes,
                maxRequestBytes, hangLimit, signatureSecret, quotas, latency);
    }

    public GeminiSimulatorConfig withRequestLog(int maxRequests, long maxBytes) {
        return new GeminiSimulatorConfig(port, expectedApiKey, threads, maxRequests, maxBytes,
                maxRequestBytes, hangLimit, signatureSecret, quotas, latency);
    }

    public GeminiSimulatorConfig withMaxRequestBytes(long bytes) {
        return new GeminiSimulatorConfig(port, expectedApiKey, threads, maxLoggedRequests, maxLoggedBytes,
                bytes, hangLimit, signatureSecret, quotas, latency);
    }

    public GeminiSimulatorConfig withHangLimit(Duration limit) {
        return new GeminiSimulatorConfig(port, expectedApiKey, threads, maxLoggedRequests, maxLoggedBytes,
                maxRequestBytes, limit, signatureSecret, quotas, latency);
    }

    public GeminiSimulatorConfig withSignatureSecret(String secret) {
        return new GeminiSimulatorConfig(port, expectedApiKey, threads, maxLoggedRequests, maxLoggedBytes,
                maxRequestBytes, hangLimit, secret, quotas, latency);
    }

    public GeminiSimulatorConfig withQuotas(SimQuotas newQuotas) {
        return new GeminiSimulatorConfig(port, expectedApiKey, threads, maxLoggedRequests, maxLoggedBytes,
                maxRequestBytes, hangLimit, signatureSecret, newQuotas, latency);
    }

    public GeminiSimulatorConfig withLatency(SimLatency newLatency) {
        return new GeminiSimulatorConfig(port, expectedApiKey, threads, maxLoggedRequests, maxLoggedBytes,
                maxRequestBytes, hangLimit, signatureSecret, quotas, newLatency);
    }

    @Override
    public String toString() {
        // The key and the secret stay out of logs.
        return "GeminiSimulatorConfig[port=" + port + ", apiKey=" + (expectedApiKey == null ? "any" : "set")
                + ", threads=" + threads + ", maxLoggedRequests=" + maxLoggedRequests
                + ", maxLoggedBytes=" + maxLoggedBytes
                + ", maxRequestBytes=" + maxRequestBytes + ", hangLimit=" + hangLimit
                + ", signatureSecret=" + (signatureSecret == null ? "random" : "set") + ", quotas=" + quotas + ", latency=" + latency + "]";
    }
}
