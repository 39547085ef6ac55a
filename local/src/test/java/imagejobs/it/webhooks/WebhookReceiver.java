package imagejobs.it.webhooks;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A webhook receiver on 127.0.0.1 for the end-to-end tests, answering by the first segment of the path:
 * {@code /ok/...} 200; {@code /flaky/...} 503 to the first two deliveries of each webhook-id, then 200;
 * {@code /hang/...} no answer for 15 s to the first delivery of each webhook-id (longer than the sender's 10 s), then
 * 200; {@code /redirect/...} 302 to {@code /ok/redirected}; {@code /gone/...} 410. Every request is recorded.
 */
final class WebhookReceiver implements AutoCloseable {
    /** One POST as it arrived: path, headers by lower-case name, the raw body. */
    record Delivery(String path, Map<String, List<String>> headers, byte[] body, Instant at) {
        String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final HttpServer server;
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();

    WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(32, r -> {
            Thread t = new Thread(r, "webhook-receiver");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    /** The URL to give as {@code webhook} for a behaviour and a case name. */
    String url(String behaviour, String name) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + behaviour + "/" + name;
    }

    List<Delivery> deliveries() {
        return List.copyOf(deliveries);
    }

    /** The deliveries to one URL's path, in arrival order. */
    List<Delivery> to(String url) {
        String path = url.substring(url.indexOf('/', "http://".length()));
        List<Delivery> out = new ArrayList<>();
        for (Delivery d : deliveries) {
            if (d.path().equals(path)) {
                out.add(d);
            }
        }
        return out;
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        Map<String, List<String>> headers = new TreeMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
        String path = exchange.getRequestURI().getPath();
        deliveries.add(new Delivery(path, headers, body, Instant.now()));
        String id = String.valueOf(headers.getOrDefault("webhook-id", List.of("")).get(0));
        int n = seen.computeIfAbsent(path + " " + id, k -> new AtomicInteger()).incrementAndGet();
        String behaviour = path.split("/")[1];
        int status = 200;
        switch (behaviour) {
            case "flaky" -> status = n <= 2 ? 503 : 200;
            case "hang" -> {
                if (n == 1) {
                    sleep(15_000);
                }
            }
            case "redirect" -> {
                exchange.getResponseHeaders().add("location", url("ok", "redirected"));
                status = 302;
            }
            case "gone" -> status = 410;
            default -> status = 200;
        }
        try {
            exchange.sendResponseHeaders(status, -1);
        } catch (IOException e) {
            // The sender hung up (it gave up waiting): nothing to answer.
        }
        exchange.close();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
