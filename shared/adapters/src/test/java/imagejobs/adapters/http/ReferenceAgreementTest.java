package imagejobs.adapters.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.node.ArrayNode;

import imagejobs.shared.errors.Rejection;
import imagejobs.shared.image.TestImages;
import imagejobs.shared.json.Json;
import imagejobs.shared.reference.AddressPolicy;
import imagejobs.shared.reference.ReferenceUri;
import imagejobs.shared.storage.StoredObject;
import imagejobs.shared.validation.ImageReferences;
import imagejobs.shared.worker.UrlFetcher;
import imagejobs.shared.worker.ReferenceException;
import imagejobs.shared.worker.ReferenceResolver;
import imagejobs.testing.InMemoryObjectStore;

/**
 * Submit's check and the worker's resolver, fed the same tricky references, must agree on every one: what submit
 * refuses the worker refuses, and what submit accepts the worker takes as the same kind and acts on exactly the
 * canonical form submit stored (the same Files API URI passed to Gemini, the same bucket key read, the same URL
 * handed to the fetcher, which then resolves the same host and dials the same port). The worker is given both the
 * text as the client wrote it (jobs stored before submit stored the canonical form) and the canonical form.
 *
 * <p>The worker side is the production {@link ReferenceResolver} with the production {@link SafeUrlFetcher}; only
 * DNS (names resolve to a public test address, literals to themselves) and the dial (recorded, then sent to a closed
 * port on 127.0.0.1, which refuses it) are stood in for, so nothing leaves the machine.
 */
class ReferenceAgreementTest {
    private static final String TENANT = "t1";
    private static final String BUCKET = "images-bucket";
    private static final InetAddress PUBLIC = address("93.184.216.34");
    private static final byte[] PNG = TestImages.png(4, 4);
    /** Nothing listens there: every dial ends in a refusal. */
    private static final InetSocketAddress CLOSED = closedPort();

