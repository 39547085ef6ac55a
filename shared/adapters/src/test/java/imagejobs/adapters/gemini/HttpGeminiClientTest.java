package imagejobs.adapters.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import imagejobs.shared.image.TestImages;
import imagejobs.shared.gemini.GeminiException;
import imagejobs.shared.gemini.GeminiResponse;
import imagejobs.shared.gemini.GeminiClient;


/** The client against a real local HTTP server: headers, path, status mapping, timeouts. */
class HttpGeminiClientTest {
    private static final String KEY = "test-key-do-not-log-0123456789";
    @TempDir
    Path dir;
    private HttpServer server;
    private final List<HttpExchange> seen = new CopyOnWriteArrayList<>();
    private volatile Handler handler;
    private final CountDownLatch release = new CountDownLatch(1);

    interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            seen.add(exchange);
            exchange.getRequestBody().readAllBytes();
            try {
                handler.handle(exchange);
            } finally {
                exchange.close();
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    private GeminiClient client(String style) {
        return new HttpGeminiClient(HttpGeminiClient.defaultHttpClient(),
                "http://127.0.0.1:" + server.getAddress().getPort() + "/", style, () -> KEY);
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("content-type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Test
    void googleStyleSendsTheKeyInXGoogApiKey() throws Exception {
        String png = Base64.getEncoder().encodeToString(TestImages.png(16, 8));
        handler = ex -> answer(ex, 200, "{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"mimeType\":"
                + "\"image/png\",\"data\":\"" + png + "\"}}]},\"finishReason\":\"STOP\"}]}");
        GeminiResponse response = client("x-goog-api-key").generate("gemini-2.5-flash-image", "{}".getBytes(),
                Duration.ofSeconds(10), dir);
        assertEquals(1, response.images().size());
        HttpExchange ex = seen.get(0);
        assertEquals("POST", ex.getRequestMethod());
        assertEquals("/v1beta/models/gemini-2.5-flash-image:generateContent", ex.getRequestURI().getPath());
        assertNull(ex.getRequestURI().getQuery(), "the key never travels in the URL");
        assertEquals(KEY, ex.getRequestHeaders().getFirst("x-goog-api-key"));
        assertNull(ex.getRequestHeaders().getFirst("authorization"));
        assertEquals("application/json", ex.getRequestHeaders().getFirst("content-type"));
    }

    @Test
    void bearerStyleSendsAnAuthorizationHeader() throws Exception {
        handler = ex -> answer(ex, 200, "{\"candidates\":[]}");
        client("bearer").generate("m", "{}".getBytes(), Duration.ofSeconds(10), dir);
        assertEquals("Bearer " + KEY, seen.get(0).getRequestHeaders().getFirst("authorization"));
        assertNull(seen.get(0).getRequestHeaders().getFirst("x-goog-api-key"));
    }

    @Test
    void unknownAuthStyleIsAConfigurationError() {
        assertThrows(IllegalArgumentException.class, () -> client("query"));
    }

    @Test
    void rateLimitedWithRetryAfter() {
        handler = ex -> {
            ex.getResponseHeaders().add("retry-after", "4");
            answer(ex, 429, "{\"error\":{\"code\":429,\"message\":\"slow down\",\"status\":\"RESOURCE_EXHAUSTED\"}}");
        };
        GeminiException e = assertThrows(GeminiException.class,
                () -> client("x-goog-api-key").generate("m", "{}".getBytes(), Duration.ofSeconds(10), dir));
        assertEquals(GeminiException.Kind.RATE_LIMITED, e.kind());
        assertEquals(Duration.ofSeconds(4), e.retryDelay());
        assertFalse(e.getMessage().contains(KEY));
    }

    @Test
    void truncatedBodyIsMalformed() {
        handler = ex -> {
            ex.sendResponseHeaders(200, 0);
            ex.getResponseBody().write("{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"data\":\"iVBO"
                    .getBytes(StandardCharsets.UTF_8));
        };
        GeminiException e = assertThrows(GeminiException.class,
                () -> client("x-goog-api-key").generate("m", "{}".getBytes(), Duration.ofSeconds(10), dir));
        assertEquals(GeminiException.Kind.MALFORMED_RESPONSE, e.kind());
        assertTrue(e.kind().retryable());
    }

    @Test
    void noHeadersInTimeIsATimeout() {
        handler = ex -> {
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        };
        GeminiException e = assertThrows(GeminiException.class,
                () -> client("x-goog-api-key").generate("m", "{}".getBytes(), Duration.ofMillis(300), dir));
        assertEquals(GeminiException.Kind.TIMEOUT, e.kind());
    }

    @Test
    void aBodyThatStallsHalfwayIsATimeout() {
        AtomicBoolean stallEnded = new AtomicBoolean();
        handler = ex -> {
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write("{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"data\":\"iVBO".getBytes());
            out.flush();
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            stallEnded.set(true);
        };
        GeminiException e = assertThrows(GeminiException.class,
                () -> client("x-goog-api-key").generate("m", "{}".getBytes(), Duration.ofMillis(800), dir));
        assertEquals(GeminiException.Kind.TIMEOUT, e.kind());
        assertFalse(stallEnded.get(), "the deadline bounds the body too: the client gave up while the body stalled");
    }

    @Test
    void connectionRefusedIsAConnectionError() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        GeminiClient client = new HttpGeminiClient(HttpGeminiClient.defaultHttpClient(), "http://127.0.0.1:" + port,
                "x-goog-api-key", () -> KEY);
        GeminiException e = assertThrows(GeminiException.class,
                () -> client.generate("m", "{}".getBytes(), Duration.ofSeconds(5), dir));
        assertEquals(GeminiException.Kind.CONNECTION, e.kind());
        assertTrue(e.kind().retryable());
        assertFalse(e.getMessage().contains("127.0.0.1"), "no URL in the message: " + e.getMessage());
        assertEquals("Gemini refused the connection", e.getMessage());
        assertEquals("java.net.ConnectException", e.causeType(), "the type is kept for the log");
    }

    /** A Java class name or a dotted package name: never in what a client reads. */
    private static final java.util.regex.Pattern JAVA_NAME = java.util.regex.Pattern.compile(
            "\\b[A-Z][A-Za-z0-9]*(Exception|Error)\\b|\\b(java|javax|jdk|sun|com\\.fasterxml|software\\.amazon|imagejobs)"
                    + "\\.[a-z]");

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "close | Gemini closed the connection before answering",
            "reset | Gemini reset the connection before answering",
            "garbage | Gemini broke off the connection before answering"})
    void connectionsThatBreakAreSaidInWords(String how, String expected) throws Exception {
        try (ServerSocket raw = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (java.net.Socket s = raw.accept()) {
                    // The whole request first (headers and the "{}" body may come in two segments): a reset while
                    // the client is still writing reads as a different failure than the one under test.
                    StringBuilder request = new StringBuilder();
                    byte[] buffer = new byte[1024];
                    for (int n; !request.toString().endsWith("{}") && (n = s.getInputStream().read(buffer)) > 0; ) {
                        request.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                    }
                    if (how.equals("reset")) {
                        s.setSoLinger(true, 0);
                    } else if (how.equals("garbage")) {
                        s.getOutputStream().write("SSH-2.0-OpenSSH_9.6\r\n\r\n".getBytes(StandardCharsets.UTF_8));
                    }
                } catch (IOException ignored) {
                    // the client hung up
                }
            });
            t.setDaemon(true);
            t.start();
            GeminiClient client = new HttpGeminiClient(HttpGeminiClient.defaultHttpClient(),
                    "http://127.0.0.1:" + raw.getLocalPort(), "x-goog-api-key", () -> KEY);
            GeminiException e = assertThrows(GeminiException.class,
                    () -> client.generate("m", "{}".getBytes(), Duration.ofSeconds(10), dir));
            assertEquals(GeminiException.Kind.CONNECTION, e.kind());
            assertEquals(expected, e.getMessage(), "cause: " + e.causeType());
            assertFalse(JAVA_NAME.matcher(e.getMessage()).find(), e.getMessage());
        }
    }
}
