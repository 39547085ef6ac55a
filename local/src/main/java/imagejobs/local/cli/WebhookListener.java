package imagejobs.local.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import imagejobs.local.emulators.Ports;
import imagejobs.shared.json.Json;
import imagejobs.shared.webhooks.WebhookSecret;
import imagejobs.shared.webhooks.WebhookSignatures;

/**
 * A webhook receiver for trying deliveries by hand ({@code ./run-local webhooks listen}), like {@code stripe listen}:
 * on 127.0.0.1, it prints each delivery (its id, the job's id and status, the body), checks its Standard Webhooks
 * signature with the tenant's secret and says whether it holds, and answers as a well-behaved receiver does: at once,
 * 200 for a delivery that verifies, 401 for one that does not (the service then retries it, as it would for a real
 * receiver). {@code failFirst} answers the first deliveries 503 instead, to watch the retry schedule at work.
 */
public final class WebhookListener implements AutoCloseable {
    /** Bodies bigger than this are not read (a job view is a few KB; this is a local tool). */
    static final int MAX_BODY_BYTES = 8 * 1024 * 1024;
    /** The body is printed up to this many characters. */
    static final int SHOWN_BODY_CHARS = 2000;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    /** The secrets to check with; {@link #refreshed} is asked once when none matches (a rotation meanwhile). */
    public interface Secrets {
        List<WebhookSecret> current();

        /** Newer secrets, or null when they cannot change (given on the command line). */
        default List<WebhookSecret> refreshed() {
            return null;
        }
    }

    /** What the listener saw, for tests and the summary line. */
    public record Delivery(String webhookId, boolean valid, String reason, int answered) {
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final Secrets secrets;
    private final int failFirst;
    private final PrintStream out;
    private final Clock clock;
    private final AtomicInteger failed = new AtomicInteger();
    private final List<Delivery> deliveries = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile List<WebhookSecret> checking;

    private WebhookListener(HttpServer server, Secrets secrets, int failFirst, PrintStream out, Clock clock) {
        this.server = server;
        this.secrets = secrets;
        this.failFirst = failFirst;
        this.out = out;
        this.clock = clock;
        this.checking = secrets.current();
        // One thread: deliveries print one after another, never interleaved.
        this.executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "webhook-listener");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    /** Listens on 127.0.0.1:{@code port} (0: any free port). */
    public static WebhookListener start(int port, Secrets secrets, int failFirst, PrintStream out, Clock clock)
            throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(Ports.LOOPBACK), port), 16);
        WebhookListener listener = new WebhookListener(server, secrets, failFirst, out, clock);
        server.start();
        return listener;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The URL to give as {@code webhook}. */
    public URI url() {
        return URI.create("http://" + Ports.LOOPBACK + ":" + port() + "/");
    }

    public List<Delivery> deliveries() {
        return List.copyOf(deliveries);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("POST")) {
                answer(exchange, 405, "webhooks are POSTed here");
                return;
            }
            byte[] body = read(exchange.getRequestBody());
            if (body == null) {
                print("[" + now() + "] a delivery over " + MAX_BODY_BYTES / (1024 * 1024) + " MB: not read");
                answer(exchange, 413, "too large");
                return;
            }
            String id = exchange.getRequestHeaders().getFirst(WebhookSignatures.ID);
            String timestamp = exchange.getRequestHeaders().getFirst(WebhookSignatures.TIMESTAMP);
            String signature = exchange.getRequestHeaders().getFirst(WebhookSignatures.SIGNATURE);
            WebhookSignatures.Verification verdict = WebhookSignatures.verify(id, timestamp, signature, body,
                    checking, clock.instant());
            String refreshedNote = "";
            if (!verdict.valid()) {
                List<WebhookSecret> newer = secrets.refreshed();
                if (newer != null && !newer.equals(checking)) {
                    WebhookSignatures.Verification again = WebhookSignatures.verify(id, timestamp, signature, body,
                            newer, clock.instant());
                    checking = newer;
                    if (again.valid()) {
                        verdict = again;
                        refreshedNote = " (with the secret fetched again: it was rotated)";
                    }
                }
            }
            int status;
            if (!verdict.valid()) {
                status = 401;
            } else if (failed.get() < failFirst) {
                failed.incrementAndGet();
                status = 503;
            } else {
                status = 200;
            }
            StringBuilder text = new StringBuilder();
            text.append('[').append(now()).append("] ").append(exchange.getRequestMethod()).append(' ')
                    .append(exchange.getRequestURI()).append("  webhook-id ").append(id == null ? "(none)" : id)
                    .append(summary(body)).append("  ").append(body.length).append(" bytes\n");
            text.append("  signature: ").append(verdict.valid() ? "valid, " : "INVALID, ").append(verdict.reason())
                    .append(refreshedNote).append('\n');
            text.append("  answered ").append(status).append(status == 503 ? " (--fail: the service will retry)"
                    : status == 401 ? " (the service will retry)" : "").append('\n');
            text.append("  ").append(shown(body));
            print(text.toString());
            deliveries.add(new Delivery(id, verdict.valid(), verdict.reason(), status));
            answer(exchange, status, status == 200 ? "" : status == 401 ? "signature does not verify"
                    : "failing on purpose (--fail)");
        }
    }

    /** The job's id and status from the body, when it is a job view. */
    private static String summary(byte[] body) {
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            if (node != null && node.isObject() && node.hasNonNull("request_id")) {
                return "  request " + node.get("request_id").asText() + " " + node.path("status").asText("?");
            }
        } catch (IOException e) {
            // not JSON: shown as text below
        }
        return "";
    }

    private static String shown(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        return text.length() <= SHOWN_BODY_CHARS ? text
                : text.substring(0, SHOWN_BODY_CHARS) + "… (" + (text.length() - SHOWN_BODY_CHARS) + " more)";
    }

    private static byte[] read(InputStream in) throws IOException {
        byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
        return body.length > MAX_BODY_BYTES ? null : body;
    }

    private static void answer(HttpExchange exchange, int status, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("content-type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
    }

    private String now() {
        return LocalTime.ofInstant(clock.instant(), ZoneId.systemDefault()).format(TIME);
    }

    private synchronized void print(String text) {
        out.println(text);
        out.flush();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
