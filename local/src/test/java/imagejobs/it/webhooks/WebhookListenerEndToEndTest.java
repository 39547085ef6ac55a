package imagejobs.it.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.it.ServiceStack;
import imagejobs.local.LocalStack;
import imagejobs.local.cli.KeysCommand;
import imagejobs.local.cli.WebhookListener;
import imagejobs.local.cli.WebhooksCommand;
import imagejobs.local.resources.LocalKey;
import imagejobs.shared.auth.ApiKey;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.webhooks.WebhookSecret;
import imagejobs.shared.webhooks.WebhookSignatures;

/**
 * {@code ./run-local webhooks listen} against the running stack: it takes the tenant's secret from the real
 * {@code GET /v1/webhooks/default/secret} (with the tenant's API key, as a client would), and after
 * {@code keys rotate-webhook-secret} it fetches the secret again when a delivery no longer verifies with the one it
 * had. Deliveries are signed here with the secrets the route and the CLI show (the delivery pipeline has tests of
 * its own).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebhookListenerEndToEndTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String BODY = "{\"request_id\":\"01M843ZRYZPH9PJKEJFZ7G4HQX\",\"status\":\"success\"}";

    @Test
    void theListenerVerifiesWithTheTenantsSecretAndFetchesItAgainAfterARotation() throws Exception {
        LocalStack stack = ServiceStack.get();
        // A tenant of its own: rotating it disturbs no other test of the shared stack.
        LocalKey tenant = new LocalKey("listener-" + UUID.randomUUID().toString().substring(0, 8),
                ApiKey.generate());
        String hash = ApiKey.hash(tenant.key());
        new DynamoKeyStore(stack.dynamoDb(), stack.tableName("KeysTable")).put(new KeyRecord(hash,
                ApiKey.idForHash(hash), tenant.tenant(), true, null, Instant.now(), "listener test"));
        String routeSecret = ServiceStack.api(tenant).get("/v1/webhooks/default/secret").body().path("key").asText();

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        WebhooksCommand.Listening listening = new WebhooksCommand(Map.of(), print, print).start(List.of("listen",
                "--port", "0", "--api", stack.apiUrl().toString(), "--key", tenant.key()));
        assertNotNull(listening, out.toString(StandardCharsets.UTF_8));
        try (WebhookListener listener = listening.listener()) {
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"webhook\": \"" + listener.url() + "\""));
            assertEquals(200, deliver(listener.url(), WebhookSecret.parse(routeSecret)));

            ByteArrayOutputStream cli = new ByteArrayOutputStream();
            int code = new KeysCommand(Map.of("IMAGEJOBS_DYNAMODB_PORT",
                    Integer.toString(stack.emulators().dynamoDb().port())),
                    new PrintStream(cli, true, StandardCharsets.UTF_8), print)
                    .run(List.of("rotate-webhook-secret", "--tenant", tenant.tenant(), "--grace", "0"));
            assertEquals(0, code, out.toString(StandardCharsets.UTF_8));
            String rotated = ServiceStack.api(tenant).get("/v1/webhooks/default/secret").body().path("key").asText();
            assertFalse(rotated.equals(routeSecret));
            assertTrue(cli.toString(StandardCharsets.UTF_8).contains("new secret: " + rotated), "the CLI printed it");

            assertEquals(200, deliver(listener.url(), WebhookSecret.parse(rotated)),
                    out.toString(StandardCharsets.UTF_8));
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("(with the secret fetched again: it was rotated)"));
            assertEquals(401, deliver(listener.url(), WebhookSecret.generate(new SecureRandom())),
                    "a secret that is not the tenant's does not verify");
            assertEquals(List.of(true, true, false), listener.deliveries().stream().map(WebhookListener.Delivery::valid)
                    .toList());
            assertFalse(out.toString(StandardCharsets.UTF_8).contains(rotated), "the listener never prints a secret");
        }
    }

    private static int deliver(URI url, WebhookSecret secret) throws Exception {
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = WebhookSignatures.headers("msg_01M843ZRYZPH9PJKEJFZ7G4HQX_completed",
                Instant.now(), body, List.of(secret));
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
