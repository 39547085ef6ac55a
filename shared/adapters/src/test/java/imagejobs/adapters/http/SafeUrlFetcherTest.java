package imagejobs.adapters.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import imagejobs.shared.image.TestImages;
import imagejobs.shared.reference.AddressPolicy;
import imagejobs.shared.worker.ReferenceException;
import imagejobs.shared.worker.UrlFetcher;

/**
 * The SSRF guard. Names resolve through an injected table ("public-looking" hosts get public addresses that are
 * never really dialled); the test dialler maps those public addresses onto a server on 127.0.0.1 and refuses
 * (and records) anything else, so every test can show which addresses a connection was attempted to.
 */
class SafeUrlFetcherTest {
    private static final InetAddress PUBLIC_A = address("93.184.216.34");
    private static final InetAddress PUBLIC_B = address("93.184.216.35");
    private static final byte[] PNG = TestImages.png(40, 30);

    private HttpServer server;
    private int port;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<InetSocketAddress> dialled = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger lookups = new AtomicInteger();

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private final Map<String, List<InetAddress>> dns = Map.of(
            "images.example.test", List.of(PUBLIC_A),
            "cdn.example.test", List.of(PUBLIC_B),
            "private.example.test", List.of(address("10.0.0.5")),
            "metadata.example.test", List.of(address("169.254.169.254")),
            "mixed.example.test", List.of(PUBLIC_A, address("192.168.0.10")),
            "v6local.example.test", List.of(address("fd00:ec2::254")));

    private SafeUrlFetcher.Resolver resolver() {
        return host -> {
            lookups.incrementAndGet();
            List<InetAddress> found = dns.get(host);
            if (found != null) {
                return found;
            }
            if (host.chars().allMatch(c -> Character.isDigit(c) || c == '.' || c == ':' || Character.isLetter(c))
                    && (host.contains(":") || host.chars().allMatch(c -> Character.isDigit(c) || c == '.'))) {
                return List.of(InetAddress.getByName(host)); // IP literals only: no real DNS in tests
            }
            throw new UnknownHostException(host);
        };
    }

    /** Public test addresses go to the local server; anything else is refused here, before any packet. */
    private SafeUrlFetcher.Dialler connector() {
        return vetted -> {
            dialled.add(vetted);
            if (vetted.getAddress().equals(PUBLIC_A) || vetted.getAddress().equals(PUBLIC_B)) {
                return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            }
            if (vetted.getAddress().isLoopbackAddress()) {
                return SafeUrlFetcher.Dialler.direct().target(vetted);
            }
            throw new AssertionError("the fetcher tried to connect to " + vetted);
        };
    }

    private SafeUrlFetcher fetcher(boolean allowLoopback, SafeUrlFetcher.Limits limits) {
        return new SafeUrlFetcher(resolver(), connector(), null, new AddressPolicy(allowLoopback), true, limits);
    }

