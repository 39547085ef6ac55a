package imagejobs.it.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import imagejobs.adapters.dynamo.DynamoGateStore;
import imagejobs.local.TestPaths;
import imagejobs.local.emulators.DynamoDbLocalEmulator;
import imagejobs.local.emulators.LocalCredentials;
import imagejobs.local.resources.ResourceCreator;
import imagejobs.local.template.ResourceNames;
import imagejobs.local.template.StackContext;
import imagejobs.local.template.StackDefinitionReader;
import imagejobs.local.template.StackTemplate;
import imagejobs.local.template.TableDefinition;
import imagejobs.local.template.TemplateReader;
import imagejobs.shared.limits.GateStore;
import imagejobs.testing.GateStoreContract;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

/**
 * {@link DynamoGateStore} on DynamoDB Local, on the table template.yaml declares (LimitsTable: its key and TTL), held
 * to the {@link GateStoreContract}: the workers of the concurrency test are real threads making real conditional
 * writes.
 */
class DynamoGateStoreIntegrationTest extends GateStoreContract {
    private static DynamoDbLocalEmulator dynamo;
    private static DynamoDbClient client;
    private static DynamoGateStore store;
    private static String table;

    @BeforeAll
    static void start() {
        dynamo = DynamoDbLocalEmulator.start(0, TestPaths.nativeLibraries(), null);
        client = DynamoDbClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + dynamo.port()))
                .region(Region.US_EAST_1)
                .credentialsProvider(LocalCredentials.provider())
                .httpClient(UrlConnectionHttpClient.builder().build())
                .build();
        StackTemplate template = new TemplateReader().read(TestPaths.template());
        ResourceNames names = new ResourceNames(template, StackContext.local(Map.of()), "http://127.0.0.1:0");
        TableDefinition limits = new StackDefinitionReader(template, names).tables().stream()
                .filter(t -> t.logicalId().equals("LimitsTable")).findFirst()
                .orElseThrow(() -> new AssertionError("template.yaml declares no LimitsTable"));
        new ResourceCreator(client, null, null).createTable(limits);
        table = limits.tableName();
        store = new DynamoGateStore(client, table);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (dynamo != null) {
            dynamo.close();
        }
    }

    @Override
    protected GateStore store() {
        return store;
    }

    @Test
    void theTableIsTheTemplatesWithTimeToLiveOnExpiresAt() {
        assertEquals(TimeToLiveStatus.ENABLED, client.describeTimeToLive(r -> r.tableName(table))
                .timeToLiveDescription().timeToLiveStatus());
        assertEquals(DynamoGateStore.EXPIRES_AT, client.describeTimeToLive(r -> r.tableName(table))
                .timeToLiveDescription().attributeName());
        assertEquals(DynamoGateStore.PK, client.describeTable(r -> r.tableName(table)).table().keySchema().get(0)
                .attributeName());
    }

    @Test
    void everyItemExpiresOnceUnusedForEightDays() {
        long now = 1_772_358_000_000L;
        store.takeTicket("expiring-model", "acme", now);
        store.save("expiring-model", new imagejobs.shared.limits.GateState(), 0, now);

        for (String pk : new String[] {"line#expiring-model#acme", "gate#expiring-model"}) {
            Map<String, AttributeValue> item = client.getItem(r -> r.tableName(table)
                    .key(Map.of(DynamoGateStore.PK, AttributeValue.fromS(pk)))).item();
            assertTrue(item.containsKey(DynamoGateStore.EXPIRES_AT), pk);
            assertEquals(now / 1000 + 8 * 24 * 3600, Long.parseLong(item.get(DynamoGateStore.EXPIRES_AT).n()), pk);
        }
    }
}
