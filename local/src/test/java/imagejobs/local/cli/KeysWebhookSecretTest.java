package imagejobs.local.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.sun.net.httpserver.HttpServer;

import imagejobs.adapters.crypto.AesGcmSecretSealer;
import imagejobs.adapters.crypto.ServiceKeys;
import imagejobs.adapters.dynamo.DynamoWebhookSecretStore;
import imagejobs.adapters.secrets.WebhookServiceKeys;
import imagejobs.local.LocalStack;
import imagejobs.local.LocalStackConfig;
import imagejobs.local.TestPaths;
import imagejobs.local.emulators.LocalCredentials;
import imagejobs.local.runtime.LocalWebhookKeys;
import imagejobs.shared.webhooks.TenantWebhookSecrets;
import imagejobs.shared.webhooks.WebhookSecret;
import imagejobs.shared.webhooks.WebhookSecretStore;
import imagejobs.shared.webhooks.WebhookSignatures;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * {@code ./run-local keys rotate-webhook-secret} and {@code keys webhook-secret} against a running local stack's
 * WebhookSecretsTable: what they print, what the table then holds (sealed, under the key the functions use), and
 * what signs a delivery afterwards.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KeysWebhookSecretTest {
    private static final Pattern SECRET = Pattern.compile("secret: (whsec_[A-Za-z0-9+/]{43}=)");
    private static LocalStack stack;
    private static Map<String, String> env;

    @BeforeAll
    static void start() {
        stack = LocalStack.start(LocalStackConfig.builder(TestPaths.root()).startFunctions(false).keys(List.of())
                .out(new PrintStream(OutputStream.nullOutputStream())).build());
        env = Map.of("IMAGEJOBS_DYNAMODB_PORT", Integer.toString(stack.emulators().dynamoDb().port()));
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private record Run(int code, String out, String err) {
        String secret() {
            Matcher m = SECRET.matcher(out);
            assertTrue(m.find(), out);
            return m.group(1);
        }
    }

    private static Run keys(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new KeysCommand(env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(List.of(args));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** What the functions see: the same table, sealed under the local stack's fixed key. */
    private static TenantWebhookSecrets functionsView() {
        SecureRandom random = new SecureRandom();
        return new TenantWebhookSecrets(new DynamoWebhookSecretStore(stack.dynamoDb(), "WebhookSecretsTable"),
                new AesGcmSecretSealer(() -> ServiceKeys.of(LocalWebhookKeys.MATERIAL, List.of()), random), random,
                Clock.systemUTC());
    }

    private static String tenant() {
        return "acme-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void showMakesTheSecretOnFirstUseThenShowsTheSameOne() throws Exception {
        String tenant = tenant();
        Run first = keys("webhook-secret", "--tenant", tenant);
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("(made now: it had none)"), first.out());
        Run again = keys("webhook-secret", "--tenant", tenant);
        assertEquals(first.secret(), again.secret());
        assertFalse(again.out().contains("made now"), again.out());
        assertEquals(first.secret(), functionsView().current(tenant).reveal(), "what the secret route shows");
    }

    @Test
    void rotationPrintsTheNewSecretAndBothSignDuringTheGracePeriod() throws Exception {
        String tenant = tenant();
        String old = keys("webhook-secret", "--tenant", tenant).secret();
        Instant before = Instant.now();
        Run rotated = keys("rotate-webhook-secret", "--tenant", tenant);
        assertEquals(0, rotated.code(), rotated.err());
        String fresh = rotated.secret();
        assertNotEquals(old, fresh);
        Matcher until = Pattern.compile("The previous secret signs too until (\\S+) \\(24h\\)").matcher(rotated.out());
        assertTrue(until.find(), rotated.out());
        Instant previousUntil = Instant.parse(until.group(1));
        assertFalse(previousUntil.isBefore(before.plus(Duration.ofHours(24)).truncatedTo(ChronoUnit.SECONDS)),
                previousUntil.toString());

        List<WebhookSecret> signing = functionsView().signing(tenant);
        assertEquals(List.of(WebhookSecret.parse(fresh), WebhookSecret.parse(old)), signing, "new first, then old");
        Instant now = Instant.now();
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = WebhookSignatures.headers("msg_x_completed", now, body, signing);
        assertTrue(WebhookSignatures.verify("msg_x_completed", headers.get(WebhookSignatures.TIMESTAMP),
                headers.get(WebhookSignatures.SIGNATURE), body, List.of(WebhookSecret.parse(old)), now).valid(),
                "a receiver still holding the old secret verifies");

        WebhookSecretStore.Record stored = new DynamoWebhookSecretStore(stack.dynamoDb(), "WebhookSecretsTable")
                .get(tenant).orElseThrow();
        String item = stack.dynamoDb().getItem(r -> r.tableName("WebhookSecretsTable").key(Map.of("tenant",
                software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(tenant)))).item().toString();
        assertFalse(item.contains(fresh.substring(6, 30)) || item.contains(old.substring(6, 30)), "stored only sealed");
        assertEquals(previousUntil, stored.previousUntil().truncatedTo(ChronoUnit.SECONDS));

        Run shown = keys("webhook-secret", "--tenant", tenant);
        assertEquals(fresh, shown.secret());
        assertTrue(shown.out().contains("the previous secret signs too until " + previousUntil), shown.out());
    }

    @Test
    void graceZeroRetiresTheOldSecretAtOnce() throws Exception {
        String tenant = tenant();
        keys("webhook-secret", "--tenant", tenant);
        Run rotated = keys("rotate-webhook-secret", "--tenant", tenant, "--grace", "0");
        assertEquals(0, rotated.code(), rotated.err());
        assertTrue(rotated.out().contains("The previous secret no longer signs"), rotated.out());
        assertEquals(List.of(WebhookSecret.parse(rotated.secret())), functionsView().signing(tenant));
        assertNull(new DynamoWebhookSecretStore(stack.dynamoDb(), "WebhookSecretsTable").get(tenant).orElseThrow()
                .previous());
    }

    @Test
    void aRotationOfATenantWithoutASecretMakesOneFirst() throws Exception {
        String tenant = tenant();
        Run rotated = keys("rotate-webhook-secret", "--tenant", tenant, "--grace", "2h");
        assertEquals(0, rotated.code(), rotated.err());
        assertTrue(rotated.out().contains("(2h)"), rotated.out());
        assertEquals(rotated.secret(), functionsView().current(tenant).reveal());
    }

    @Test
    void badArgumentsAreUsageErrorsThatSayWhatIsWrong() {
        assertThrows(UsageException.class, () -> keys("rotate-webhook-secret"));
        assertTrue(assertThrows(UsageException.class, () -> keys("rotate-webhook-secret", "--tenant", "a",
                "--grace", "24")).getMessage().contains("--grace"));
        assertTrue(assertThrows(UsageException.class, () -> keys("rotate-webhook-secret", "--tenant", "a",
                "--grace", "8d")).getMessage().contains("at most 7d"));
        assertTrue(assertThrows(UsageException.class, () -> keys("rotate-webhook-secret", "--tenant", "bad tenant"))
                .getMessage().contains("--tenant"));
        assertTrue(assertThrows(UsageException.class, () -> keys("webhook-secret", "--tenant", "a",
                "--secrets-table", "T")).getMessage().contains("--key-secret-id"));
        assertTrue(assertThrows(UsageException.class, () -> keys("webhook-secret", "--tenant", "a",
                "--key-secret-id", "arn")).getMessage().contains("--secrets-table"));
        assertEquals(Duration.ofDays(7), WebhookSecretActions.grace("7d"));
        assertEquals(Duration.ofMinutes(90), WebhookSecretActions.grace("90m"));
        assertEquals(Duration.ZERO, WebhookSecretActions.grace("0"));
    }

    /**
     * The deployed stack's way: the service key read from Secrets Manager (a loopback stand-in speaking its JSON
     * protocol), AWSCURRENT and AWSPREVIOUS, and a table named like a stack's; a secret sealed there opens only with
     * that key.
     */
    @Test
    void withADeployedStacksKeyFromSecretsManager() throws Exception {
        String material = "a-deployed-stacks-generated-key-0123456789abcdef";
        HttpServer secretsManager = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        secretsManager.createContext("/", exchange -> {
            String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            boolean current = request.contains("AWSCURRENT");
            byte[] body = (current ? "{\"ARN\":\"arn:k\",\"Name\":\"k\",\"VersionId\":\"v1\",\"SecretString\":\""
                    + material + "\"}" : "{\"__type\":\"ResourceNotFoundException\",\"message\":\"no such version\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
            exchange.sendResponseHeaders(current ? 200 : 400, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        secretsManager.start();
        try (SecretsManagerClient client = SecretsManagerClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + secretsManager.getAddress().getPort()))
                .region(Region.US_EAST_1).credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials
                        .create(LocalCredentials.ACCESS_KEY_ID, LocalCredentials.SECRET_ACCESS_KEY))).build()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            WebhookSecretActions actions = new WebhookSecretActions(stack.dynamoDb(), "WebhookSecretsTable",
                    WebhookServiceKeys.from(Map.of(WebhookServiceKeys.KEY_SECRET_ID, "arn:k"), () -> client),
                    Clock.systemUTC(), new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
            String tenant = tenant();
            assertEquals(0, actions.rotate(tenant, Duration.ofHours(1), "table WebhookSecretsTable"));
            Matcher printed = SECRET.matcher(out.toString(StandardCharsets.UTF_8));
            assertTrue(printed.find());
            String sealed = new DynamoWebhookSecretStore(stack.dynamoDb(), "WebhookSecretsTable").get(tenant)
                    .orElseThrow().current();
            assertEquals(printed.group(1), new AesGcmSecretSealer(() -> ServiceKeys.of(material, List.of()),
                    new SecureRandom()).open(tenant, sealed).reveal(), "sealed under the key from Secrets Manager");

            ByteArrayOutputStream err = new ByteArrayOutputStream();
            WebhookSecretActions wrongKey = new WebhookSecretActions(stack.dynamoDb(), "WebhookSecretsTable",
                    () -> ServiceKeys.of(LocalWebhookKeys.MATERIAL, List.of()), Clock.systemUTC(),
                    new PrintStream(OutputStream.nullOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(1, wrongKey.show(tenant, "table WebhookSecretsTable"));
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("check --key-secret-id"), err.toString());
            assertEquals(1, wrongKey.rotate(tenant, Duration.ofHours(1), "table WebhookSecretsTable"),
                    "a grace period needs the old secret");
            assertEquals(0, wrongKey.rotate(tenant, Duration.ZERO, "table WebhookSecretsTable"),
                    "without one, a record that does not open is replaced");
            assertEquals(0, wrongKey.show(tenant, "table WebhookSecretsTable"));
        } finally {
            secretsManager.stop(0);
        }
    }
}
