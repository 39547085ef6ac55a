package imagejobs.local.gemini;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;

import imagejobs.shared.catalog.ModelCatalog;

/**
 * A local stand-in for Google's Gemini API ({@code POST /v1beta/models/{model}:generateContent}, also under {@code /v1}) for the local
 * stack and the integration tests, where the real Gemini is unreachable. It checks requests as Gemini does,
 * answers with real PNG/JPEG images of the catalog's exact sizes, issues and verifies thought signatures, and
 * injects faults on request ({@code [sim:status=429]} and friends in the prompt; see {@link FaultDirectives}).
 *
 * <pre>{@code
 * try (GeminiSimulator sim = GeminiSimulator.start(GeminiSimulatorConfig.defaults().withApiKey("k"))) {
 *     String base = sim.baseUrl(); // http://127.0.0.1:PORT
 *     ...
 *     List<JsonNode> seen = sim.requests();
 * }
 * }</pre>
 */
public final class GeminiSimulator implements AutoCloseable {
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final HttpServer server;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService timer;
    private final HungRequests hung;
    private final RequestLog log;
    private final PromptFailures failures;
    private final QuotaMeter quotas;
    private final AtomicBoolean closed = new AtomicBoolean();

    private GeminiSimulator(GeminiSimulatorConfig config, ModelCatalog catalog) throws IOException {
        int instance = INSTANCES.incrementAndGet();
        this.log = new RequestLog(config.maxLoggedRequests(), config.maxLoggedBytes());
        this.failures = new PromptFailures();
        config.quotas().check(catalog.all().stream().map(spec -> spec.upstreamModel()).toList());
        this.quotas = QuotaMeter.system(config.quotas());
        config.latency().check(catalog.all().stream().map(spec -> spec.upstreamModel()).toList());
        // Daemon threads: a simulator a test forgot to close must not keep the JVM alive.
        this.workers = new ThreadPoolExecutor(config.threads(), config.threads(), 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), daemonThreads("gemini-sim-" + instance + "-http"));
        this.workers.allowCoreThreadTimeOut(true);
        this.timer = Executors.newSingleThreadScheduledExecutor(daemonThreads("gemini-sim-" + instance + "-timer"));
        this.hung = new HungRequests(timer, config.hangLimit());
        ThoughtSignatures signatures = new ThoughtSignatures(config.signatureSecret());
        SimulatedAnswers answers = new SimulatedAnswers(ImageFactory.shared(), signatures);
        GenerateContentEndpoint generate = new GenerateContentEndpoint(catalog,
                new ApiKeyCheck(config.expectedApiKey()), new SimulatedRequestCheck(signatures), answers, log,
                failures, hung, timer, workers, config.maxRequestBytes(), quotas, config.latency());

        // Loopback only: the simulator is never meant to be reachable from other machines.
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), config.port()),
                128);
        server.createContext("/", generate);
        server.createContext("/__sim/", new ControlEndpoints(log, quotas));
        server.setExecutor(workers);
        server.start();
    }

    /** Starts a simulator with the shipped model catalog. */
    public static GeminiSimulator start(GeminiSimulatorConfig config) {
        return start(config, ModelCatalog.load());
    }

    /** Starts a simulator on an ephemeral port that accepts any API key. */
    public static GeminiSimulator start() {
        return start(GeminiSimulatorConfig.defaults());
    }

    public static GeminiSimulator start(GeminiSimulatorConfig config, ModelCatalog catalog) {
        try {
            return new GeminiSimulator(config, catalog);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the Gemini simulator on 127.0.0.1:" + config.port(), e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:PORT}, what a Gemini client takes as its base URL. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    /**
     * The requests received so far, oldest first, as {@code GET /__sim/requests} shows them: objects with
     * method, path, query, headers (lower-case names), body (parsed JSON or null) and received_at. Copies.
     */
    public List<JsonNode> requests() {
        return log.copies();
    }

    public void clearRequests() {
        log.clear();
    }

    /**
     * What {@code GET /__sim/stats} shows: per model, calls received, calls answered 429 (by the quotas and in all),
     * peak and current calls in flight, calls in the current 60-second window, and the limits.
     */
    public JsonNode stats() {
        return quotas.stats();
    }

    /** {@code POST /__sim/stats/reset}: counters to zero and the quota windows emptied, for a benchmark's next run. */
    public void resetStats() {
        quotas.reset();
    }

    /** Forgets how often each prompt was called, so {@code [sim:fail-times=N]} counts from zero again. */
    public void resetFailureCounts() {
        failures.reset();
    }

    /** Stops at once: hung and delayed requests lose their connection, no thread is left behind. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        timer.shutdownNow();
        hung.releaseAll();
        server.stop(0);
        workers.shutdownNow();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs standalone: port from the first argument, else IMAGEJOBS_GEMINI_SIM_PORT, else 8090. */
    public static void main(String[] args) {
        GeminiSimulator sim = start(GeminiSimulatorConfig.standalone(args, System.getenv()));
        Runtime.getRuntime().addShutdownHook(new Thread(sim::close, "gemini-sim-shutdown"));
        System.out.println("Gemini simulator listening on " + sim.baseUrl()
                + " (POST /v1beta|/v1/models/{model}:generateContent, GET /__sim/requests, GET /__sim/stats,"
                + " GET /__sim/health)");
        // HttpServer's dispatcher thread is not a daemon: it keeps this JVM running until it is stopped.
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
