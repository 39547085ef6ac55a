package imagejobs.adapters.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import imagejobs.shared.reference.AddressPolicy;
import imagejobs.shared.worker.ReferenceException;

/**
 * Each way an image server can fail a download, through the production fetcher against a scripted raw socket on
 * 127.0.0.1: the job's message says what the server did, in words, and never names a Java exception.
 */
class ReferenceDownloadFailuresTest {
    /** A Java class name (ConnectException, SSLHandshakeException, OutOfMemoryError) or a dotted package name. */
    static final Pattern JAVA_NAME = Pattern.compile(
            "\\b[A-Z][A-Za-z0-9]*(Exception|Error)\\b|\\b(java|javax|jdk|sun|com\\.fasterxml|software\\.amazon|imagejobs)"
                    + "\\.[a-z]");
    private static final InetAddress PUBLIC = loopbackNamed();
    private static final Duration READ = Duration.ofMillis(500);

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private ServerSocket server;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        threads.shutdownNow();
    }

    /** Serves every connection with {@code script}, after reading the request head when {@code readFirst}. */
    private int serve(Consumer<Socket> script, boolean readFirst) throws IOException {
        server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        threads.submit(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    threads.submit(() -> {
                        try (s) {
                            if (readFirst) {
                                readHead(s.getInputStream());
                            }
                            script.accept(s);
                        } catch (IOException ignored) {
                            // the fetcher hung up: fine
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return server.getLocalPort();
    }

    private static void readHead(InputStream in) throws IOException {
        int matched = 0;
        int c;
        while (matched < 4 && (c = in.read()) >= 0) {
            matched = (c == "\r\n\r\n".charAt(matched)) ? matched + 1 : (c == '\r' ? 1 : 0);
        }
    }

    private static void write(Socket s, String text) {
        try {
            OutputStream out = s.getOutputStream();
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        } catch (IOException ignored) {
            // the fetcher may have hung up first
        }
    }

    private static Consumer<Socket> script(String name) {
        return switch (name) {
            case "close" -> s -> { };
            case "reset" -> s -> {
                try {
                    s.setSoLinger(true, 0); // close() then sends RST instead of FIN
                } catch (IOException ignored) {
                    // best effort
                }
            };
            case "not-http" -> s -> write(s, "SSH-2.0-OpenSSH_9.6\r\n\r\n");
            case "huge-headers" -> s -> write(s, "HTTP/1.1 200 OK\r\n" + ("X-Filler: " + "a".repeat(1000) + "\r\n")
                    .repeat(40) + "\r\n");
            case "long-line" -> s -> write(s, "HTTP/1.1 200 OK\r\nX-Long: " + "a".repeat(9000) + "\r\n\r\n");
            case "short-body" -> s -> write(s, "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 5000"
                    + "\r\n\r\n\u0089PNG\r\n");
            case "bad-chunk" -> s -> write(s, "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nTransfer-Encoding:"
                    + " chunked\r\n\r\nzz\r\n");
            case "silent" -> s -> {
                try {
                    Thread.sleep(READ.toMillis() * 4);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            case "plain-http" -> s -> write(s, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
            default -> throw new IllegalArgumentException(name);
        };
    }

    private SafeUrlFetcher fetcher(int port) {
        return new SafeUrlFetcher(host -> List.of(PUBLIC),
                vetted -> new InetSocketAddress(InetAddress.getLoopbackAddress(), port), null,
                new AddressPolicy(false), true, new SafeUrlFetcher.Limits(3, SafeUrlFetcher.MAX_BYTES,
                        Duration.ofSeconds(2), READ, Duration.ofSeconds(20)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "close        | http  | closed the connection before its answer's headers were complete",
            "reset        | http  | reset the connection before its answer was complete",
            "not-http     | http  | did not answer HTTP",
            "huge-headers | http  | sent more than 32 KB of headers",
            "long-line    | http  | sent a header line longer than 8 KB",
            "short-body   | http  | ended before its declared length",
            "bad-chunk    | http  | sent a malformed chunked body",
            "silent       | http  | did not answer within 500 ms",
            "plain-http   | https | failed the TLS handshake (no valid certificate for its host, or no TLS at all)"})
    void whatTheServerDidInWords(String behaviour, String scheme, String expected) throws IOException {
        // A TLS client speaks first and never sends an HTTP head: the plain server answers its hello at once.
        int port = serve(script(behaviour), !scheme.equals("https"));
        String url = scheme + "://images.example.test/cat.png";
        ReferenceException e = assertThrows(ReferenceException.class, () -> fetcher(port).fetch(url));
        assertEquals("reference " + url + " " + expected, e.getMessage());
        assertFalse(JAVA_NAME.matcher(e.getMessage()).find(), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "refused | refused the connection",
            "timeout | did not accept a connection within 2 s"})
    void connectionsThatNeverOpen(String kind, String expected) throws IOException {
        String url = "http://images.example.test/cat.png";
        if (kind.equals("refused")) {
            int closed;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                closed = s.getLocalPort(); // closed again at once: nothing listens there
            }
            ReferenceException e = assertThrows(ReferenceException.class, () -> fetcher(closed).fetch(url));
            assertEquals("reference " + url + " " + expected, e.getMessage());
            assertFalse(JAVA_NAME.matcher(e.getMessage()).find(), e.getMessage());
            return;
        }
        // A listener that never accepts, its queue filled: the kernel drops further connection attempts, so the
        // connect times out for real, as with a host that drops packets.
        List<Socket> queued = new ArrayList<>();
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            for (int i = 0; i < 10; i++) {
                Socket filler = new Socket();
                try {
                    filler.connect(full.getLocalSocketAddress(), 300);
                    queued.add(filler);
                } catch (IOException timedOut) {
                    filler.close();
                    break; // the queue is full
                }
            }
            ReferenceException e = assertThrows(ReferenceException.class,
                    () -> fetcher(full.getLocalPort()).fetch(url));
            assertEquals("reference " + url + " " + expected, e.getMessage());
            assertFalse(JAVA_NAME.matcher(e.getMessage()).find(), e.getMessage());
        } finally {
            for (Socket s : queued) {
                s.close();
            }
        }
    }

    private static InetAddress loopbackNamed() {
        try {
            return InetAddress.getByAddress("images.example.test", new byte[] {93, (byte) 184, (byte) 216, 34});
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