    static Stream<String> trickyReferences() {
        List<String> uris = new ArrayList<>(List.of(
                // scheme and host case, trailing dots
                "HTTPS://images.example.com/a.png", "Https://Images.EXAMPLE.com/a.png", "hTTpS://images.example.com/a.png",
                "https://images.example.com./a.png", "https://images.example.com../a.png", "https://.example.com/a.png",
                "S3://images-bucket/inputs/t1/a.png", "s3://images-bucket/inputs/t1/a.png",
                "s3://IMAGES-BUCKET/inputs/t1/a.png", "s3://images-bucket/INPUTS/t1/a.png",
                "s3://images-bucket/inputs/T1/a.png",
                // the Files API and look-alikes
                "https://GENERATIVELANGUAGE.googleapis.com./v1beta/files/x",
                "https://generativelanguage.googleapis.com/v1beta/files/x",
                "HTTPS://generativelanguage.googleapis.com/v1beta/files/abc-123",
                "https://generativelanguage.googleapis.com:443/v1beta/files/x",
                "https://generativelanguage.googleapis.com/v1beta/files/x#part",
                "https://generativelanguage.googleapis.com:8443/v1beta/files/x",
                "https://generativelanguage.googleapis.com/v1beta/files/x?key=AIza",
                "https://generativelanguage.googleapis.com/v1beta/files/x/../y",
                "https://generativelanguage.googleapis.com/v1beta/files/..",
                "https://generativelanguage.googleapis.com/v1beta/models/m:generateContent",
                "https://generativelanguage.googleapis.com/", "http://generativelanguage.googleapis.com/v1beta/files/x",
                "https://generativelanguage.googleapis.com.evil.example/v1beta/files/x",
                "https://evil.example/generativelanguage.googleapis.com/v1beta/files/x",
                "https://generativelanguage%2Egoogleapis.com/v1beta/files/x",
                "https://%67enerativelanguage.googleapis.com/v1beta/files/x",
                // percent-encoding
                "https://images.example.com/a%20b.png", "https://images.example.com/a%2F..%2Fb.png",
                "https://images.example.com/%zz.png", "https://images.example.com/a.png%",
                "s3://images-bucket/inputs/t1/a%20b.png", "s3://images-bucket/inputs/t1/%2e%2e/t2/a.png",
                // userinfo
                "https://user@images.example.com/a.png", "https://user:pw@images.example.com/a.png",
                "https://images.example.com@evil.example/a.png", "https://:@images.example.com/a.png",
                "https://images.example.com/a@b.png", "s3://images-bucket/edits/t1/me@home.png",
                // IPv6 and IPv4 spellings
                "https://[::1]/a.png", "https://[::ffff:127.0.0.1]/a.png", "https://[::ffff:7f00:1]/a.png",
                "https://[2606:4700::1111]/a.png", "https://[2606:4700::1111]:8443/a.png",
                "https://[2606:4700::1111]:443/a.png", "https://[2606:4700::1111/a.png", "https://[fe80::1%25en0]/a.png",
                "https://[2001:db8::1]/a.png", "https://[1.2.3.4]/a.png", "https://[::ffff:10.0.0.1]/a.png",
                "https://127.0.0.1/a.png", "https://2130706433/a.png", "https://0x7f.0.0.1/a.png",
                "https://127.1/a.png", "https://8.8.8.8/a.png", "https://08.8.8.8/a.png", "https://256.1.1.1/a.png",
                "https://169.254.169.254/latest/meta-data/", "https://localhost/a.png", "https://api.localhost/a.png",
                // ports
                "https://images.example.com:443/a.png", "https://images.example.com:8443/a.png",
                "https://images.example.com:0/a.png", "https://images.example.com:65536/a.png",
                "https://images.example.com:/a.png", "https://images.example.com:+443/a.png",
                "https://images.example.com:0443/a.png", "https://images.example.com:44x/a.png",
                // backslashes
                "https://images.example.com\\a.png", "https:\\\\images.example.com/a.png",
                "https://images.example.com\\@evil.example/a.png", "s3://images-bucket/inputs/t1/a\\b.png",
                // dot segments and empty segments
                "https://images.example.com/a/../b.png", "https://images.example.com/./a.png",
                "s3://images-bucket/inputs/t1/../t2/a.png", "s3://images-bucket/inputs/t1/./a.png",
                "s3://images-bucket/inputs/t1/..", "s3://images-bucket/inputs/t1//a.png",
                "s3://images-bucket/inputs/t1/a.png/..", "s3://images-bucket/inputs/t1/", "s3://images-bucket/inputs/t1",
                "s3://images-bucket/conversations/t1/a.json", "s3://images-bucket/inputs/t10/a.png",
                "s3://images-bucket", "s3:///inputs/t1/a.png",
                // spaces and control characters
                " https://images.example.com/a.png", "https://images.example.com/a.png\n",
                "https://images.example.com/a b.png", "s3://images-bucket/edits/t1/my cat.png",
                "s3://images-bucket/edits/t1/tab\there.png", "s3://images-bucket/edits/t1/a.png ",
                // host names
                "https://my_bucket.s3.amazonaws.com/a.png", "https://-bad.example.com/a.png",
                "https://images.example.com-/a.png", "https://ｅxample.com/a.png", "https://例え.jp/a.png",
                "https://xn--r8jz45g.jp/a.png", "https://images.example.com/ä.png", "s3://images-bucket/inputs/t1/ä.png",
                // other schemes and shapes
                "http://images.example.com/a.png", "ftp://images.example.com/a.png", "gs://bucket/a.png",
                "data:image/png;base64,iVBORw0KGgo=", "file:///etc/passwd", "//images.example.com/a.png",
                "images.example.com/a.png", "https:images.example.com/a.png", "https:/images.example.com/a.png",
                "s3:/images-bucket/inputs/t1/a.png", "javascript:alert(1)", "https://", "https:///a.png",
                // queries and fragments
                "https://images.example.com/a.png?x=1#frag", "https://images.example.com#frag",
                "https://images.example.com?x", "https://images.example.com/a.png?sig=a%2Fb&x=",
                "https://images.example.com/a.png#a#b", "https://images.example.com/a.png?q=<x>"));
        uris.add("https://images.example.com/" + "a".repeat(2100) + ".png");
        uris.add("https://images.example.com/" + "a".repeat(2000) + ".png");
        return uris.stream();
    }

    @ParameterizedTest
    @MethodSource("trickyReferences")
    void submitAndWorkerAgree(String uri) {
        String submit = submitVerdict(uri);
        assertEquals(submit, workerVerdict(uri), "as written: " + printable(uri));
        if (!submit.equals(REFUSED)) {
            String canonical = new ImageReferences(BUCKET).check(uri, TENANT, "f").toString();
            assertEquals(submit, workerVerdict(canonical), "canonical: " + printable(canonical));
            assertEquals(submit, submitVerdict(canonical), "the canonical form is accepted as itself");
        }
    }

