package imagejobs.local.gemini;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

import com.sun.net.httpserver.HttpExchange;

/** Writes a JSON answer at once, or spread over a given time after the headers ({@code [sim:slow-body=MS]}). */
final class ResponseWriter {
    /** A slow body arrives in this many pieces, enough for a client's read timeout to notice the stall. */
    private static final int SLOW_CHUNKS = 20;

    private ResponseWriter() {
    }

    static void send(HttpExchange exchange, int status, byte[] body, Map<String, String> headers, long spreadMillis)
            throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        headers.forEach(exchange.getResponseHeaders()::set);
        try {
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            OutputStream out = exchange.getResponseBody();
            if (spreadMillis <= 0 || body.length == 0) {
                out.write(body);
                return;
            }
            int chunks = Math.min(SLOW_CHUNKS, body.length);
            long pause = spreadMillis / chunks;
            int offset = 0;
            for (int i = 0; i < chunks; i++) {
                int end = (int) ((long) body.length * (i + 1) / chunks);
                out.write(body, offset, end - offset);
                out.flush();
                offset = end;
                if (i < chunks - 1) {
                    sleep(pause);
                }
            }
        } finally {
            exchange.close();
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            // The simulator is closing: stop mid-body, as a dying server would.
            Thread.currentThread().interrupt();
            throw new IOException("simulator closing", e);
        }
    }
}
