package imagejobs.adapters.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import imagejobs.shared.reference.AddressPolicy;
import imagejobs.shared.webhooks.DeliveryOutcome;
import imagejobs.testing.SilentServer;

/**
 * The webhook sender against a receiver on 127.0.0.1. Names resolve through an injected table (public-looking hosts
 * get public test addresses that are never really dialled); the test dialler maps those onto the receiver and records
 * every address a connection was opened to, so each test shows where the sender did, and did not, connect.
 */
class SafeWebhookSenderTest {
    private static final InetAddress PUBLIC_A = address("93.184.216.34");
    private static final InetAddress PUBLIC_B = address("93.184.216.35");
    private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");
    private static final byte[] BODY = "{\"request_id\":\"01M8\",\"status\":\"success\"}"
            .getBytes(StandardCharsets.UTF_8);
    private static final Map<String, String> HEADERS = Map.of("webhook-id", "msg_01M8_completed",
            "webhook-timestamp", "1796378400", "webhook-signature", "v1,c2lnbmF0dXJl");

    private HttpServer server;
    private int port;
    private int closedPort;
    private final List<HttpExchange> received = new CopyOnWriteArrayList<>();
    private final Map<String, byte[]> bodies = new ConcurrentHashMap<>();
    private final List<InetSocketAddress> dialled = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicBoolean bigBodyCut = new AtomicBoolean();
    /** Answers of a host whose DNS answer changes between look-ups, first to last. */
    private final Deque<List<InetAddress>> changing = new ArrayDeque<>();

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private final Map<String, List<InetAddress>> dns = Map.of(
            "hooks.example.test", List.of(PUBLIC_A),
            "down.example.test", List.of(PUBLIC_B),
            "private.example.test", List.of(address("10.0.0.5")),
            "metadata.example.test", List.of(address("169.254.169.254")),
            "mixed.example.test", List.of(PUBLIC_A, address("192.168.0.10")),
            "v6local.example.test", List.of(address("fd00:ec2::254")));

    private SafeUrlFetcher.Resolver resolver() {
        return host -> {
            if (host.equals("rebind.example.test")) {
                synchronized (changing) {
                    return changing.size() > 1 ? changing.poll() : changing.peek();
                }
            }
            List<InetAddress> found = dns.get(host);
            if (found != null) {
                return found;
            }
            if (host.chars().allMatch(c -> Character.isDigit(c) || c == '.')) {
                return List.of(InetAddress.getByName(host)); // IPv4 literals only: no real DNS in tests
            }
            throw new UnknownHostException(host);
        };
    }

    private SafeUrlFetcher.Dialler dialler() {
        return vetted -> {
            dialled.add(vetted);
            if (vetted.getAddress().equals(PUBLIC_A)) {
                return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            }
            if (vetted.getAddress().equals(PUBLIC_B)) {
                return new InetSocketAddress(InetAddress.getLoopbackAddress(), closedPort);
            }
            if (vetted.getAddress().isLoopbackAddress()) {
                return vetted;
            }
            throw new AssertionError("the sender tried to connect to " + vetted);
        };
    }