    /** The table holds both outcomes in number, so agreement is not agreement on refusing everything. */
    @Test
    void theTableHoldsEveryKindAndRefusals() {
        Map<String, Long> kinds = new java.util.TreeMap<>();
        trickyReferences().forEach(uri -> kinds.merge(submitVerdict(uri).split(" ")[0], 1L, Long::sum));
        assertTrue(kinds.getOrDefault("WEB", 0L) >= 15, kinds.toString());
        assertTrue(kinds.getOrDefault("S3", 0L) >= 8, kinds.toString());
        assertTrue(kinds.getOrDefault("FILES_API", 0L) >= 4, kinds.toString());
        assertTrue(kinds.getOrDefault(REFUSED, 0L) >= 40, kinds.toString());
    }

    private static final String REFUSED = "REFUSED";

    /** What submit decides, written as what the worker must then do. */
    private static String submitVerdict(String uri) {
        ReferenceUri ref;
        try {
            ref = new ImageReferences(BUCKET).check(uri, TENANT, "f");
        } catch (Rejection e) {
            assertEquals(Rejection.Kind.INVALID, e.kind());
            return REFUSED;
        }
        return switch (ref.kind()) {
            case FILES_API -> "FILES_API passed to Gemini as " + ref;
            case S3 -> "S3 read " + ref.key();
            case WEB -> "WEB fetch " + ref + " dialling " + ref.bareHost() + " port " + ref.port();
        };
    }

    /** What the production resolver and fetcher do with the reference stored as {@code uri}. */
    private static String workerVerdict(String uri) {
        List<String> read = new ArrayList<>();
        List<String> asked = new ArrayList<>();
        List<String> resolved = new ArrayList<>();
        List<InetSocketAddress> dialled = new ArrayList<>();
        InMemoryObjectStore store = new InMemoryObjectStore() {
            @Override
            public Optional<StoredObject> get(String key, long maxBytes) {
                read.add(key);
                return Optional.of(new StoredObject(key, PNG, "image/png", PNG.length, Map.of()));
            }
        };
        SafeUrlFetcher safe = new SafeUrlFetcher(host -> {
            resolved.add(host);
            if (host.equals("localhost") || host.endsWith(".localhost")) {
                return List.of(InetAddress.getLoopbackAddress());
            }
            if (host.contains(":") || host.chars().allMatch(c -> c == '.' || Character.isDigit(c))) {
                return List.of(InetAddress.getByName(host)); // a literal: no lookup
            }
            if (!host.chars().allMatch(c -> c < 0x80)) {
                throw new UnknownHostException(host);
            }
            return List.of(PUBLIC);
        }, vetted -> {
            dialled.add(vetted);
            return CLOSED; // the test stops at the dial
        }, null, new AddressPolicy(false), false, SafeUrlFetcher.Limits.standard());
        UrlFetcher fetcher = new UrlFetcher() {
            @Override
            public Fetched fetch(String url) throws ReferenceException {
                asked.add(url);
                return safe.fetch(url);
            }

            @Override
            public boolean accepts(String url) {
                return safe.accepts(url);
            }
        };
        ArrayNode contents = Json.array();
        contents.addObject().put("role", "user").putArray("parts").addObject().putObject("fileData")
                .put("fileUri", uri);
        ArrayNode out;
        try {
            out = new ReferenceResolver(store, fetcher).resolve(TENANT, contents, Set.of("image/png"));
        } catch (ReferenceException e) {
            assertFalse(e.getMessage().isBlank());
            if (dialled.isEmpty()) {
                return REFUSED;
            }
            assertEquals(1, asked.size());
            assertEquals(1, dialled.size());
            return "WEB fetch " + asked.get(0) + " dialling " + resolved.get(0) + " port " + dialled.get(0).getPort();
        }
        var part = out.get(0).get("parts").get(0);
        if (part.has("fileData")) {
            assertTrue(read.isEmpty() && asked.isEmpty());
            return "FILES_API passed to Gemini as " + part.get("fileData").get("fileUri").asText();
        }
        assertTrue(asked.isEmpty());
        assertEquals(1, read.size());
        return "S3 read " + read.get(0);
    }

    private static String printable(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "…" : s.replace("\n", "\\n").replace("\t", "\\t");
    }

    private static InetSocketAddress closedPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
