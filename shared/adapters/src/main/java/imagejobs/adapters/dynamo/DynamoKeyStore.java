package imagejobs.adapters.dynamo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import imagejobs.shared.jobs.Timestamps;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import imagejobs.shared.auth.ApiKey;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.auth.KeyStore;
import imagejobs.shared.auth.RateCounter;
import imagejobs.shared.errors.DependencyFailure.Dependency;
import imagejobs.adapters.aws.AwsFailures;

/**
 * {@link KeyStore} on DynamoDB. Rate counters live in the same table under {@code rate#…} (submits) and
 * {@code read#…} (status routes) keys with a TTL.
 */
public final class DynamoKeyStore implements KeyStore {
    public static final String KEY_HASH = "key_hash";
    public static final String KEY_ID = "key_id";
    public static final String TENANT = "tenant";
    public static final String STATUS = "status";
    public static final String RATE_PER_MINUTE = "rate_per_minute";
    public static final String CREATED_AT = "created_at";
    public static final String LABEL = "label";
    public static final String HITS = "hits";
    public static final String EXPIRES_AT = "expires_at";
    public static final String TENANT_INDEX = "tenant-index";
    /** BatchGetItem's limit per request. */
    public static final int MAX_BATCH_GET = 100;
    private static final int MAX_BATCH_GET_ATTEMPTS = 5;

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoKeyStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public Optional<KeyRecord> findByHash(String keyHash) {
        return AwsFailures.call(Dependency.KEYS_TABLE, () -> {
            Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table)
                    .key(Map.of(KEY_HASH, AttributeValue.fromS(keyHash)))).item();
            if (item == null || item.isEmpty() || !item.containsKey(TENANT)) {
                return Optional.empty();
            }
            return Optional.of(fromItem(item));
        });
    }

    @Override
    public void put(KeyRecord key) {
        AwsFailures.run(Dependency.KEYS_TABLE, () -> {
            Map<String, AttributeValue> item = new HashMap<>();
            item.put(KEY_HASH, AttributeValue.fromS(key.keyHash()));
            item.put(KEY_ID, AttributeValue.fromS(key.keyId()));
            item.put(TENANT, AttributeValue.fromS(key.tenant()));
            item.put(STATUS, AttributeValue.fromS(key.active() ? "active" : "disabled"));
            if (key.ratePerMinute() != null) {
                item.put(RATE_PER_MINUTE, AttributeValue.fromN(key.ratePerMinute().toString()));
            }
            item.put(CREATED_AT, AttributeValue.fromS(Timestamps.format(key.createdAt())));
            if (key.label() != null) {
                item.put(LABEL, AttributeValue.fromS(key.label()));
            }
            dynamo.putItem(r -> r.tableName(table).item(item));
        });
    }

    @Override
    public List<KeyRecord> list() {
        return AwsFailures.call(Dependency.KEYS_TABLE, () -> {
            List<KeyRecord> keys = new ArrayList<>();
            Map<String, AttributeValue> start = null;
            do {
                Map<String, AttributeValue> from = start;
                ScanResponse page = dynamo.scan(r -> r.tableName(table).filterExpression("attribute_exists(" + TENANT + ")")
                        .exclusiveStartKey(from));
                page.items().forEach(i -> keys.add(fromItem(i)));
                start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
            } while (start != null);
            return keys;
        });
    }

    @Override
    public boolean disable(String keyId) {
        return AwsFailures.call(Dependency.KEYS_TABLE, () -> {
            for (KeyRecord key : list()) {
                if (key.keyId().equals(keyId)) {
                    dynamo.updateItem(r -> r.tableName(table)
                            .key(Map.of(KEY_HASH, AttributeValue.fromS(key.keyHash())))
                            .updateExpression("SET #status = :disabled")
                            .expressionAttributeNames(Map.of("#status", STATUS))
                            .expressionAttributeValues(Map.of(":disabled", AttributeValue.fromS("disabled"))));
                    return true;
                }
            }
            return false;
        });
    }

    /**
     * The tenant index holds key hashes only (KEYS_ONLY), so the keys' status is read from the table itself, with a
     * consistent read: a key disabled a moment ago counts as disabled. Stops at the first active key.
     */
    @Override
    public TenantStatus tenantStatus(String tenant) {
        return AwsFailures.call(Dependency.KEYS_TABLE, () -> {
            boolean anyKey = false;
            Map<String, AttributeValue> start = null;
            do {
                Map<String, AttributeValue> from = start;
                QueryResponse page = dynamo.query(r -> r.tableName(table).indexName(TENANT_INDEX)
                        .keyConditionExpression("#tenant = :tenant")
                        .expressionAttributeNames(Map.of("#tenant", TENANT))
                        .expressionAttributeValues(Map.of(":tenant", AttributeValue.fromS(tenant)))
                        .exclusiveStartKey(from));
                List<String> hashes = page.items().stream().map(i -> i.get(KEY_HASH)).filter(Objects::nonNull)
                        .map(AttributeValue::s).toList();
                anyKey |= !hashes.isEmpty();
                if (anyActive(tenant, hashes)) {
                    return TenantStatus.ACTIVE;
                }
                start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
            } while (start != null);
            return anyKey ? TenantStatus.INACTIVE : TenantStatus.UNKNOWN;
        });
    }

    private boolean anyActive(String tenant, List<String> hashes) {
        for (int from = 0; from < hashes.size(); from += MAX_BATCH_GET) {
            List<Map<String, AttributeValue>> keys = hashes.subList(from, Math.min(hashes.size(), from + MAX_BATCH_GET))
                    .stream().map(h -> Map.of(KEY_HASH, AttributeValue.fromS(h))).toList();
            Map<String, KeysAndAttributes> request = Map.of(table, KeysAndAttributes.builder().keys(keys)
                    .consistentRead(true)
                    .projectionExpression("#tenant, #status")
                    .expressionAttributeNames(Map.of("#tenant", TENANT, "#status", STATUS))
                    .build());
            // BatchGetItem may leave keys unprocessed under load; the SDK does not retry those, so this loop does.
            for (int attempt = 1; !request.isEmpty(); attempt++) {
                if (attempt > MAX_BATCH_GET_ATTEMPTS) {
                    throw new IllegalStateException("DynamoDB left key statuses unread after " + MAX_BATCH_GET_ATTEMPTS
                            + " attempts");
                }
                Map<String, KeysAndAttributes> send = request;
                BatchGetItemResponse response = dynamo.batchGetItem(r -> r.requestItems(send));
                for (Map<String, AttributeValue> item : response.responses().getOrDefault(table, List.of())) {
                    boolean active = !item.containsKey(STATUS) || "active".equals(item.get(STATUS).s());
                    if (active && item.containsKey(TENANT) && tenant.equals(item.get(TENANT).s())) {
                        return true;
                    }
                }
                request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
                if (!request.isEmpty()) {
                    pause(attempt);
                }
            }
        }
        return false;
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(50L << attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading key statuses", e);
        }
    }

    @Override
    public boolean tryAcquire(String keyHash, RateCounter counter, int limit, Instant now) {
        if (limit <= 0) {
            return false; // the condition below passes on a window not yet written, so it cannot refuse the first
        }
        return AwsFailures.call(Dependency.KEYS_TABLE, () -> {
            long minute = now.getEpochSecond() / 60;
            String window = counter.prefix() + keyHash + "#" + minute;
            try {
                dynamo.updateItem(r -> r.tableName(table)
                        .key(Map.of(KEY_HASH, AttributeValue.fromS(window)))
                        .updateExpression("ADD " + HITS + " :one SET " + EXPIRES_AT + " = :expires")
                        .conditionExpression("attribute_not_exists(" + HITS + ") OR " + HITS + " < :limit")
                        .expressionAttributeValues(Map.of(
                                ":one", AttributeValue.fromN("1"),
                                ":limit", AttributeValue.fromN(Integer.toString(limit)),
                                ":expires", AttributeValue.fromN(Long.toString((minute + 2) * 60)))));
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            }
        });
    }

    private static KeyRecord fromItem(Map<String, AttributeValue> item) {
        return new KeyRecord(
                item.get(KEY_HASH).s(),
                item.containsKey(KEY_ID) ? item.get(KEY_ID).s() : ApiKey.idForHash(item.get(KEY_HASH).s()),
                item.get(TENANT).s(),
                !item.containsKey(STATUS) || "active".equals(item.get(STATUS).s()),
                item.containsKey(RATE_PER_MINUTE) ? Integer.valueOf(item.get(RATE_PER_MINUTE).n()) : null,
                item.containsKey(CREATED_AT) ? Timestamps.parse(item.get(CREATED_AT).s()) : Instant.EPOCH,
                item.containsKey(LABEL) ? item.get(LABEL).s() : null);
    }
}
