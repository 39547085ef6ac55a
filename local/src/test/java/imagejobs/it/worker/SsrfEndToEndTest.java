package imagejobs.it.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.adapters.http.SafeUrlFetcher;
import imagejobs.it.ServiceStack;
import imagejobs.local.LocalStack;
import imagejobs.shared.reference.AddressPolicy;
import imagejobs.shared.worker.ReferenceException;
import imagejobs.shared.worker.UrlFetcher;

/**
 * Reference image URLs must never reach our own network. Each private target is refused with 400 at submit where
 * submit can tell from the URL (literal addresses), else the job fails with INVALID_REFERENCE naming the URL when the
 * worker resolves it; and wherever a server can listen on the private address (loopback, this machine's own
 * non-public addresses), that server sees no connection.
 *
 * <p>The shared stack allows loopback references (ALLOW_LOOPBACK_REFERENCES, so tests can serve images from
 * 127.0.0.1): there a server on 127.0.0.1 stands for a public image host that redirects. The loopback cases run with
 * it switched off: on the stack's submit and worker functions for one test (restored after), and on the production
 * {@link SafeUrlFetcher} with a resolver hook for names that resolve to private addresses.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SsrfEndToEndTest {
    private static final String MODEL = "gemini-2.5-flash-image";
    private static final String NON_PUBLIC = "resolves to a non-public address";
    private static WorkerStack.Tenant tenant;
    private static SsrfFixtures.ImageHost host;

    @BeforeAll
    static void start() throws IOException {
        tenant = WorkerStack.tenant("wssrf");
        host = new SsrfFixtures.ImageHost();
    }

    @AfterAll
    static void stop() {
        host.close();
    }

    /** Submits {@code url} as the reference image; the prompt's marker counts Gemini calls. */
    private static ServiceStack.Response submit(String url, String marker) {
        return tenant.api().post("/v1/requests", WorkerStack.simple(MODEL, marker, "image", url));
    }

    /** The submit's 400 naming the field and the URL. */
    private static void assertRefusedAtSubmit(String url) {
        String marker = WorkerStack.marker("a cat");
        ServiceStack.Response r = submit(url, marker);
        assertEquals(400, r.status(), url + " → " + r.raw().body());
        assertEquals("INVALID_REFERENCE", r.body().at("/error/code").asText(), r.raw().body());
        assertEquals("payload.image", r.body().at("/error/field").asText(), r.raw().body());
        assertTrue(r.body().at("/error/message").asText().contains(shown(url)), r.raw().body());
    }

    /** How submit's messages quote a URL: whole, or its first 60 characters and "…" when longer. */
    private static String shown(String url) {
        return url.length() > 60 ? url.substring(0, 60) + "…" : url;
    }

    /** Accepted at submit, then the job fails with INVALID_REFERENCE naming the URL, before any Gemini call. */
    private static JsonNode assertRefusedByTheWorker(String url, String... messageContains) {
        String marker = WorkerStack.marker("a cat");
        ServiceStack.Response r = submit(url, marker);
        assertEquals(202, r.status(), url + " → " + r.raw().body());
        JsonNode job = WorkerStack.awaitTerminal(tenant, r.body().path("request_id").asText());
        assertEquals("failed", job.path("status").asText(), job::toString);
        assertEquals("INVALID_REFERENCE", job.at("/error/code").asText(), job::toString);
        String message = job.at("/error/message").asText();
        assertTrue(message.contains(url), message);
        for (String part : messageContains) {
            assertTrue(message.contains(part), message);
        }
        assertFalse(job.at("/error/retryable").asBoolean());
        assertEquals(0, WorkerStack.upstreamCalls(marker), "Gemini is never called");
        return job;
    }

    /** Either of the two, whichever applies to this address (submit only checks literal ranges it knows). */
    private static void assertRefused(String url) {
        String marker = WorkerStack.marker("a cat");
        ServiceStack.Response r = submit(url, marker);
        if (r.status() == 400) {
            assertEquals("INVALID_REFERENCE", r.body().at("/error/code").asText(), r.raw().body());
            assertTrue(r.body().at("/error/message").asText().contains(shown(url)), r.raw().body());
            return;
        }
        assertEquals(202, r.status(), url + " → " + r.raw().body());
        JsonNode job = WorkerStack.awaitTerminal(tenant, r.body().path("request_id").asText());
        assertEquals("INVALID_REFERENCE", job.at("/error/code").asText(), job::toString);
        assertTrue(job.at("/error/message").asText().contains(url + " " + NON_PUBLIC), job::toString);
        assertEquals(0, WorkerStack.upstreamCalls(marker));
    }

    @Test
    void literalPrivateLinkLocalAndMetadataAddressesAreRefusedAtSubmit() {
        assertRefusedAtSubmit("https://10.0.0.1/cat.png");
        assertRefusedAtSubmit("http://10.1.2.3:8080/cat.png");
        assertRefusedAtSubmit("https://169.254.169.254/latest/meta-data/iam/security-credentials/");
        assertRefusedAtSubmit("http://[fd00:ec2::254]/latest/meta-data/");
        assertRefusedAtSubmit("https://[::ffff:10.0.0.1]/cat.png");
        assertRefusedAtSubmit("https://172.16.5.4/cat.png");
        assertRefusedAtSubmit("https://192.168.1.1/cat.png");
    }

    @Test
    void thisMachinesOwnNonPublicAddressesAreRefusedWithoutAConnection() throws IOException {
        List<InetAddress> addresses = SsrfFixtures.localNonPublicAddresses();
        assumeFalse(addresses.isEmpty(), "this machine has no non-public, non-loopback address to listen on");
        for (InetAddress address : addresses) {
            try (SsrfFixtures.Trap trap = new SsrfFixtures.Trap(address)) {
                assertRefused(trap.url("http", "/cat.png"));
                assertRefused(trap.url("https", "/cat.png"));
                assertEquals(0, trap.connections(), "nothing connected to " + address);
            }
        }
    }

    @Test
    void aHostThatRedirectsToAPrivateAddressIsRefusedAtTheRedirect() throws IOException {
        // Control: the same host serving an image, directly and through a redirect, is fetched.
        String marker = WorkerStack.marker("a cat");
        ServiceStack.Response ok = submit(host.redirect("ok", "/img.png"), marker);
        assertEquals(202, ok.status(), ok.raw().body());
        JsonNode fine = WorkerStack.awaitTerminal(tenant, ok.body().path("request_id").asText());
        assertEquals("success", fine.path("status").asText(), fine::toString);
        String inline = ServiceStack.simulatorCalls(marker).get(0).at("/body/contents/0/parts/1/inlineData/data")
                .asText();
        assertArrayEquals(SsrfFixtures.ImageHost.PNG, java.util.Base64.getDecoder().decode(inline));

        List<String> targets = new ArrayList<>(List.of("http://10.0.0.1/cat.png",
                "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
                "http://[fd00:ec2::254]/latest/meta-data/", "http://[::ffff:192.168.0.1]/cat.png"));
        List<SsrfFixtures.Trap> traps = new ArrayList<>();
        try {
            for (InetAddress address : SsrfFixtures.localNonPublicAddresses()) {
                SsrfFixtures.Trap trap = new SsrfFixtures.Trap(address);
                traps.add(trap);
                targets.add(trap.url("http", "/cat.png"));
            }
            int n = 0;
            for (String target : targets) {
                String name = "hop" + n++;
                String url = host.redirect(name, target);
                assertRefusedByTheWorker(url, "(via " + target + ")", NON_PUBLIC);
                assertEquals(1, host.hits("/r/" + name), "the public host was asked once, the target never");
            }
            // Two hops: the check holds on every redirect, not only the first.
            String last = targets.get(targets.size() - 1);
            String url = host.redirect("first", host.redirect("second", last));
            assertRefusedByTheWorker(url, "(via " + last + ")", NON_PUBLIC);
            assertEquals(1, host.hits("/r/second"));
            for (SsrfFixtures.Trap trap : traps) {
                assertEquals(0, trap.connections(), "nothing connected to " + trap.url("http", ""));
            }
        } finally {
            for (SsrfFixtures.Trap trap : traps) {
                trap.close();
            }
        }
    }

    @Test
    void withLoopbackReferencesOffTheStackRefusesLoopbackAndNamesThatResolveToIt() throws IOException {
        LocalStack stack = WorkerStack.stack();
        InetAddress local = InetAddress.getLocalHost();
        try (SsrfFixtures.Trap v4 = new SsrfFixtures.Trap(InetAddress.getByName("127.0.0.1"));
             SsrfFixtures.Trap v6 = new SsrfFixtures.Trap(InetAddress.getByName("::1"));
             SsrfFixtures.Trap named = new SsrfFixtures.Trap(local)) {
            loopbackReferences(stack, false);
            try {
                assertRefusedAtSubmit(v4.url("https", "/cat.png"));
                assertRefusedAtSubmit(v6.url("https", "/cat.png"));
                assertRefusedAtSubmit("https://localhost:" + v4.port() + "/cat.png");
                // A name submit cannot judge: this machine's host name, which resolves to a non-public address
                // (loopback or a private interface address). The worker resolves it and refuses.
                assumeFalse(new AddressPolicy(false).allowed(local), "the host name resolves to a public address");
                String url = "https://" + local.getHostName() + ":" + named.port() + "/cat.png";
                assertRefusedByTheWorker(url, NON_PUBLIC);
            } finally {
                loopbackReferences(stack, true);
            }
            assertEquals(0, v4.connections());
            assertEquals(0, v6.connections());
            assertEquals(0, named.connections());
        }
    }

    /** ALLOW_LOOPBACK_REFERENCES for the submit and worker functions; new instances pick it up. */
    private static void loopbackReferences(LocalStack stack, boolean allowed) {
        for (String function : List.of("SubmitFunction", WorkerStack.WORKER)) {
            stack.environment().set(function, "ALLOW_LOOPBACK_REFERENCES", Boolean.toString(allowed));
            stack.function(function).resetInstances();
        }
    }

    /**
     * The production fetcher with loopback off and a resolver hook standing in for DNS: public-looking names that
     * resolve, or redirect, to private addresses. The dialler records what it was asked to connect to; public
     * addresses are routed to the image host on 127.0.0.1.
     */
    @Test
    void publicLookingNamesThatResolveOrRedirectToPrivateAddressesAreRefusedBeforeAnyConnection() throws Exception {
        InetAddress publicAddress = InetAddress.getByAddress("images.example.com", new byte[] {93, (byte) 184, (byte) 215, 14});
        Map<String, List<InetAddress>> dns = Map.of(
                "images.example.com", List.of(publicAddress),
                "internal.example.net", List.of(InetAddress.getByName("127.0.0.1")),
                "v6.example.net", List.of(InetAddress.getByName("::1")),
                "corp.example.net", List.of(InetAddress.getByName("10.20.30.40")),
                "metadata.example.net", List.of(InetAddress.getByName("169.254.169.254")),
                "split.example.net", List.of(publicAddress, InetAddress.getByName("192.168.10.10")));
        List<InetSocketAddress> connected = new CopyOnWriteArrayList<>();
        SafeUrlFetcher fetcher = new SafeUrlFetcher(name -> {
            List<InetAddress> answer = dns.get(name);
            if (answer != null) {
                return answer;
            }
            if (name.contains(":") || name.chars().allMatch(c -> c == '.' || Character.isDigit(c))) {
                return SafeUrlFetcher.Resolver.system().resolve(name); // a literal: no lookup
            }
            throw new UnknownHostException(name);
        }, vetted -> {
            connected.add(vetted);
            // The public address stands for the internet: it leads to the image host.
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), host.port());
        }, null, new AddressPolicy(false), true, SafeUrlFetcher.Limits.standard());

        // Control: the public-looking host serves the image, directly and after a same-host redirect.
        host.redirect("local", "/img.png");
        UrlFetcher.Fetched image = fetcher.fetch("http://images.example.com/r/local");
        assertArrayEquals(SsrfFixtures.ImageHost.PNG, image.bytes());
        assertEquals(2, connected.size());
        connected.clear();

        try (SsrfFixtures.Trap v4 = new SsrfFixtures.Trap(InetAddress.getByName("127.0.0.1"));
             SsrfFixtures.Trap v6 = new SsrfFixtures.Trap(InetAddress.getByName("::1"))) {
            // Names resolving to private addresses: refused before connecting.
            for (String url : List.of("http://internal.example.net:" + v4.port() + "/cat.png",
                    "http://v6.example.net:" + v6.port() + "/cat.png", "http://corp.example.net/cat.png",
                    "http://metadata.example.net/latest/meta-data/", "http://split.example.net/cat.png",
                    "http://127.0.0.1:" + v4.port() + "/cat.png", "http://[::1]:" + v6.port() + "/cat.png",
                    "https://127.0.0.1:" + v4.port() + "/cat.png")) {
                ReferenceException e = assertThrows(ReferenceException.class, () -> fetcher.fetch(url));
                assertTrue(e.getMessage().contains(url + " " + NON_PUBLIC), e.getMessage());
            }
            assertEquals(List.of(), connected, "no connection at all");

            // A public-looking host redirecting to them: one connection, to the public host; none to the target.
            for (String target : List.of("http://internal.example.net:" + v4.port() + "/cat.png",
                    "http://v6.example.net:" + v6.port() + "/cat.png", "http://[::1]:" + v6.port() + "/cat.png",
                    "http://metadata.example.net/latest/meta-data/")) {
                connected.clear();
                host.redirect("away", target);
                ReferenceException e = assertThrows(ReferenceException.class,
                        () -> fetcher.fetch("http://images.example.com/r/away"));
                assertTrue(e.getMessage().contains("http://images.example.com/r/away (via " + target + ") "
                        + NON_PUBLIC), e.getMessage());
                assertEquals(List.of(new InetSocketAddress(publicAddress, 80)), connected);
            }
            assertEquals(0, v4.connections());
            assertEquals(0, v6.connections());
        }
    }
}
