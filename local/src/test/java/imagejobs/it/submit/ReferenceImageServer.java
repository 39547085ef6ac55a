package imagejobs.it.submit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Stands in for the public image hosts the seed examples name: serves images over plain http on 127.0.0.1 (which
 * the local stack's functions accept with ALLOW_LOOPBACK_REFERENCES) and counts the downloads. An https:// URL of a
 * seed maps to {@code http://127.0.0.1:<port>/<host>/<path>}.
 */
final class ReferenceImageServer implements AutoCloseable {
    record Image(byte[] bytes, String contentType) {
    }

    private final HttpServer server;
    private final ExecutorService threads;
    private final Map<String, Image> images = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();

    private ReferenceImageServer(HttpServer server, ExecutorService threads) {
        this.server = server;
        this.threads = threads;
    }

    static ReferenceImageServer start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
            ExecutorService threads = Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "reference-images");
                t.setDaemon(true);
                return t;
            });
            ReferenceImageServer s = new ReferenceImageServer(server, threads);
            server.createContext("/", s::handle);
            server.setExecutor(threads);
            server.start();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Serves {@code bytes} where {@code publicUrl} (an https:// URL of a seed) now points; returns the local URL. */
    String serve(String publicUrl, byte[] bytes, String contentType) {
        String path = localPath(publicUrl);
        images.put(path, new Image(bytes, contentType));
        return url(path);
    }

    /** The local URL standing in for {@code publicUrl}. */
    String localUrl(String publicUrl) {
        return url(localPath(publicUrl));
    }

    /** The image behind a local URL, or null. */
    Image image(String localUrl) {
        return images.get(URI.create(localUrl).getRawPath());
    }

    int hits(String localUrl) {
        AtomicInteger n = hits.get(URI.create(localUrl).getRawPath());
        return n == null ? 0 : n.get();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private static String localPath(String publicUrl) {
        URI uri = URI.create(publicUrl);
        return "/" + uri.getHost() + uri.getRawPath();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            Image image = images.get(path);
            if (image == null) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", image.contentType());
            boolean head = "HEAD".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(200, head ? -1 : image.bytes().length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(image.bytes());
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
