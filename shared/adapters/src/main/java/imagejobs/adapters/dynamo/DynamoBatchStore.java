package imagejobs.adapters.dynamo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.adapters.aws.AwsFailures;
import imagejobs.shared.errors.DependencyFailure.Dependency;
import imagejobs.shared.google.BatchProgress;
import imagejobs.shared.google.BatchRecord;
import imagejobs.shared.google.BatchState;
import imagejobs.shared.google.BatchStore;
import imagejobs.shared.jobs.JobStore.Position;
import imagejobs.shared.jobs.Timestamps;
import imagejobs.shared.json.Json;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * {@link BatchStore} on the batches table: key {@code batch_id}, GSI {@code tenant-created_at} (all attributes
 * projected: a listing shows every batch's state without a second read) for listing newest first. Reads by id are
 * consistent and checked against the tenant; cancel, freeze and delete are conditional writes (the tenant's batch;
 * freeze only once). Items stay far below DynamoDB's 400 KB: {@code BatchLimits} caps requests and each request's
 * metadata. Failures of DynamoDB are {@code DependencyFailure}s of the batches table.
 */
public final class DynamoBatchStore implements BatchStore {
    public static final String BATCH_ID = "batch_id";
    public static final String TENANT = "tenant";
    public static final String MODEL = "model";
    public static final String DISPLAY_NAME = "display_name";
    public static final String REQUEST_IDS = "request_ids";
    public static final String REQUEST_METADATA = "request_metadata";
    public static final String CREATED_AT = "created_at";
    public static final String UPDATED_AT = "updated_at";
    public static final String CANCEL_REQUESTED = "cancel_requested";
    public static final String INTAKE_FAILED = "intake_failed";
    public static final String FINAL_STATE = "final_state";
    public static final String END_TIME = "end_time";
    public static final String FINAL_STATS = "final_stats";
    public static final String EXPIRES_AT = "expires_at";
    public static final String TENANT_INDEX = "tenant-created_at";

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoBatchStore(DynamoDbClient dynamo, String tableName) {
        this.dynamo = dynamo;
        this.table = tableName;
    }

    @Override
    public boolean create(BatchRecord batch) {
        return AwsFailures.call(Dependency.BATCHES_TABLE, () -> {
            try {
                dynamo.putItem(r -> r.tableName(table).item(toItem(batch))
                        .conditionExpression("attribute_not_exists(#id)")
                        .expressionAttributeNames(Map.of("#id", BATCH_ID)));
                return true;
            } catch (ConditionalCheckFailedException e) {
                // The SDK's own retry of a write that landed finds it there: that is our batch, not a collision.
                return read(batch.batchId()).map(batch::equals).orElse(false);
            }
        });
    }

    @Override
    public Optional<BatchRecord> get(String tenant, String batchId) {
        return AwsFailures.call(Dependency.BATCHES_TABLE, () -> read(batchId))
                .filter(b -> b.tenant().equals(tenant));
    }

    @Override
    public BatchPage list(String tenant, Position after, int pageSize) {
        return AwsFailures.call(Dependency.BATCHES_TABLE, () -> {
            // One more than the page: whether there is a next page is known without an empty last call.
            QueryRequest.Builder query = QueryRequest.builder().tableName(table).indexName(TENANT_INDEX)
                    .keyConditionExpression("#tenant = :tenant")
                    .expressionAttributeNames(Map.of("#tenant", TENANT))
                    .expressionAttributeValues(Map.of(":tenant", AttributeValue.fromS(tenant)))
                    .scanIndexForward(false)
                    .limit(pageSize + 1);
            if (after != null) {
                query.exclusiveStartKey(Map.of(BATCH_ID, AttributeValue.fromS(after.requestId()),
                        TENANT, AttributeValue.fromS(tenant), CREATED_AT, AttributeValue.fromS(after.createdAt())));
            }
            QueryResponse response = dynamo.query(query.build());
            List<BatchRecord> batches = new ArrayList<>();
            for (Map<String, AttributeValue> item : response.items()) {
                batches.add(fromItem(item));
            }
            if (batches.size() <= pageSize) {
                return new BatchPage(batches, null);
            }
            List<BatchRecord> page = batches.subList(0, pageSize);
            BatchRecord last = page.get(pageSize - 1);
            return new BatchPage(page, new Position(Timestamps.format(last.createdAt()), last.batchId()));
        });
    }

    @Override
    public boolean requestCancel(String tenant, String batchId, Instant at) {
        return conditionalUpdate(batchId, "SET #cancel = :true, #updated = :at", "#tenant = :tenant",
                Map.of("#cancel", CANCEL_REQUESTED, "#updated", UPDATED_AT, "#tenant", TENANT),
                Map.of(":true", AttributeValue.fromBool(true), ":at", AttributeValue.fromS(Timestamps.format(at)),
                        ":tenant", AttributeValue.fromS(tenant)));
    }

    @Override
    public boolean freeze(String batchId, BatchState state, BatchProgress stats, Instant at) {
        String time = Timestamps.format(at);
        return conditionalUpdate(batchId, "SET #state = :state, #end = :at, #stats = :stats, #updated = :at",
                "attribute_exists(#id) AND attribute_not_exists(#state)",
                Map.of("#state", FINAL_STATE, "#end", END_TIME, "#stats", FINAL_STATS, "#updated", UPDATED_AT,
                        "#id", BATCH_ID),
                Map.of(":state", AttributeValue.fromS(state.name()), ":at", AttributeValue.fromS(time),
                        ":stats", AttributeValue.fromM(stats(stats))));
    }

    @Override
    public boolean delete(String tenant, String batchId) {
        return AwsFailures.call(Dependency.BATCHES_TABLE, () -> {
            try {
                dynamo.deleteItem(r -> r.tableName(table).key(key(batchId))
                        .conditionExpression("#tenant = :tenant")
                        .expressionAttributeNames(Map.of("#tenant", TENANT))
                        .expressionAttributeValues(Map.of(":tenant", AttributeValue.fromS(tenant))));
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            }
        });
    }

    private boolean conditionalUpdate(String batchId, String update, String condition, Map<String, String> names,
                                      Map<String, AttributeValue> values) {
        return AwsFailures.call(Dependency.BATCHES_TABLE, () -> {
            try {
                dynamo.updateItem(r -> r.tableName(table).key(key(batchId)).updateExpression(update)
                        .conditionExpression(condition).expressionAttributeNames(names)
                        .expressionAttributeValues(values));
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            }
        });
    }

    private Optional<BatchRecord> read(String batchId) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table).consistentRead(true)
                .key(key(batchId))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
    }

    private static Map<String, AttributeValue> key(String batchId) {
        return Map.of(BATCH_ID, AttributeValue.fromS(batchId));
    }

    static Map<String, AttributeValue> toItem(BatchRecord batch) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(BATCH_ID, AttributeValue.fromS(batch.batchId()));
        item.put(TENANT, AttributeValue.fromS(batch.tenant()));
        item.put(MODEL, AttributeValue.fromS(batch.model()));
        if (batch.displayName() != null) {
            item.put(DISPLAY_NAME, AttributeValue.fromS(batch.displayName()));
        }
        item.put(REQUEST_IDS, AttributeValue.fromL(batch.requestIds().stream().map(AttributeValue::fromS).toList()));
        item.put(REQUEST_METADATA, AttributeValue.fromL(batch.metadata().stream()
                .map(m -> AttributeValue.fromS(m.toString())).toList()));
        item.put(CREATED_AT, AttributeValue.fromS(Timestamps.format(batch.createdAt())));
        item.put(UPDATED_AT, AttributeValue.fromS(Timestamps.format(batch.updatedAt())));
        item.put(CANCEL_REQUESTED, AttributeValue.fromBool(batch.cancelRequested()));
        item.put(INTAKE_FAILED, AttributeValue.fromBool(batch.intakeFailed()));
        if (batch.finalState() != null) {
            item.put(FINAL_STATE, AttributeValue.fromS(batch.finalState().name()));
        }
        if (batch.endTime() != null) {
            item.put(END_TIME, AttributeValue.fromS(Timestamps.format(batch.endTime())));
        }
        if (batch.finalStats() != null) {
            item.put(FINAL_STATS, AttributeValue.fromM(stats(batch.finalStats())));
        }
        if (batch.expiresAt() != null) {
            item.put(EXPIRES_AT, AttributeValue.fromN(Long.toString(batch.expiresAt().getEpochSecond())));
        }
        return item;
    }

    static BatchRecord fromItem(Map<String, AttributeValue> item) {
        List<String> requestIds = item.get(REQUEST_IDS).l().stream().map(AttributeValue::s).toList();
        List<ObjectNode> metadata = item.get(REQUEST_METADATA).l().stream()
                .map(v -> {
                    JsonNode node = Json.parse(v.s());
                    return node instanceof ObjectNode object ? object : Json.object();
                }).toList();
        return new BatchRecord(item.get(BATCH_ID).s(), item.get(TENANT).s(), item.get(MODEL).s(),
                text(item, DISPLAY_NAME), requestIds, metadata, instant(item, CREATED_AT), instant(item, UPDATED_AT),
                bool(item, CANCEL_REQUESTED), bool(item, INTAKE_FAILED),
                item.containsKey(FINAL_STATE) ? BatchState.valueOf(item.get(FINAL_STATE).s()) : null,
                instant(item, END_TIME),
                item.containsKey(FINAL_STATS) ? stats(item.get(FINAL_STATS).m()) : null,
                item.containsKey(EXPIRES_AT) ? Instant.ofEpochSecond(Long.parseLong(item.get(EXPIRES_AT).n())) : null);
    }

    private static Map<String, AttributeValue> stats(BatchProgress stats) {
        return Map.of("request_count", number(stats.requestCount()), "successful", number(stats.successful()),
                "failed", number(stats.failed()), "pending", number(stats.pending()),
                "started", AttributeValue.fromBool(stats.started()));
    }

    private static BatchProgress stats(Map<String, AttributeValue> m) {
        return new BatchProgress(Integer.parseInt(m.get("request_count").n()), Integer.parseInt(m.get("successful").n()),
                Integer.parseInt(m.get("failed").n()), Integer.parseInt(m.get("pending").n()),
                m.containsKey("started") && Boolean.TRUE.equals(m.get("started").bool()));
    }

    private static AttributeValue number(int n) {
        return AttributeValue.fromN(Integer.toString(n));
    }

    private static String text(Map<String, AttributeValue> item, String name) {
        return item.containsKey(name) ? item.get(name).s() : null;
    }

    private static boolean bool(Map<String, AttributeValue> item, String name) {
        return item.containsKey(name) && Boolean.TRUE.equals(item.get(name).bool());
    }

    private static Instant instant(Map<String, AttributeValue> item, String name) {
        return item.containsKey(name) ? Timestamps.parse(item.get(name).s()) : null;
    }
}