    private SafeWebhookSender sender(boolean allowLoopback, SafeWebhookSender.Limits limits) {
        return new SafeWebhookSender(resolver(), dialler(), null, new AddressPolicy(allowLoopback), true, limits,
                Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private SafeWebhookSender sender() {
        return sender(false, SafeWebhookSender.Limits.standard());
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::serve);
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
        port = server.getAddress().getPort();
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort(); // free again once closed: connections to it are refused
        }
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    private void serve(HttpExchange ex) throws IOException {
        received.add(ex);
        String path = ex.getRequestURI().getPath();
        bodies.put(path, ex.getRequestBody().readAllBytes());
        try (ex) {
            switch (path) {
                case "/ok" -> ex.sendResponseHeaders(200, -1);
                case "/accepted" -> ex.sendResponseHeaders(202, -1);
                case "/500" -> ex.sendResponseHeaders(500, -1);
                case "/404" -> ex.sendResponseHeaders(404, -1);
                case "/busy" -> {
                    ex.getResponseHeaders().add("retry-after", "120");
                    ex.sendResponseHeaders(503, -1);
                }
                case "/throttled" -> {
                    ex.getResponseHeaders().add("retry-after", DateTimeFormatter.RFC_1123_DATE_TIME
                            .format(NOW.plusSeconds(90).atZone(ZoneOffset.UTC)));
                    ex.sendResponseHeaders(429, -1);
                }
                case "/moved" -> {
                    ex.getResponseHeaders().add("location", "http://private.example.test/ok");
                    ex.sendResponseHeaders(307, -1);
                }
                case "/hang" -> await();
                case "/big" -> {
                    ex.sendResponseHeaders(200, 0);
                    OutputStream out = ex.getResponseBody();
                    byte[] chunk = new byte[64 * 1024];
                    try {
                        for (int i = 0; i < 50 * 16; i++) { // 50 MB, if anyone read it
                            out.write(chunk);
                        }
                    } catch (IOException e) {
                        bigBodyCut.set(true); // the sender hung up without reading
                    }
                }
                default -> ex.sendResponseHeaders(404, -1);
            }
        }
    }

    private void await() {
        try {
            release.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void a2xxIsDeliveredWithTheBodyAndHeadersAsGiven() {
        DeliveryOutcome outcome = sender().send("http://hooks.example.test/ok?token=abc", HEADERS, BODY);
        assertEquals(DeliveryOutcome.Kind.DELIVERED, outcome.kind());
        assertEquals(200, outcome.status());
        HttpExchange ex = received.get(0);
        assertEquals("POST", ex.getRequestMethod());
        assertEquals("/ok?token=abc", ex.getRequestURI().toString());
        assertEquals("hooks.example.test", ex.getRequestHeaders().getFirst("host"));
        assertEquals("application/json; charset=UTF-8", ex.getRequestHeaders().getFirst("content-type"));
        assertEquals("msg_01M8_completed", ex.getRequestHeaders().getFirst("webhook-id"));
        assertEquals("1796378400", ex.getRequestHeaders().getFirst("webhook-timestamp"));
        assertEquals("v1,c2lnbmF0dXJl", ex.getRequestHeaders().getFirst("webhook-signature"));
        assertNull(ex.getRequestHeaders().getFirst("cookie"));
        assertArrayEquals(BODY, bodies.get("/ok"));
        assertEquals(DeliveryOutcome.Kind.DELIVERED, sender().send("http://hooks.example.test/accepted", HEADERS,
                BODY).kind());
    }

    @Test
    void errorsAreFailedAttemptsWithTheirStatus() {
        DeliveryOutcome error = sender().send("http://hooks.example.test/500", HEADERS, BODY);
        assertEquals(DeliveryOutcome.Kind.FAILED, error.kind());
        assertEquals(500, error.status());
        assertEquals("answered HTTP 500", error.detail());
        assertNull(error.retryAfter());
        assertEquals(404, sender().send("http://hooks.example.test/404", HEADERS, BODY).status());
    }

    @Test
    void retryAfterIsReadInSecondsOrAsADate() {
        assertEquals(Duration.ofSeconds(120), sender().send("http://hooks.example.test/busy", HEADERS, BODY)
                .retryAfter());
        assertEquals(Duration.ofSeconds(90), sender().send("http://hooks.example.test/throttled", HEADERS, BODY)
                .retryAfter());
    }

    @Test
    void aRedirectIsNeverFollowed() {
        DeliveryOutcome outcome = sender().send("http://hooks.example.test/moved", HEADERS, BODY);
        assertEquals(DeliveryOutcome.Kind.FAILED, outcome.kind());
        assertEquals(307, outcome.status());
        assertTrue(outcome.detail().contains("not followed"), outcome.detail());
        assertEquals(1, received.size());
        assertEquals(List.of(new InetSocketAddress(PUBLIC_A, 80)), dialled);
    }

    @Test
    void aReceiverThatHangsTimesOut() {
        DeliveryOutcome outcome = sender(false, new SafeWebhookSender.Limits(Duration.ofMillis(500),
                Duration.ofMillis(300))).send("http://hooks.example.test/hang", HEADERS, BODY);
        assertEquals(DeliveryOutcome.Kind.FAILED, outcome.kind());
        assertEquals(0, outcome.status());
        assertEquals("did not answer within 300 ms", outcome.detail());
    }

    @Test
    void aReceiverThatAcceptsButNeverReadsTimesOutToo() throws IOException {
        try (SilentServer silent = new SilentServer()) {
            DeliveryOutcome outcome = sender(true, new SafeWebhookSender.Limits(Duration.ofMillis(500),
                    Duration.ofMillis(300))).send(silent.uri() + "/hook", HEADERS, BODY);
            assertEquals(DeliveryOutcome.Kind.FAILED, outcome.kind());
            assertEquals("did not answer within 300 ms", outcome.detail());
            assertEquals(1, silent.connections());
        }
    }

    @Test
    void theResponseBodyIsNeverRead() throws Exception {
        DeliveryOutcome outcome = sender().send("http://hooks.example.test/big", HEADERS, BODY);
        assertEquals(DeliveryOutcome.Kind.DELIVERED, outcome.kind());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!bigBodyCut.get() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(bigBodyCut.get(), "the receiver could not send its 50 MB: the sender hung up");
    }

    @Test
    void privateAndMetadataAddressesAreRefusedBeforeAnyConnection() {
        for (String host : List.of("private.example.test", "metadata.example.test", "mixed.example.test",
                "v6local.example.test", "127.0.0.1", "169.254.169.254")) {
            DeliveryOutcome outcome = sender().send("http://" + host + "/ok", HEADERS, BODY);
            assertEquals(DeliveryOutcome.Kind.REFUSED, outcome.kind(), host);
            assertTrue(outcome.detail().contains("non-public address"), outcome.detail());
        }
        assertEquals(List.of(), dialled);
        assertEquals(List.of(), received);
    }

    @Test
    void aDnsAnswerThatTurnsPrivateIsRefusedAtTheNextDelivery() {
        changing.add(List.of(PUBLIC_A));
        changing.add(List.of(address("10.1.2.3")));
        assertEquals(DeliveryOutcome.Kind.DELIVERED, sender().send("http://rebind.example.test/ok", HEADERS, BODY)
                .kind());
        assertEquals(DeliveryOutcome.Kind.REFUSED, sender().send("http://rebind.example.test/ok", HEADERS, BODY)
                .kind());
        assertEquals(List.of(new InetSocketAddress(PUBLIC_A, 80)), dialled, "10.1.2.3 was never dialled");
    }

    @Test
    void loopbackIsTakenOnlyWhereAllowed() {
        String local = "http://127.0.0.1:" + port + "/ok";
        assertEquals(DeliveryOutcome.Kind.REFUSED, sender().send(local, HEADERS, BODY).kind());
        assertEquals(DeliveryOutcome.Kind.DELIVERED, sender(true, SafeWebhookSender.Limits.standard())
                .send(local, HEADERS, BODY).kind());
    }

    @Test
    void networkFailuresAreSaidInTheReceiversTerms() {
        DeliveryOutcome refused = sender().send("http://down.example.test/ok", HEADERS, BODY);
        assertEquals(DeliveryOutcome.Kind.FAILED, refused.kind());
        assertEquals("refused the connection", refused.detail());
        DeliveryOutcome unknown = sender().send("http://nowhere.example.test/ok", HEADERS, BODY);
        assertEquals("host nowhere.example.test does not resolve", unknown.detail());
        // https to a server that speaks plain HTTP: the handshake fails.
        DeliveryOutcome tls = sender().send("https://hooks.example.test/ok", HEADERS, BODY);
        assertEquals(DeliveryOutcome.Kind.FAILED, tls.kind());
        assertTrue(tls.detail().contains("TLS handshake"), tls.detail());
    }

    @Test
    void urlsThatAreNotWebhookUrlsAreRefusedUnsent() {
        SafeWebhookSender httpsOnly = new SafeWebhookSender(resolver(), dialler(), null, new AddressPolicy(false),
                false, SafeWebhookSender.Limits.standard(), Clock.systemUTC());
        assertEquals(DeliveryOutcome.Kind.REFUSED, httpsOnly.send("http://hooks.example.test/ok", HEADERS, BODY)
                .kind());
        assertEquals(DeliveryOutcome.Kind.REFUSED, sender().send("s3://bucket/key", HEADERS, BODY).kind());
        assertEquals(DeliveryOutcome.Kind.REFUSED, sender().send("http://u:p@hooks.example.test/ok", HEADERS, BODY)
                .kind());
        assertEquals(List.of(), dialled);
    }
}
