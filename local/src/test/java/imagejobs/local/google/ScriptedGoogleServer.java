package imagejobs.local.google;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import imagejobs.shared.json.Json;

/**
 * A loopback HTTP server that answers each {@code METHOD /path} with a scripted status, content type and body, and
 * records what arrived: the stand-in for our Google-compatible routes until they exist, so google-genai can be run
 * against exactly the JSON our views produce.
 */
final class ScriptedGoogleServer implements AutoCloseable {
    record Answer(int status, String contentType, byte[] body, Map<String, String> headers) {
        static Answer json(int status, JsonNode body) {
            return new Answer(status, "application/json; charset=UTF-8", Json.bytes(body), Map.of());
        }

        Answer withHeader(String name, String value) {
            Map<String, String> all = new java.util.LinkedHashMap<>(headers);
            all.put(name, value);
            return new Answer(status, contentType, body, all);
        }
    }

    /**
     * @param version the API version the path began with ({@code v1beta}: google-genai 1.x for Java, Python, JS;
     *                {@code v1}: the Java SDK's 2.x line)
     * @param path    the path after the version, {@code /models/...}
     */
    record Received(String method, String version, String path, String query, Map<String, List<String>> headers,
                    String body) {
        JsonNode json() {
            return Json.parse(body);
        }

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    interface Script {
        Answer answer(Received request);
    }

    private static final java.util.Set<String> VERSIONS = java.util.Set.of("v1beta", "v1");

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final Map<String, Script> scripts = new ConcurrentHashMap<>();
    final List<Received> received = new CopyOnWriteArrayList<>();

    ScriptedGoogleServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Answers {@code METHOD /{version}/path} (the path after the API version, without the query). */
    void on(String method, String path, Script script) {
        scripts.put(method + " " + path, script);
    }

    void on(String method, String path, Answer answer) {
        on(method, path, request -> answer);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String raw = exchange.getRequestURI().getRawPath();
            int slash = raw.indexOf('/', 1);
            String version = slash > 0 ? raw.substring(1, slash) : "";
            Received request = new Received(exchange.getRequestMethod(), version,
                    slash > 0 ? raw.substring(slash) : raw, exchange.getRequestURI().getRawQuery(),
                    Map.copyOf(exchange.getRequestHeaders()), body);
            received.add(request);
            Script script = VERSIONS.contains(version) ? scripts.get(request.method() + " " + request.path()) : null;
            Answer answer = script != null ? script.answer(request)
                    : Answer.json(404, Json.parse("{\"error\":{\"code\":404,\"message\":\"no script for "
                            + request.method() + " " + raw + "\",\"status\":\"NOT_FOUND\"}}"));
            exchange.getResponseHeaders().set("content-type", answer.contentType());
            answer.headers().forEach(exchange.getResponseHeaders()::set);
            exchange.sendResponseHeaders(answer.status(), answer.body().length == 0 ? -1 : answer.body().length);
            if (answer.body().length > 0) {
                exchange.getResponseBody().write(answer.body());
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
