package imagejobs.local;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * INTEGRATION POINT with {@code imagejobs.local.gemini} (written in parallel): starts its GeminiSimulator through
 * the API agreed for it, by reflection so this module compiles before that package lands. Once it is merged this
 * whole class can become:
 * <pre>{@code
 * GeminiSimulator sim = GeminiSimulator.start(GeminiSimulatorConfig.defaults().withPort(port).withApiKey(apiKey));
 * return new GeminiBackend() { baseUrl() -> sim.baseUrl(); port() -> sim.port(); handle() -> sim; close() -> sim.close(); };
 * }</pre>
 */
public final class GeminiSimulatorLauncher implements GeminiBackend.Starter {
    static final String SIMULATOR = "imagejobs.local.gemini.GeminiSimulator";
    static final String CONFIG = "imagejobs.local.gemini.GeminiSimulatorConfig";

    public GeminiSimulatorLauncher() {
    }

    /** Whether the simulator classes are on the classpath. */
    public static boolean available() {
        try {
            Class.forName(SIMULATOR, false, GeminiSimulatorLauncher.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @Override
    public GeminiBackend start(int port, String apiKey) throws Exception {
        ClassLoader loader = GeminiSimulatorLauncher.class.getClassLoader();
        Class<?> simulatorClass;
        Class<?> configClass;
        try {
            simulatorClass = Class.forName(SIMULATOR, true, loader);
            configClass = Class.forName(CONFIG, true, loader);
        } catch (ClassNotFoundException e) {
            throw new GeminiBackend.UnavailableException("the Gemini simulator (" + SIMULATOR
                    + ") is not part of this build");
        }
        try {
            Object config = configClass.getMethod("defaults").invoke(null);
            config = configClass.getMethod("withPort", int.class).invoke(config, port);
            config = configClass.getMethod("withApiKey", String.class).invoke(config, apiKey);
            Object simulator = simulatorClass.getMethod("start", configClass).invoke(null, config);
            Method baseUrl = simulatorClass.getMethod("baseUrl");
            Method boundPort = simulatorClass.getMethod("port");
            Method close = simulatorClass.getMethod("close");
            String url = (String) baseUrl.invoke(simulator);
            int actualPort = (Integer) boundPort.invoke(simulator);
            return new GeminiBackend() {
                @Override
                public String baseUrl() {
                    return url;
                }

                @Override
                public int port() {
                    return actualPort;
                }

                @Override
                public Object handle() {
                    return simulator;
                }

                @Override
                public void close() {
                    try {
                        close.invoke(simulator);
                    } catch (ReflectiveOperationException e) {
                        System.err.println("Gemini simulator did not stop cleanly: " + e);
                    }
                }
            };
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
}
