package imagejobs.local.gemini;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import imagejobs.shared.json.Json;

/**
 * The simulator's own endpoints, outside Gemini's API: {@code GET /__sim/health}, {@code GET /__sim/requests}
 * (what was received, oldest first), {@code DELETE /__sim/requests}, {@code GET /__sim/stats} (per model: calls,
 * 429s, calls in flight, the quota window) and {@code POST /__sim/stats/reset}. They are not logged themselves.
 */
final class ControlEndpoints implements HttpHandler {
    private final RequestLog log;
    private final QuotaMeter quotas;

    ControlEndpoints(RequestLog log, QuotaMeter quotas) {
        this.log = log;
        this.quotas = quotas;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        try {
            if (path.equals("/__sim/health") && method.equals("GET")) {
                ResponseWriter.send(exchange, 200, "{\"status\":\"ok\"}".getBytes(), Map.of(), 0);
            } else if (path.equals("/__sim/requests") && method.equals("GET")) {
                // Streamed: the log can hold hundreds of MB of base64 bodies.
                exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
                exchange.sendResponseHeaders(200, 0);
                try (OutputStream out = exchange.getResponseBody()) {
                    Json.MAPPER.writeValue(out, log.snapshot());
                }
            } else if (path.equals("/__sim/requests") && method.equals("DELETE")) {
                log.clear();
                ResponseWriter.send(exchange, 200, "{\"cleared\":true}".getBytes(), Map.of(), 0);
            } else if (path.equals("/__sim/stats") && method.equals("GET")) {
                ResponseWriter.send(exchange, 200, Json.bytes(quotas.stats()), Map.of(), 0);
            } else if (path.equals("/__sim/stats/reset") && method.equals("POST")) {
                quotas.reset();
                ResponseWriter.send(exchange, 200, "{\"reset\":true}".getBytes(), Map.of(), 0);
            } else {
                GeminiError error = new GeminiError(404, "NOT_FOUND", "No simulator endpoint " + method + " "
                        + path + "; there are GET /__sim/health, GET and DELETE /__sim/requests, GET /__sim/stats"
                        + " and POST /__sim/stats/reset.");
                ResponseWriter.send(exchange, 404, Json.bytes(error.toJson()), Map.of(), 0);
            }
        } finally {
            exchange.close();
        }
    }
}
