package imagejobs.adapters.dynamo;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import imagejobs.adapters.aws.AwsFailures;
import imagejobs.shared.errors.DependencyFailure.Dependency;
import imagejobs.shared.jobs.Timestamps;
import imagejobs.shared.webhooks.WebhookSecretStore;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * {@link WebhookSecretStore} on DynamoDB: one item per tenant (key {@code tenant}) holding the sealed secrets only.
 * First writes are conditional on the item not existing, later ones on its {@code version}; reads are consistent so
 * a rotation is seen by the next delivery. Failures of DynamoDB are {@code DependencyFailure}s of the webhook secrets
 * table.
 */
public final class DynamoWebhookSecretStore implements WebhookSecretStore {
    public static final String TENANT = "tenant";
    public static final String CURRENT = "current";
    public static final String CURRENT_SINCE = "current_since";
    public static final String PREVIOUS = "previous";
    public static final String PREVIOUS_UNTIL = "previous_until";
    public static final String VERSION = "version";

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoWebhookSecretStore(DynamoDbClient dynamo, String tableName) {
        this.dynamo = dynamo;
        this.table = tableName;
    }

    @Override
    public Optional<Record> get(String tenant) {
        return AwsFailures.call(Dependency.WEBHOOK_SECRETS_TABLE, () -> read(tenant));
    }

    @Override
    public Record createIfAbsent(Record first) {
        return AwsFailures.call(Dependency.WEBHOOK_SECRETS_TABLE, () -> {
            try {
                dynamo.putItem(r -> r.tableName(table).item(toItem(first))
                        .conditionExpression("attribute_not_exists(#tenant)")
                        .expressionAttributeNames(Map.of("#tenant", TENANT)));
                return first;
            } catch (ConditionalCheckFailedException e) {
                // Another writer made the tenant's record first: everyone uses that one.
                return read(first.tenant()).orElseThrow(() -> new IllegalStateException(
                        "the webhook secret record was there and then gone"));
            }
        });
    }

    @Override
    public boolean replace(Record next, long expectedVersion) {
        return AwsFailures.call(Dependency.WEBHOOK_SECRETS_TABLE, () -> {
            try {
                dynamo.putItem(r -> r.tableName(table).item(toItem(next))
                        .conditionExpression("#version = :expected")
                        .expressionAttributeNames(Map.of("#version", VERSION))
                        .expressionAttributeValues(Map.of(":expected",
                                AttributeValue.fromN(Long.toString(expectedVersion)))));
                return true;
            } catch (ConditionalCheckFailedException e) {
                // The SDK sends a write again when its answer was lost; if the first one applied, the second fails
                // its condition. Taking that for a lost race would make a rotation rotate twice and drop the secret
                // still in its grace period, so a stored record equal to ours counts as written (sealed values
                // carry random nonces: another writer's record never equals it).
                return read(next.tenant()).map(next::equals).orElse(false);
            }
        });
    }

    private Optional<Record> read(String tenant) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table).consistentRead(true)
                .key(Map.of(TENANT, AttributeValue.fromS(tenant)))).item();
        if (item == null || item.isEmpty() || !item.containsKey(CURRENT)) {
            return Optional.empty();
        }
        return Optional.of(new Record(item.get(TENANT).s(), item.get(CURRENT).s(), instant(item, CURRENT_SINCE),
                item.containsKey(PREVIOUS) ? item.get(PREVIOUS).s() : null, instant(item, PREVIOUS_UNTIL),
                Long.parseLong(item.get(VERSION).n())));
    }

    private static Map<String, AttributeValue> toItem(Record record) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(TENANT, AttributeValue.fromS(record.tenant()));
        item.put(CURRENT, AttributeValue.fromS(record.current()));
        if (record.currentSince() != null) {
            item.put(CURRENT_SINCE, AttributeValue.fromS(Timestamps.format(record.currentSince())));
        }
        if (record.previous() != null) {
            item.put(PREVIOUS, AttributeValue.fromS(record.previous()));
        }
        if (record.previousUntil() != null) {
            item.put(PREVIOUS_UNTIL, AttributeValue.fromS(Timestamps.format(record.previousUntil())));
        }
        item.put(VERSION, AttributeValue.fromN(Long.toString(record.version())));
        return item;
    }

    private static Instant instant(Map<String, AttributeValue> item, String name) {
        return item.containsKey(name) ? Timestamps.parse(item.get(name).s()) : null;
    }
}
