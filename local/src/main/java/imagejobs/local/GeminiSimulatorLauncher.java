package imagejobs.local;

import java.util.Map;

import imagejobs.local.gemini.GeminiSimulator;
import imagejobs.local.gemini.GeminiSimulatorConfig;

/**
 * Starts the Gemini simulator of {@code imagejobs.local.gemini} for the stack: loopback, one accepted key, and from
 * the environment given ({@code ./run-local}'s) the signature secret and the quotas (IMAGEJOBS_GEMINI_SIM_SECRET,
 * IMAGEJOBS_GEMINI_SIM_RPM, IMAGEJOBS_GEMINI_SIM_CONCURRENCY, IMAGEJOBS_GEMINI_SIM_LATENCY).
 */
public final class GeminiSimulatorLauncher implements GeminiBackend.Starter {
    private final Map<String, String> env;

    /** Nothing from the environment: no quotas, a random signature secret. */
    public GeminiSimulatorLauncher() {
        this(Map.of());
    }

    public GeminiSimulatorLauncher(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    @Override
    public GeminiBackend start(int port, String apiKey) {
        GeminiSimulator simulator = GeminiSimulator.start(GeminiSimulatorConfig.defaults().withPort(port)
                .withApiKey(apiKey).withEnvironment(env));
        return new GeminiBackend() {
            @Override
            public String baseUrl() {
                return simulator.baseUrl();
            }

            @Override
            public int port() {
                return simulator.port();
            }

            @Override
            public Object handle() {
                return simulator;
            }

            @Override
            public void close() {
                simulator.close();
            }
        };
    }
}
