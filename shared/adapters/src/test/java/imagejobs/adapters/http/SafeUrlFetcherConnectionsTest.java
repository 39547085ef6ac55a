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
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;

import imagejobs.shared.image.TestImages;
import imagejobs.shared.reference.AddressPolicy;
import imagejobs.shared.worker.ReferenceException;

/**
 * Which connections the fetcher opens, seen from the servers' side: listeners on 127.0.0.1 (and [::1]) stand for
 * private addresses and count every connection made to them, with loopback references not allowed, so a fetcher that
 * ever dialled a private answer would show up in a count rather than in a recorded intention. The public test address
 * is routed to an image server on 127.0.0.1 by the dialler hook, which is applied only to vetted addresses.
 */
class SafeUrlFetcherConnectionsTest {
    private static final InetAddress PUBLIC = address("93.184.216.34");
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final byte[] PNG = TestImages.png(40, 30);

    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-server");
        t.setDaemon(true);
        return t;
    });
    private final List<AutoCloseable> servers = new CopyOnWriteArrayList<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> cookies = new CopyOnWriteArrayList<>();
    private int imagePort;

    @BeforeEach
    void start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
        server.createContext("/", this::serve);
        server.setExecutor(threads);
        server.start();
        servers.add(() -> server.stop(0));
        imagePort = server.getAddress().getPort();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable server : servers) {
            server.close();
        }
        threads.shutdownNow();
    }

    private final Map<String, String> redirects = new java.util.concurrent.ConcurrentHashMap<>();

    private void serve(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        requests.add(path);
        String cookie = ex.getRequestHeaders().getFirst("cookie");
        if (cookie != null) {
            cookies.add(cookie);
        }
        try (ex) {
            String location = redirects.get(path);
            if (location != null) {
                ex.getResponseHeaders().add("location", location);
                ex.getResponseHeaders().add("set-cookie", "session=secret; Path=/");
                ex.sendResponseHeaders(302, -1);
            } else if (path.equals("/cat.png")) {
                ex.getResponseHeaders().add("content-type", "image/png");
                ex.sendResponseHeaders(200, PNG.length);
                ex.getResponseBody().write(PNG);
            } else {
                ex.sendResponseHeaders(404, -1);
            }
        }
    }

    /** A listener that counts the connections made to it and answers none. */
    private final class Trap implements AutoCloseable {
        private final ServerSocket socket;
        private final AtomicInteger connections = new AtomicInteger();

        Trap(InetAddress address) throws IOException {
            socket = new ServerSocket(0, 50, address);
            servers.add(this);
            threads.submit(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket accepted = socket.accept();
                        connections.incrementAndGet();
                        accepted.close();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return socket.getLocalPort();
        }

        int connections() {
            return connections.get();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Every vetted address it is asked for; the public test address leads to the image server. */
    private SafeUrlFetcher.Dialler dialler(List<InetSocketAddress> dialled) {
        return vetted -> {
            dialled.add(vetted);
            return vetted.getAddress().equals(PUBLIC) ? new InetSocketAddress(LOOPBACK, imagePort) : vetted;
        };
    }

    private static SafeUrlFetcher.Resolver table(Map<String, List<InetAddress>> names) {
        return host -> {
            List<InetAddress> found = names.get(host);
            if (found != null) {
                return found;
            }
            if (host.contains(":") || host.chars().allMatch(c -> c == '.' || Character.isDigit(c))) {
                return List.of(InetAddress.getByName(host)); // a literal: no lookup
            }
            throw new UnknownHostException(host);
        };
    }

    // ---- DNS rebinding ----

    @Test
    void aNameWhoseNextAnswerIsPrivateIsNeverDialledThere() throws Exception {
        try (Trap trap = new Trap(LOOPBACK)) {
            // The first look-up says public, every later one 127.0.0.1, where the trap listens on the URL's port.
            AtomicInteger lookups = new AtomicInteger();
            SafeUrlFetcher.Resolver rebinding = host -> lookups.getAndIncrement() == 0 ? List.of(PUBLIC)
                    : List.of(LOOPBACK);
            List<InetSocketAddress> dialled = new CopyOnWriteArrayList<>();
            SafeUrlFetcher fetcher = new SafeUrlFetcher(rebinding, dialler(dialled), null, new AddressPolicy(false),
                    true, SafeUrlFetcher.Limits.standard());
            String base = "http://rebind.example.test:" + trap.port();

            // A same-host redirect needs a second connection, so a second look-up: refused, never dialled.
            redirects.put("/again", "/cat.png");
            ReferenceException e = assertThrows(ReferenceException.class, () -> fetcher.fetch(base + "/again"));
            assertEquals("reference " + base + "/again (via " + base + "/cat.png) resolves to a non-public address;"
                    + " only public internet hosts can be fetched", e.getMessage());
            assertEquals(List.of("/again"), requests, "the public answer served the first hop");
            assertEquals(List.of(new InetSocketAddress(PUBLIC, trap.port())), dialled);

            // A later download of the same URL looks the name up again rather than reusing the first answer or its
            // connection: refused as well.
            assertThrows(ReferenceException.class, () -> fetcher.fetch(base + "/cat.png"));
            assertEquals(3, lookups.get());
            assertEquals(0, trap.connections(), "nothing ever connected to the private answer");
        }
    }

    @Test
    void everyHopIsLookedUpOnceAndDialledAtWhatWasVetted() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        SafeUrlFetcher.Resolver counted = host -> {
            lookups.incrementAndGet();
            return List.of(PUBLIC);
        };
        List<InetSocketAddress> dialled = new CopyOnWriteArrayList<>();
        SafeUrlFetcher fetcher = new SafeUrlFetcher(counted, dialler(dialled), null, new AddressPolicy(false), true,
                SafeUrlFetcher.Limits.standard());
        redirects.put("/one", "/two");
        redirects.put("/two", "/cat.png");
        assertArrayEquals(PNG, fetcher.fetch("http://images.example.test/one").bytes());
        assertEquals(3, lookups.get(), "one look-up per hop");
        assertEquals(3, dialled.size());
        assertEquals(List.of("/one", "/two", "/cat.png"), requests);
    }

    // ---- redirects to private addresses ----

    @Test
    void aRedirectToAPrivateAddressIsRefusedBeforeAnyConnection() throws Exception {
        try (Trap v4 = new Trap(LOOPBACK); Trap v6 = new Trap(InetAddress.getByName("::1"))) {
            SafeUrlFetcher fetcher = new SafeUrlFetcher(table(Map.of(
                    "images.example.test", List.of(PUBLIC),
                    "internal.example.test", List.of(LOOPBACK),
                    "split.example.test", List.of(PUBLIC, LOOPBACK))), dialler(new CopyOnWriteArrayList<>()), null,
                    new AddressPolicy(false), true, SafeUrlFetcher.Limits.standard());
            List<String> targets = List.of("http://internal.example.test:" + v4.port() + "/x.png",
                    "http://split.example.test:" + v4.port() + "/x.png", "http://127.0.0.1:" + v4.port() + "/x.png",
                    "http://[::1]:" + v6.port() + "/x.png");
            int n = 0;
            for (String target : targets) {
                String path = "/away" + n++;
                redirects.put(path, target);
                ReferenceException e = assertThrows(ReferenceException.class,
                        () -> fetcher.fetch("http://images.example.test" + path));
                assertEquals("reference http://images.example.test" + path + " (via " + target + ") resolves to a"
                        + " non-public address; only public internet hosts can be fetched", e.getMessage());
            }
            assertEquals(targets.size(), requests.size(), "the public host answered each first hop");
            assertEquals(0, v4.connections());
            assertEquals(0, v6.connections());
        }
    }

    // ---- what the client never does ----

    @Test
    void noCookiesAndNoProxyFromTheEnvironment() throws Exception {
        try (Trap proxy = new Trap(LOOPBACK)) {
            String[] keys = {"http.proxyHost", "http.proxyPort", "https.proxyHost", "https.proxyPort"};
            String[] saved = new String[keys.length];
            for (int i = 0; i < keys.length; i++) {
                saved[i] = System.getProperty(keys[i]);
                System.setProperty(keys[i], i % 2 == 0 ? "127.0.0.1" : Integer.toString(proxy.port()));
            }
            try {
                SafeUrlFetcher fetcher = new SafeUrlFetcher(table(Map.of("images.example.test", List.of(PUBLIC))),
                        dialler(new CopyOnWriteArrayList<>()), null, new AddressPolicy(false), true,
                        SafeUrlFetcher.Limits.standard());
                redirects.put("/login", "/cat.png");
                assertArrayEquals(PNG, fetcher.fetch("http://images.example.test/login").bytes());
                assertArrayEquals(PNG, fetcher.fetch("http://images.example.test/cat.png").bytes());
            } finally {
                for (int i = 0; i < keys.length; i++) {
                    if (saved[i] == null) {
                        System.clearProperty(keys[i]);
                    } else {
                        System.setProperty(keys[i], saved[i]);
                    }
                }
            }
            assertEquals(List.of("/login", "/cat.png", "/cat.png"), requests);
            assertEquals(List.of(), cookies, "the cookie set by the redirect was never sent back");
            assertEquals(0, proxy.connections(), "the proxy the system properties name was never used");
        }
    }

    // ---- the total time limit ----

    @Test
    void aBodyDrippedSlowerThanTheTotalLimitIsCutOff() throws Exception {
        CountDownLatch hungUp = new CountDownLatch(1);
        ServerSocket drip = new ServerSocket(0, 10, LOOPBACK);
        servers.add(drip);
        threads.submit(() -> {
            try (Socket s = drip.accept()) {
                InputStream in = s.getInputStream();
                int matched = 0;
                for (int c; matched < 4 && (c = in.read()) >= 0; ) {
                    matched = c == "\r\n\r\n".charAt(matched) ? matched + 1 : (c == '\r' ? 1 : 0);
                }
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                // One byte every 50 ms: each read is well inside the read timeout, the whole never ends in time.
                for (int i = 0; i < 400; i++) {
                    out.write(i < PNG.length ? PNG[i] : 0);
                    out.flush();
                    Thread.sleep(50);
                }
            } catch (IOException e) {
                hungUp.countDown(); // the fetcher closed the connection under us
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
        SafeUrlFetcher fetcher = new SafeUrlFetcher(host -> List.of(PUBLIC),
                vetted -> new InetSocketAddress(LOOPBACK, drip.getLocalPort()), null, new AddressPolicy(false), true,
                new SafeUrlFetcher.Limits(3, SafeUrlFetcher.MAX_BYTES, Duration.ofSeconds(2), Duration.ofMillis(500),
                        Duration.ofSeconds(1)));
        ReferenceException e = assertThrows(ReferenceException.class,
                () -> fetcher.fetch("http://images.example.test/cat.png"));
        assertEquals("reference http://images.example.test/cat.png did not finish within 1 s", e.getMessage());
        assertTrue(hungUp.await(30, TimeUnit.SECONDS), "the server saw the connection closed");
    }

    // ---- TLS names the URL's host ----

    @Test
    void tlsPresentsAndChecksTheHostNameAsWrittenOverTheVettedAddress(@TempDir Path dir) throws Exception {
        // xn--r8jz45g.jp: HttpCore spells such a name in Unicode; the look-up, SNI and the certificate check must
        // still use the name the URL wrote.
        SSLContext context = selfSigned(dir, "xn--r8jz45g.jp");
        List<String> sni = new CopyOnWriteArrayList<>();
        HttpsServer https = HttpsServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters parameters = context.getDefaultSSLParameters();
                parameters.setSNIMatchers(List.of(new SNIMatcher(StandardConstants.SNI_HOST_NAME) {
                    @Override
                    public boolean matches(SNIServerName name) {
                        sni.add(((SNIHostName) name).getAsciiName());
                        return true;
                    }
                }));
                params.setSSLParameters(parameters);
            }
        });
        https.createContext("/", ex -> {
            try (ex) {
                ex.getResponseHeaders().add("content-type", "image/png");
                ex.sendResponseHeaders(200, PNG.length);
                ex.getResponseBody().write(PNG);
            }
        });
        https.setExecutor(threads);
        https.start();
        servers.add(() -> https.stop(0));
        List<String> lookedUp = new CopyOnWriteArrayList<>();
        List<InetSocketAddress> dialled = new CopyOnWriteArrayList<>();
        SafeUrlFetcher fetcher = new SafeUrlFetcher(host -> {
            lookedUp.add(host);
            return List.of(PUBLIC);
        }, vetted -> {
            dialled.add(vetted);
            return new InetSocketAddress(LOOPBACK, https.getAddress().getPort());
        }, context, new AddressPolicy(false), false, SafeUrlFetcher.Limits.standard());

        assertArrayEquals(PNG, fetcher.fetch("https://xn--r8jz45g.jp/cat.png").bytes());
        assertEquals(List.of("xn--r8jz45g.jp"), lookedUp);
        assertEquals(List.of(new InetSocketAddress(PUBLIC, 443)), dialled);
        assertEquals(List.of("xn--r8jz45g.jp"), sni, "SNI names the host, though the socket went to an address");
    }

    @Test
    void namesAreLookedUpAsWritten() {
        assertEquals("xn--r8jz45g.jp", VettingDnsResolver.asWritten(
                new org.apache.hc.core5.http.HttpHost("https", "xn--r8jz45g.jp", 443).getHostName()));
        // ß (IDNA 2008): Java's IDN would turn it into "ss"; HttpCore then leaves the name alone, and so do we.
        assertEquals("xn--strae-oqa.de", VettingDnsResolver.asWritten(
                new org.apache.hc.core5.http.HttpHost("https", "xn--strae-oqa.de", 443).getHostName()));
        assertEquals("images.example.test", VettingDnsResolver.asWritten("images.example.test"));
        assertEquals("::1", VettingDnsResolver.asWritten("::1"));
    }

    @Test
    void theResolverHandsOutResolvedVettedAddressesOnly() throws UnknownHostException {
        VettingDnsResolver resolver = new VettingDnsResolver(table(Map.of(
                "images.example.test", List.of(PUBLIC),
                "mixed.example.test", List.of(PUBLIC, address("10.0.0.5")))), new AddressPolicy(false),
                SafeUrlFetcher.Dialler.direct());
        List<InetSocketAddress> targets = resolver.resolve("images.example.test", 8443);
        assertEquals(List.of(new InetSocketAddress(PUBLIC, 8443)), targets);
        assertFalse(targets.get(0).isUnresolved(), "a resolved address: the socket looks nothing up");
        assertThrows(VettingDnsResolver.NonPublicAddress.class, () -> resolver.resolve("mixed.example.test", 443));
        UnknownHostException unknown = assertThrows(UnknownHostException.class,
                () -> resolver.resolve("nowhere.example.test", 443));
        assertFalse(unknown instanceof VettingDnsResolver.NonPublicAddress);
        assertEquals("images.example.test", resolver.resolveCanonicalHostname("images.example.test"));
    }

    private static SSLContext selfSigned(Path dir, String host) throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        assumeTrue(Files.isExecutable(keytool), "keytool not available");
        Path store = dir.resolve("server.p12");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=" + host, "-ext", "SAN=dns:" + host, "-validity", "2",
                "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "changeit", "-keypass",
                "changeit").redirectErrorStream(true).start();
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
        return context;
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
