package imagejobs.it.edits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import imagejobs.it.ServiceStack;
import imagejobs.local.LocalStack;
import imagejobs.shared.auth.ApiKey;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.auth.KeyStore.TenantStatus;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** {@link DynamoKeyStore#tenantStatus} on DynamoDB Local with the template's keys table and its tenant index. */
class TenantStatusIntegrationTest {
    private final LocalStack stack = ServiceStack.get();
    private final String table = stack.tableName("KeysTable");
    private final DynamoKeyStore keys = new DynamoKeyStore(stack.dynamoDb(), table);
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    private KeyRecord add(String tenant, String key, boolean active) {
        String hash = ApiKey.hash(key + run);
        KeyRecord record = new KeyRecord(hash, ApiKey.idForHash(hash), tenant, active, null, Instant.now(), "test");
        keys.put(record);
        return record;
    }

    @Test
    void aTenantIsUnknownInactiveOrActiveByItsKeys() {
        String tenant = "status" + run;
        assertEquals(TenantStatus.UNKNOWN, keys.tenantStatus(tenant));
        KeyRecord first = add(tenant, "k1", true);
        assertEquals(TenantStatus.ACTIVE, keys.tenantStatus(tenant));
        assertTrue(keys.disable(first.keyId()), "as `keys disable` does");
        assertEquals(TenantStatus.INACTIVE, keys.tenantStatus(tenant), "its only key is disabled");
        add(tenant, "k2", true);
        assertEquals(TenantStatus.ACTIVE, keys.tenantStatus(tenant), "a second, active key");
        assertEquals(TenantStatus.UNKNOWN, keys.tenantStatus("other" + run), "another tenant's keys do not count");
    }

    @Test
    void aKeyWrittenWithoutAStatusIsActiveAsAuthenticationReadsIt() {
        String tenant = "legacy" + run;
        stack.dynamoDb().putItem(r -> r.tableName(table).item(Map.of(
                DynamoKeyStore.KEY_HASH, AttributeValue.fromS(ApiKey.hash("legacy" + run)),
                DynamoKeyStore.TENANT, AttributeValue.fromS(tenant))));
        assertEquals(TenantStatus.ACTIVE, keys.tenantStatus(tenant));
    }

    @Test
    void manyDisabledKeysAreReadInBatchesAndPages() {
        // More keys than one BatchGetItem takes (100); the one active key comes last.
        String tenant = "many" + run;
        for (int i = 0; i < DynamoKeyStore.MAX_BATCH_GET + 30; i++) {
            add(tenant, "disabled-" + i, false);
        }
        assertEquals(TenantStatus.INACTIVE, keys.tenantStatus(tenant));
        add(tenant, "active", true);
        assertEquals(TenantStatus.ACTIVE, keys.tenantStatus(tenant));
    }
}
