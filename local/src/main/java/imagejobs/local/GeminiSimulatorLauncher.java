package imagejobs.local;

import imagejobs.local.gemini.GeminiSimulator;
import imagejobs.local.gemini.GeminiSimulatorConfig;

/** Starts the Gemini simulator of {@code imagejobs.local.gemini} for the stack: loopback, one accepted key. */
public final class GeminiSimulatorLauncher implements GeminiBackend.Starter {

    public GeminiSimulatorLauncher() {
    }

    @Override
    public GeminiBackend start(int port, String apiKey) {
        GeminiSimulator simulator = GeminiSimulator.start(GeminiSimulatorConfig.defaults().withPort(port)
                .withApiKey(apiKey));
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
