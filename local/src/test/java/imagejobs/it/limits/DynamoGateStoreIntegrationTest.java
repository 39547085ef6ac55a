package imagejobs.it.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

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
import imagejobs.shared.limits.GateState;
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
        // The contract's clock, ahead of the wall clock: an item stamped in the past would be the TTL sweep's to delete.
        long now = T0.toEpochMilli();
        String model = "expiring-model-" + UUID.randomUUID();
        store.takeTicket(model, "acme", now);
        store.save(model, new GateState(), 0, now);

        for (String pk : new String[] {"line#" + model + "#acme", "gate#" + model}) {
            Map<String, AttributeValue> item = client.getItem(r -> r.tableName(table)
                    .key(Map.of(DynamoGateStore.PK, AttributeValue.fromS(pk)))).item();
            assertTrue(item.containsKey(DynamoGateStore.EXPIRES_AT), pk);
            assertEquals(now / 1000 + 8 * 24 * 3600, Long.parseLong(item.get(DynamoGateStore.EXPIRES_AT).n()), pk);
        }
    }

    /**
     * DynamoDB Local deletes items whose expires_at has passed (a sweep about every second, on every table with TTL
     * on), so what the contract writes must outlive a sweep: when its clock was a fixed past date, the sweep deleted
     * a line item while eight threads took tickets, its count started again at 1 and the ticket test saw "145 of 200"
     * distinct tickets whenever it ran slowly enough to meet a sweep (after the reliability suites, under load).
     */
    @Test
    void whatTheContractWritesOutlivesTheTimeToLiveSweep() {
        String model = "swept-model-" + UUID.randomUUID();
        long now = T0.toEpochMilli();
        for (int i = 0; i < 3; i++) {
            store.takeTicket(model, "acme", now);
        }
        assertTrue(store.save(model, new GateState(), 0, now));
        store.forceCoolDown(model, now + 5_000);

        // An item already expired: once it is gone, a sweep has passed over the table since the writes above.
        String marker = "sweep-marker#" + UUID.randomUUID();
        client.putItem(r -> r.tableName(table).item(Map.of(DynamoGateStore.PK, AttributeValue.fromS(marker),
                DynamoGateStore.EXPIRES_AT, AttributeValue.fromN(Long.toString(System.currentTimeMillis() / 1000 - 60)))));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (exists(marker) && System.nanoTime() < deadline) {
            pause(100);
        }
        assertFalse(exists(marker), "DynamoDB Local's TTL sweep did not delete an expired item within 60 s");

        assertEquals(new GateStore.Line(3, 0), store.line(model, "acme"), "the line survived the sweep");
        GateState state = store.load(model);
        assertEquals(2, state.version(), "the record survived the sweep");
        assertEquals(now + 5_000, state.coolUntil());
    }

    private static boolean exists(String pk) {
        return client.getItem(r -> r.tableName(table).key(Map.of(DynamoGateStore.PK, AttributeValue.fromS(pk)))
                .consistentRead(true)).hasItem();
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
