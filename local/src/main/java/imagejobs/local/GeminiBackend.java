package imagejobs.local;

/**
 * A running Gemini stand-in the worker is pointed at (GEMINI_BASE_URL). Normally the simulator of
 * {@code imagejobs.local.gemini}; tests may plug in their own.
 */
public interface GeminiBackend extends AutoCloseable {

    /** {@code http://127.0.0.1:PORT}, what the worker takes as its Gemini base URL. */
    String baseUrl();

    int port();

    /** The underlying object (the GeminiSimulator for the default starter), for tests that inspect it. */
    Object handle();

    @Override
    void close();

    /** Starts a backend on a port (0 = any free port) that accepts exactly {@code apiKey}. */
    @FunctionalInterface
    interface Starter {
        GeminiBackend start(int port, String apiKey) throws Exception;
    }
}