    private SafeUrlFetcher fetcher() {
        return fetcher(false, SafeUrlFetcher.Limits.standard());
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::serve);
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
        port = server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    private void serve(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        requests.add(ex.getRequestHeaders().getFirst("host") + path);
        try (ex) {
            switch (path) {
                case "/cat.png" -> send(ex, "image/png", PNG);
                case "/cat-labelled-jpeg" -> send(ex, "image/jpeg; charset=binary", PNG);
                case "/fake.png" -> send(ex, "image/png", "<html>not an image</html>".getBytes());
                case "/page" -> send(ex, "text/html", "<html></html>".getBytes());
                case "/none" -> send(ex, null, PNG);
                case "/gzip" -> {
                    ex.getResponseHeaders().add("content-encoding", "gzip");
                    send(ex, "image/png", PNG);
                }
                case "/big" -> {
                    ex.getResponseHeaders().add("content-type", "image/png");
                    ex.sendResponseHeaders(200, 8L * 1024 * 1024);
                    writeQuietly(ex.getResponseBody(), PNG, 8 * 1024 * 1024);
                }
                case "/big-chunked" -> {
                    ex.getResponseHeaders().add("content-type", "image/png");
                    ex.sendResponseHeaders(200, 0);
                    writeQuietly(ex.getResponseBody(), PNG, 8 * 1024 * 1024);
                }
                case "/chunked.png" -> {
                    ex.getResponseHeaders().add("content-type", "image/png");
                    ex.sendResponseHeaders(200, 0);
                    ex.getResponseBody().write(PNG);
                }
                case "/slow" -> await();
                case "/404" -> ex.sendResponseHeaders(404, -1);
                case "/to-private" -> redirect(ex, "http://private.example.test/cat.png");
                case "/to-metadata" -> redirect(ex, "http://169.254.169.254/latest/meta-data/");
                case "/to-loopback" -> redirect(ex, "http://127.0.0.1:" + port + "/cat.png");
                case "/to-v6" -> redirect(ex, "http://[::1]:" + port + "/cat.png");
                case "/to-cdn" -> redirect(ex, "http://cdn.example.test/cat.png");
                case "/to-relative" -> redirect(ex, "/cat.png");
                case "/to-ftp" -> redirect(ex, "ftp://images.example.test/cat.png");
                default -> {
                    if (path.startsWith("/hops/")) {
                        int n = Integer.parseInt(path.substring("/hops/".length()));
                        redirect(ex, n == 0 ? "/cat.png" : "/hops/" + (n - 1));
                    } else {
                        ex.sendResponseHeaders(404, -1);
                    }
                }
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

    private static void send(HttpExchange ex, String type, byte[] body) throws IOException {
        if (type != null) {
            ex.getResponseHeaders().add("content-type", type);
        }
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
    }

    private static void redirect(HttpExchange ex, String location) throws IOException {
        ex.getResponseHeaders().add("location", location);
        ex.sendResponseHeaders(302, -1);
    }

    private static void writeQuietly(OutputStream out, byte[] head, int total) {
        try {
            out.write(head);
            byte[] block = new byte[64 * 1024];
            for (int written = head.length; written < total; written += block.length) {
                out.write(block, 0, Math.min(block.length, total - written));
            }
        } catch (IOException expected) {
            // the fetcher hangs up at its cap
        }
    }

    private String url(String host, String path) {
        return "http://" + host + path;
    }

    private ReferenceException refused(SafeUrlFetcher fetcher, String url) {
        return assertThrows(ReferenceException.class, () -> fetcher.fetch(url));
    }

    private void assertNothingButPublicDialled() {
        for (InetSocketAddress a : dialled) {
            assertTrue(a.getAddress().equals(PUBLIC_A) || a.getAddress().equals(PUBLIC_B),
                    "a connection was attempted to " + a);
        }
    }

    // ---- the happy paths ----

    @Test
    void fetchesAPublicImageThroughThePinnedAddress() throws ReferenceException {
        UrlFetcher.Fetched fetched = fetcher().fetch(url("images.example.test", "/cat.png"));
        assertArrayEquals(PNG, fetched.bytes());
        assertEquals("image/png", fetched.contentType());
        assertEquals(List.of(new InetSocketAddress(PUBLIC_A, 80)), dialled);
        assertEquals(List.of("images.example.test/cat.png"), requests, "Host header names the host, not the address");
    }

    @Test
    void chunkedBodiesAndTheRealTypeFromTheMagicNumber() throws ReferenceException {
        assertArrayEquals(PNG, fetcher().fetch(url("images.example.test", "/chunked.png")).bytes());
        assertEquals("image/png", fetcher().fetch(url("images.example.test", "/cat-labelled-jpeg")).contentType());
    }

    @Test
    void followsUpToThreeRedirectsAcrossHosts() throws ReferenceException {
        assertArrayEquals(PNG, fetcher().fetch(url("images.example.test", "/hops/2")).bytes()); // 3 redirects
        assertArrayEquals(PNG, fetcher().fetch(url("images.example.test", "/to-relative")).bytes());
        assertArrayEquals(PNG, fetcher().fetch(url("images.example.test", "/to-cdn")).bytes());
        assertTrue(dialled.contains(new InetSocketAddress(PUBLIC_B, 80)));
        assertNothingButPublicDialled();
    }

    @Test
    void loopbackOnlyWithExplicitConfiguration() throws ReferenceException {
        String local = "http://127.0.0.1:" + port + "/cat.png";
        assertTrue(refused(fetcher(), local).getMessage().contains("non-public"));
        assertTrue(dialled.isEmpty());
        assertArrayEquals(PNG, fetcher(true, SafeUrlFetcher.Limits.standard()).fetch(local).bytes());
        assertTrue(refused(fetcher(true, SafeUrlFetcher.Limits.standard()), "http://10.1.2.3/x.png").getMessage()
                .contains("non-public"), "loopback permission opens nothing else");
    }

    // ---- refused before any connection ----

    @ParameterizedTest
    @ValueSource(strings = {"https://127.0.0.1/x.png", "https://127.0.0.1:8080/x.png", "https://10.0.0.1/x.png",
            "https://10.20.30.40/x.png", "https://172.16.5.4/x.png", "https://192.168.1.1/x.png",
            "https://169.254.169.254/latest/meta-data/iam/security-credentials/", "https://[::1]/x.png",
            "https://[::1]:443/x.png", "https://[fd00:ec2::254]/latest/meta-data/", "https://[fc00::1]/x.png",
            "https://[fe80::1]/x.png", "https://[::ffff:127.0.0.1]/x.png", "https://[::ffff:169.254.169.254]/x",
            "https://0.0.0.0/x.png", "https://224.0.0.1/x.png", "https://[ff02::1]/x.png", "https://100.64.1.1/x",
            "https://private.example.test/x.png", "https://metadata.example.test/latest/meta-data/",
            "https://mixed.example.test/x.png", "https://v6local.example.test/x.png"})
    void nonPublicTargetsAreRefusedWithoutAConnection(String url) {
        ReferenceException e = refused(fetcher(), url);
        assertTrue(e.getMessage().contains("non-public"), e.getMessage());
        assertTrue(e.getMessage().startsWith("reference https://"), "the message names the URL");
        assertTrue(dialled.isEmpty(), "dialled " + dialled);
        assertTrue(requests.isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/to-private", "/to-metadata", "/to-loopback", "/to-v6"})
    void aPublicHostThatRedirectsToAPrivateOneIsRefused(String path) {
        ReferenceException e = refused(fetcher(), url("images.example.test", path));
        assertTrue(e.getMessage().contains("non-public") && e.getMessage().contains("via"), e.getMessage());
        assertEquals(List.of(new InetSocketAddress(PUBLIC_A, 80)), dialled, "only the public host was dialled");
        assertEquals(List.of("images.example.test" + path), requests, "the private target saw no request");
    }

    @Test
    void moreThanThreeRedirects() {
        ReferenceException e = refused(fetcher(), url("images.example.test", "/hops/3"));
        assertTrue(e.getMessage().contains("more than 3"), e.getMessage());
        assertEquals(4, requests.size());
    }

    @Test
    void theVettedAddressIsTheOneDialledEvenIfDnsChangesItsMind() throws ReferenceException {
        // Rebinding: a second lookup would say 10.0.0.1. The fetcher looks up once per hop and dials that answer.
        AtomicInteger calls = new AtomicInteger();
        SafeUrlFetcher.Resolver rebinding = host -> calls.getAndIncrement() == 0 ? List.of(PUBLIC_A)
                : List.of(InetAddress.getByName("10.0.0.1"));
        SafeUrlFetcher fetcher = new SafeUrlFetcher(rebinding, connector(), null, new AddressPolicy(false), true,
                SafeUrlFetcher.Limits.standard());
        assertArrayEquals(PNG, fetcher.fetch(url("rebind.example.test", "/cat.png")).bytes());
        assertEquals(1, calls.get());
        assertNothingButPublicDialled();
    }

    // ---- what comes back must be an image of an accepted kind and size ----

    @Test
    void declaredLengthOverSevenMegabytesIsRefusedUnread() {
        assertTrue(refused(fetcher(), url("images.example.test", "/big")).getMessage().contains("larger than 7340032"));
    }

    @Test
    void streamedBodyOverSevenMegabytesStopsAtTheCap() {
        assertTrue(refused(fetcher(), url("images.example.test", "/big-chunked")).getMessage()
                .contains("larger than"));
    }

    @Test
    void contentTypeAndMagicNumberMustBothBeAnImage() {
        assertTrue(refused(fetcher(), url("images.example.test", "/page")).getMessage().contains("text/html"));
        assertTrue(refused(fetcher(), url("images.example.test", "/none")).getMessage().contains("(none)"));
        assertTrue(refused(fetcher(), url("images.example.test", "/fake.png")).getMessage()
                .contains("is not a PNG"));
        assertTrue(refused(fetcher(), url("images.example.test", "/gzip")).getMessage().contains("gzip"));
    }

    @Test
    void errorsNameTheUrlWithoutItsQuery() {
        ReferenceException e = refused(fetcher(), url("images.example.test", "/404?token=secret"));
        assertEquals("reference http://images.example.test/404?… answered HTTP 404", e.getMessage());
        assertFalse(e.getMessage().contains("secret"));
    }

    @Test
    void unknownHostsAndBadSchemes() {
        assertTrue(refused(fetcher(), "https://nowhere.example.test/x.png").getMessage().contains("does not resolve"));
        SafeUrlFetcher httpsOnly = new SafeUrlFetcher(resolver(), connector(), null, new AddressPolicy(false), false,
                SafeUrlFetcher.Limits.standard());
        assertTrue(refused(httpsOnly, "http://images.example.test/cat.png").getMessage().contains("https://"));
        assertFalse(httpsOnly.accepts("http://images.example.test/cat.png"));
        assertTrue(httpsOnly.accepts("https://images.example.test/cat.png"));
        assertTrue(refused(fetcher(), url("images.example.test", "/to-ftp")).getMessage().contains("ftp"));
        assertTrue(refused(fetcher(), "https://user:pw@images.example.test/cat.png").getMessage()
                .contains("credentials"));
        assertTrue(dialled.size() <= 1);
    }

    @Test
    void readTimeout() {
        SafeUrlFetcher quick = fetcher(false, new SafeUrlFetcher.Limits(3, SafeUrlFetcher.MAX_BYTES,
                Duration.ofSeconds(2), Duration.ofMillis(300), Duration.ofSeconds(5)));
        assertEquals("reference http://images.example.test/slow did not answer within 300 ms",
                refused(quick, url("images.example.test", "/slow")).getMessage());
    }

    // ---- TLS over the connection to the vetted address ----

    @Test
    void tlsChecksTheCertificateAgainstTheHostNameNotTheAddress(@TempDir Path dir) throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        assumeTrue(Files.isExecutable(keytool), "keytool not available");
        Path store = dir.resolve("server.p12");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=images.example.test", "-ext",
                "SAN=dns:images.example.test", "-validity", "2", "-storetype", "PKCS12", "-keystore",
                store.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        try (InputStream out = p.getInputStream()) {
            out.readAllBytes();
        }
        assumeTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool failed");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);

        HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(context));
        https.createContext("/", ex -> {
            try (ex) {
                send(ex, "image/png", PNG);
            }
        });
        https.start();
        try {
            int tlsPort = https.getAddress().getPort();
            SafeUrlFetcher.Dialler toTls = vetted -> {
                dialled.add(vetted);
                if (!vetted.getAddress().equals(PUBLIC_A) && !vetted.getAddress().equals(PUBLIC_B)) {
                    throw new AssertionError("dialled " + vetted);
                }
                return new InetSocketAddress(InetAddress.getLoopbackAddress(), tlsPort);
            };
            SafeUrlFetcher fetcher = new SafeUrlFetcher(resolver(), toTls, context, new AddressPolicy(false), false,
                    SafeUrlFetcher.Limits.standard());
            assertArrayEquals(PNG, fetcher.fetch("https://images.example.test/cat.png").bytes());
            assertEquals(new InetSocketAddress(PUBLIC_A, 443), dialled.get(0));
            // Same server, other name: the certificate does not match, so the fetch is refused.
            ReferenceException e = assertThrows(ReferenceException.class,
                    () -> fetcher.fetch("https://cdn.example.test/cat.png"));
            assertTrue(e.getMessage().contains("TLS"), e.getMessage());
        } finally {
            https.stop(0);
        }
    }
}
