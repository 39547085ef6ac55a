package imagejobs.it.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import imagejobs.adapters.crypto.AesGcmSecretSealer;
import imagejobs.adapters.crypto.ServiceKeys;
import imagejobs.adapters.dynamo.DynamoWebhookSecretStore;
import imagejobs.it.ServiceStack;
import imagejobs.it.ServiceStack.Response;
import imagejobs.local.LocalStack;
import imagejobs.local.runtime.LocalWebhookKeys;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * GET /v1/webhooks/default/secret through the front door and the packaged status function: a tenant's secret is
 * made on first use and stays the same, each tenant has its own, the table holds it only sealed (under the local
 * stack's fixed service key), and nobody without a key gets one.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebhookSecretRouteEndToEndTest {
    private static final String ROUTE = "/v1/webhooks/default/secret";

    @Test
    void eachTenantGetsItsOwnSecretAndTheSameOneEveryTime() {
        Response first = ServiceStack.api(ServiceStack.TENANT_A).get(ROUTE);
        assertEquals(200, first.status(), first.raw().body());
        String key = first.body().path("key").asText();
        assertTrue(key.matches("whsec_[A-Za-z0-9+/]{43}="), key);
        assertEquals(List.of("key"), names(first.body().fieldNames()), "nothing but the key");

        Response again = ServiceStack.api(ServiceStack.TENANT_A).get(ROUTE);
        assertEquals(200, again.status());
        assertEquals(key, again.body().path("key").asText(), "the same tenant, the same secret");

        Response other = ServiceStack.api(ServiceStack.TENANT_B).get(ROUTE);
        assertEquals(200, other.status());
        assertNotEquals(key, other.body().path("key").asText(), "another tenant, another secret");
    }

    @Test
    void theTableHoldsTheSecretOnlySealed() {
        String key = ServiceStack.api(ServiceStack.TENANT_A).get(ROUTE).body().path("key").asText();
        LocalStack stack = ServiceStack.get();
        Map<String, AttributeValue> item = stack.dynamoDb().getItem(r -> r.tableName(
                stack.tableName("WebhookSecretsTable")).consistentRead(true).key(Map.of(DynamoWebhookSecretStore.TENANT,
                AttributeValue.fromS(ServiceStack.TENANT_A.tenant())))).item();
        String sealed = item.get(DynamoWebhookSecretStore.CURRENT).s();
        assertTrue(sealed.startsWith("v1."), sealed);
        assertFalse(item.toString().contains(key.substring("whsec_".length(), 20)), "never the secret in clear");
        AesGcmSecretSealer sealer = new AesGcmSecretSealer(() -> ServiceKeys.of(LocalWebhookKeys.MATERIAL, List.of()),
                new SecureRandom());
        assertEquals(key, sealer.open(ServiceStack.TENANT_A.tenant(), sealed).reveal(),
                "sealed under the local stack's fixed key, for this tenant");
    }

    @Test
    void withoutAKeyIs401() {
        Response none = ServiceStack.send(HttpRequest.newBuilder(ServiceStack.get().apiUrl().resolve(ROUTE)).GET());
        assertEquals(401, none.status());
        assertEquals("UNAUTHENTICATED", none.body().path("error").path("code").asText());
        assertFalse(none.raw().body().contains("whsec_"));
    }

    private static <T> List<T> names(java.util.Iterator<T> iterator) {
        List<T> all = new java.util.ArrayList<>();
        iterator.forEachRemaining(all::add);
        return all;
    }
}
