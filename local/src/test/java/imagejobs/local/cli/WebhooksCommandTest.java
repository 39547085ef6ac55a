package imagejobs.local.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.sun.net.httpserver.HttpServer;

import imagejobs.local.emulators.Ports;
import imagejobs.shared.webhooks.WebhookEvent;
import imagejobs.shared.webhooks.WebhookIds;
import imagejobs.shared.webhooks.WebhookSecret;
import imagejobs.shared.webhooks.WebhookSignatures;

/** {@code ./run-local webhooks listen}: what it answers and prints for deliveries, and where it gets the secret. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebhooksCommandTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String BODY = "{\"request_id\":\"01M843ZRYZPH9PJKEJFZ7G4HQX\",\"status\":\"success\"}";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private WebhooksCommand command(Map<String, String> env) {
        return new WebhooksCommand(env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private WebhookListener listen(Map<String, String> env, String... args) throws IOException {
        WebhooksCommand.Listening listening = command(env).start(List.of(args));
        if (listening == null) {
            return null;
        }
        open.add(listening.listener());
        return listening.listener();
    }

    /** POSTs a delivery signed with {@code secrets}, as the service does; the receiver's HTTP status. */
    private static int deliver(URI url, List<WebhookSecret> secrets, String body) throws Exception {
        Map<String, String> headers = WebhookSignatures.headers(WebhookIds.of("01M843ZRYZPH9PJKEJFZ7G4HQX",
                WebhookEvent.COMPLETED), Instant.now(), BODY.getBytes(StandardCharsets.UTF_8), secrets);
        HttpRequest.Builder request = HttpRequest.newBuilder(url).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("content-type", "application/json");
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private String printed() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void itSaysWhetherEachSignatureHoldsAndAnswersLikeAReceiver() throws Exception {
        WebhookSecret secret = WebhookSecret.generate(RANDOM);
        WebhookListener listener = listen(Map.of(), "listen", "--port", "0", "--secret", secret.reveal());
        assertTrue(printed().contains("\"webhook\": \"" + listener.url() + "\""), printed());

        assertEquals(200, deliver(listener.url(), List.of(secret), BODY));
        assertEquals(401, deliver(listener.url(), List.of(WebhookSecret.generate(RANDOM)), BODY));
        assertEquals(401, deliver(listener.url(), List.of(secret), BODY.replace("success", "failed")));
        // During a rotation the service sends two signatures; one that matches is enough.
        assertEquals(200, deliver(listener.url(), List.of(WebhookSecret.generate(RANDOM), secret), BODY));

        String printed = printed();
        assertTrue(printed.contains("webhook-id msg_01M843ZRYZPH9PJKEJFZ7G4HQX_completed  request"
                + " 01M843ZRYZPH9PJKEJFZ7G4HQX success"), printed);
        assertTrue(printed.contains("signature: valid"), printed);
        assertTrue(printed.contains("signature: INVALID, none of the 1 v1 signature(s) matches"), printed);
        assertTrue(printed.contains(BODY), printed);
        assertFalse(printed.contains(secret.reveal()), "the secret is never printed");
        assertEquals(List.of(true, false, false, true), listener.deliveries().stream()
                .map(WebhookListener.Delivery::valid).toList());
    }

    @Test
    void failAnswersTheFirstDeliveries503SoRetriesCanBeWatched() throws Exception {
        WebhookSecret secret = WebhookSecret.generate(RANDOM);
        WebhookListener listener = listen(Map.of(), "listen", "--port", "0", "--secret", secret.reveal(),
                "--fail", "2");
        assertEquals(503, deliver(listener.url(), List.of(secret), BODY));
        assertEquals(503, deliver(listener.url(), List.of(secret), BODY));
        assertEquals(200, deliver(listener.url(), List.of(secret), BODY));
        assertEquals(List.of(503, 503, 200), listener.deliveries().stream().map(WebhookListener.Delivery::answered)
                .toList());
        assertTrue(printed().contains("answered 503 (--fail: the service will retry)"), printed());
    }

    /** A stand-in for the stack's secret route, answering the secrets in turn to the given key. */
    private URI api(String key, int status, AtomicReference<WebhookSecret> secret) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(Ports.LOOPBACK), 0), 0);
        server.createContext("/v1/webhooks/default/secret", exchange -> {
            try (exchange) {
                boolean authorised = ("Bearer " + key).equals(exchange.getRequestHeaders().getFirst("authorization"));
                byte[] body = ("{\"key\":\"" + secret.get().reveal() + "\"}").getBytes(StandardCharsets.UTF_8);
                int code = authorised ? status : 401;
                exchange.sendResponseHeaders(code, code == 200 ? body.length : -1);
                if (code == 200) {
                    exchange.getResponseBody().write(body);
                }
            }
        });
        server.start();
        open.add(() -> server.stop(0));
        return URI.create("http://" + Ports.LOOPBACK + ":" + server.getAddress().getPort());
    }

    @Test
    void withoutSecretItFetchesTheTenantsOwnFromTheApiAndAgainAfterARotation() throws Exception {
        WebhookSecret first = WebhookSecret.generate(RANDOM);
        AtomicReference<WebhookSecret> current = new AtomicReference<>(first);
        URI api = api("ij_test_key", 200, current);
        WebhookListener listener = listen(Map.of("IMAGEJOBS_LOCAL_KEYS", "acme:ij_test_key"), "listen", "--port", "0",
                "--api", api.toString());
        assertTrue(printed().contains("checked with the secret from " + api + "/v1/webhooks/default/secret"),
                printed());
        assertEquals(200, deliver(listener.url(), List.of(first), BODY));

        WebhookSecret rotated = WebhookSecret.generate(RANDOM);
        current.set(rotated);
        assertEquals(200, deliver(listener.url(), List.of(rotated), BODY));
        assertTrue(printed().contains("(with the secret fetched again: it was rotated)"), printed());
    }

    @Test
    void whenTheSecretCannotBeFetchedItSaysWhyAndStopsCleanly() throws Exception {
        AtomicReference<WebhookSecret> secret = new AtomicReference<>(WebhookSecret.generate(RANDOM));
        assertNull(listen(Map.of(), "listen", "--port", "0", "--api", api("k", 404, secret).toString(), "--key",
                "k"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("answered HTTP 404"), err.toString());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("pass the secret with --secret whsec_..."));

        assertNull(listen(Map.of(), "listen", "--port", "0", "--api", api("k", 200, secret).toString(),
                "--key", "wrong"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("refused the API key (HTTP 401)"), err.toString());

        int closed = Ports.freePort();
        assertNull(listen(Map.of(), "listen", "--port", "0", "--api", "http://127.0.0.1:" + closed));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("nothing answers at http://127.0.0.1:" + closed),
                err.toString());
    }

    @Test
    void wrongArgumentsAreUsageErrors() {
        assertThrows(UsageException.class, () -> command(Map.of()).start(List.of()));
        assertThrows(UsageException.class, () -> command(Map.of()).start(List.of("send")));
        UsageException secret = assertThrows(UsageException.class, () -> command(Map.of()).start(List.of("listen",
                "--secret", "whsec_bm90LWEtcmVhbC1zZWNyZXQ!")));
        assertFalse(secret.getMessage().contains("bm90LWEt"), "the given secret is not repeated");
        assertThrows(UsageException.class, () -> command(Map.of()).start(List.of("listen", "--port", "x")));
        assertThrows(UsageException.class, () -> command(Map.of()).start(List.of("listen", "--fail", "-1")));
    }
}
