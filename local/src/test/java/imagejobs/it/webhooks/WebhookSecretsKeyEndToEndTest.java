package imagejobs.it.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;

import imagejobs.adapters.crypto.AesGcmSecretSealer;
import imagejobs.adapters.crypto.ServiceKeys;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.adapters.dynamo.DynamoWebhookSecretStore;
import imagejobs.it.ServiceStack;
import imagejobs.local.LocalStack;
import imagejobs.local.resources.LocalKey;
import imagejobs.local.runtime.LocalWebhookKeys;
import imagejobs.shared.auth.ApiKey;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.json.Json;
import imagejobs.shared.webhooks.SecretSealer;

/**
 * The deployed way of getting the key that seals webhook secrets: the packaged status function, given only
 * WEBHOOK_SECRETS_KEY_SECRET_ID (as the template sets it), reads the key's AWSCURRENT and AWSPREVIOUS versions from
 * Secrets Manager on the secret route's first call. After the key is rotated (a new AWSCURRENT, the old one now
 * AWSPREVIOUS) a new container still shows the same tenant secret and seals it again under the new key. Secrets
 * Manager is a loopback stand-in speaking its JSON protocol (AWS_ENDPOINT_URL_SECRETS_MANAGER).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebhookSecretsKeyEndToEndTest {
    private static final String STATUS = "StatusFunction";
    private static final String ARN = "arn:aws:secretsmanager:us-east-1:000000000000:secret:WebhookSecretsKey-Xy12Zw";
    private static final String FIRST = "first-generated-webhook-secrets-key-0123456789ab";
    private static final String SECOND = "second-generated-webhook-secrets-key-cdef0123456";

    /** Version stage → secret string; a stage not here answers ResourceNotFoundException, as for a never-rotated secret. */
    private final Map<String, String> versions = new ConcurrentHashMap<>();
    private final List<String> asked = new CopyOnWriteArrayList<>();
    private LocalStack stack;
    private HttpServer secretsManager;

    @BeforeEach
    void fakeSecretsManager() throws IOException {
        stack = ServiceStack.get();
        secretsManager = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        secretsManager.createContext("/", exchange -> {
            JsonNode request = Json.parse(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            String stage = request.path("VersionStage").asText("AWSCURRENT");
            asked.add(request.path("SecretId").asText() + " " + stage);
            String value = ARN.equals(request.path("SecretId").asText()) ? versions.get(stage) : null;
            byte[] body = (value != null ? Json.write(Json.object().put("ARN", ARN).put("Name", "WebhookSecretsKey")
                    .put("VersionId", stage.toLowerCase()).put("SecretString", value))
                    : "{\"__type\":\"ResourceNotFoundException\",\"message\":\"Secrets Manager can't find the specified"
                    + " secret value for staging label: " + stage + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
            exchange.sendResponseHeaders(value != null ? 200 : 400, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        secretsManager.start();
        stack.environment().set(STATUS, "WEBHOOK_SECRETS_KEY", null);
        stack.environment().set(STATUS, "WEBHOOK_SECRETS_KEY_SECRET_ID", ARN);
        stack.environment().set(STATUS, "AWS_ENDPOINT_URL_SECRETS_MANAGER",
                "http://127.0.0.1:" + secretsManager.getAddress().getPort());
        stack.function(STATUS).resetInstances();
    }

    /** Back to what the local stack gives the function (an override can be replaced, not withdrawn). */
    @AfterEach
    void restore() {
        stack.environment().set(STATUS, "WEBHOOK_SECRETS_KEY", LocalWebhookKeys.MATERIAL);
        stack.environment().set(STATUS, "WEBHOOK_SECRETS_KEY_SECRET_ID", null);
        stack.environment().set(STATUS, "AWS_ENDPOINT_URL_SECRETS_MANAGER", null);
        stack.function(STATUS).resetInstances();
        secretsManager.stop(0);
    }

    @Test
    void theKeyComesFromSecretsManagerAndARotatedKeyStillOpensWhatItSealed() {
        LocalKey tenant = new LocalKey("it-whkey-" + UUID.randomUUID().toString().substring(0, 8), ApiKey.generate());
        String hash = ApiKey.hash(tenant.key());
        new DynamoKeyStore(stack.dynamoDb(), stack.tableName("KeysTable")).put(new KeyRecord(hash,
                ApiKey.idForHash(hash), tenant.tenant(), true, null, Instant.now(), "integration test"));
        versions.put("AWSCURRENT", FIRST);

        ServiceStack.Response first = ServiceStack.api(tenant).get("/v1/webhooks/default/secret");
        assertEquals(200, first.status(), first.raw().body());
        String secret = first.body().path("key").asText();
        assertEquals(List.of(ARN + " AWSCURRENT", ARN + " AWSPREVIOUS"), asked, "both stages, once, on first use");
        assertEquals(secret, open(tenant.tenant(), FIRST), "sealed under the key from Secrets Manager");
        assertEquals(200, ServiceStack.api(tenant).get("/v1/webhooks/default/secret").status());
        assertEquals(2, asked.size(), "read once per container");

        // put-secret-value: a new AWSCURRENT, the old value becomes AWSPREVIOUS; a new container picks both up.
        versions.put("AWSPREVIOUS", FIRST);
        versions.put("AWSCURRENT", SECOND);
        stack.function(STATUS).resetInstances();
        ServiceStack.Response after = ServiceStack.api(tenant).get("/v1/webhooks/default/secret");
        assertEquals(200, after.status(), after.raw().body());
        assertEquals(secret, after.body().path("key").asText(), "the tenant's secret does not change");
        assertEquals(secret, open(tenant.tenant(), SECOND), "sealed again under the new key when read");
        assertThrows(SecretSealer.Broken.class, () -> open(tenant.tenant(), FIRST), "no longer under the old key");
        assertNotEquals(FIRST, SECOND);
        assertTrue(asked.size() >= 4, asked.toString());
    }

    private String open(String tenant, String material) {
        String sealed = new DynamoWebhookSecretStore(stack.dynamoDb(), stack.tableName("WebhookSecretsTable"))
                .get(tenant).orElseThrow().current();
        return new AesGcmSecretSealer(() -> ServiceKeys.of(material, List.of()), new SecureRandom()).open(tenant, sealed)
                .reveal();
    }
}
