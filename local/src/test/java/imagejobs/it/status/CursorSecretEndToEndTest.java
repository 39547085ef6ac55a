package imagejobs.it.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;

import imagejobs.it.ServiceStack;
import imagejobs.local.resources.LocalKey;
import imagejobs.local.LocalStack;
import imagejobs.shared.auth.ApiKey;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.json.Json;

/**
 * The deployed way of getting the list-cursor key: the packaged status function, given only CURSOR_SECRET_ID (as the
 * template sets it), reads the key from Secrets Manager with the SDK client in its own jar, once, on its first cursor.
 * Secrets Manager is a loopback stand-in speaking its JSON protocol (AWS_ENDPOINT_URL_SECRETS_MANAGER); it records
 * what it was asked.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CursorSecretEndToEndTest {
    private static final String STATUS = "StatusFunction";
    private static final String SECRET_ARN = "arn:aws:secretsmanager:us-east-1:000000000000:secret:CursorSigningSecret-Ab12Cd";
    private static final String SECRET = "h7Qw2LmZ9xVb4NcR8tKp1YsD6fGj3HuE5aWq0ZrT2yUi";

    private final List<JsonNode> asked = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private LocalStack stack;
    private HttpServer secretsManager;

    @BeforeEach
    void fakeSecretsManager() throws IOException {
        stack = ServiceStack.get();
        secretsManager = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        secretsManager.createContext("/", exchange -> {
            JsonNode request = Json.parse(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            asked.add(Json.object().put("target", target).set("body", request));
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            byte[] body;
            int status;
            if ("secretsmanager.GetSecretValue".equals(target) && SECRET_ARN.equals(request.path("SecretId").asText())) {
                status = 200;
                body = Json.write(Json.object().put("ARN", SECRET_ARN).put("Name", "CursorSigningSecret-Ab12Cd")
                        .put("VersionId", "v1").put("SecretString", SECRET)).getBytes(StandardCharsets.UTF_8);
            } else {
                status = 400;
                body = "{\"__type\":\"ResourceNotFoundException\",\"message\":\"no such secret\"}"
                        .getBytes(StandardCharsets.UTF_8);
            }
            exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        secretsManager.start();
        stack.environment().set(STATUS, "CURSOR_SECRET_ID", SECRET_ARN);
        stack.environment().set(STATUS, "AWS_ENDPOINT_URL_SECRETS_MANAGER",
                "http://127.0.0.1:" + secretsManager.getAddress().getPort());
        stack.function(STATUS).resetInstances();
    }

    @AfterEach
    void restore() {
        stack.environment().set(STATUS, "CURSOR_SECRET_ID", null);
        stack.environment().set(STATUS, "AWS_ENDPOINT_URL_SECRETS_MANAGER", null);
        stack.function(STATUS).resetInstances();
        secretsManager.stop(0);
    }

    @Test
    void listingPagesAreSignedWithTheKeyFromSecretsManagerReadOnce() {
        String key = ApiKey.PREFIX + "it_cursor_secret_" + UUID.randomUUID().toString().replace("-", "");
        String hash = ApiKey.hash(key);
        new DynamoKeyStore(stack.dynamoDb(), stack.tableName("KeysTable")).put(new KeyRecord(hash,
                ApiKey.idForHash(hash), "it-cursor-" + UUID.randomUUID().toString().substring(0, 8), true, null,
                Instant.now(), "integration test"));
        ServiceStack.Api client = ServiceStack.api(new LocalKey("unused", key));
        Set<String> submitted = new TreeSet<>();
        for (int i = 0; i < 3; i++) {
            submitted.add(client.submit("gemini-2.5-flash-image", "a heron, cursor secret " + i));
        }
        assertEquals(List.of(), asked, "nothing is read before a cursor is needed");

        Set<String> listed = new TreeSet<>();
        String cursor = null;
        String firstCursor = null;
        int pages = 0;
        do {
            ServiceStack.Response page = client.get("/v1/requests?limit=1" + (cursor == null ? "" : "&cursor=" + cursor));
            assertEquals(200, page.status(), page.raw().body());
            page.body().path("data").forEach(j -> listed.add(j.path("request_id").asText()));
            cursor = page.body().path("next_cursor").isTextual() ? page.body().path("next_cursor").asText() : null;
            firstCursor = firstCursor == null ? cursor : firstCursor;
            pages++;
        } while (cursor != null && pages < 10);
        assertEquals(submitted, listed, "every job, page by page");

        assertEquals(1, asked.size(), "one read per container, on the first cursor: " + asked);
        assertEquals("secretsmanager.GetSecretValue", asked.get(0).path("target").asText());
        assertEquals(SECRET_ARN, asked.get(0).path("body").path("SecretId").asText());
        assertTrue(authorizations.get(0).startsWith("AWS4-HMAC-SHA256 Credential="), "a signed SDK call");

        // The cursor really was signed with the secret: a status function with the table-derived key refuses it.
        stack.environment().set(STATUS, "CURSOR_SECRET_ID", null);
        stack.function(STATUS).resetInstances();
        ServiceStack.Response refused = client.get("/v1/requests?limit=1&cursor=" + firstCursor);
        assertEquals(400, refused.status(), refused.raw().body());
        assertEquals("INVALID_CURSOR", refused.body().path("error").path("code").asText());
    }
}
