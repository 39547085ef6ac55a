package imagejobs.adapters.dynamo;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import imagejobs.shared.limits.GateState;
import imagejobs.shared.limits.GateStore;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * {@link GateStore} on the limits table (template.yaml {@code LimitsTable}: key {@code pk}, TTL {@code expires_at}).
 *
 * <ul>
 * <li>{@code gate#<model>}: the model's {@link GateState} in one item, written whole with {@code PutItem} on the
 * condition that {@code version} is still the one read (optimistic concurrency). A few KB: leases, two minutes of
 * grants per second, the tenants seen.</li>
 * <li>{@code line#<model>#<tenant>}: {@code issued} and {@code served}, changed only by atomic {@code ADD}s.</li>
 * </ul>
 * Both expire ({@code expires_at}, refreshed at every write) once unused for longer than any job may wait, so the table
 * needs no cleaning. Nothing here depends on TTL deleting on time: expired leases are recognised by their own times.
 */
public final class DynamoGateStore implements GateStore {
    public static final String PK = "pk";
    public static final String EXPIRES_AT = "expires_at";
    /** Longer than the longest MAX_QUEUE_SECONDS (7 days): a waiting job's ticket must outlive its wait. */
    public static final Duration DEFAULT_KEEP = Duration.ofDays(8);
    private static final String GATE = "gate#";
    private static final String LINE = "line#";

    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration keep;

    public DynamoGateStore(DynamoDbClient dynamo, String table) {
        this(dynamo, table, DEFAULT_KEEP);
    }

    public DynamoGateStore(DynamoDbClient dynamo, String table, Duration keep) {
        this.dynamo = dynamo;
        this.table = table;
        this.keep = keep;
    }

    @Override
    public GateState load(String model) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table).key(key(GATE + model))
                .consistentRead(true)).item();
        return item == null || item.isEmpty() ? new GateState() : GateItems.fromItem(item);
    }

    @Override
    public boolean save(String model, GateState state, long expectedVersion, long nowMillis) {
        Map<String, AttributeValue> item = GateItems.toItem(state, expectedVersion + 1);
        item.put(PK, s(GATE + model));
        item.put(EXPIRES_AT, n(expiry(nowMillis)));
        try {
            if (expectedVersion == 0) {
                dynamo.putItem(r -> r.tableName(table).item(item).conditionExpression("attribute_not_exists(" + PK + ")"));
            } else {
                dynamo.putItem(r -> r.tableName(table).item(item)
                        .conditionExpression(GateItems.VERSION + " = :v")
                        .expressionAttributeValues(Map.of(":v", n(expectedVersion))));
            }
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public Line takeTicket(String model, String tenant, long nowMillis) {
        return add(model, tenant, "issued", 1, nowMillis);
    }

    @Override
    public Line line(String model, String tenant) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table).key(key(lineKey(model, tenant)))
                .consistentRead(true)).item();
        return line(item);
    }

    @Override
    public Line serve(String model, String tenant, int tickets, long nowMillis) {
        return add(model, tenant, "served", tickets, nowMillis);
    }

    @Override
    public void forceRelease(String model, String leaseId) {
        try {
            dynamo.updateItem(r -> r.tableName(table).key(key(GATE + model))
                    .updateExpression("REMOVE " + GateItems.LEASES + ".#id ADD " + GateItems.VERSION + " :one")
                    .conditionExpression("attribute_exists(" + GateItems.LEASES + ")")
                    .expressionAttributeNames(Map.of("#id", leaseId))
                    .expressionAttributeValues(Map.of(":one", n(1))));
        } catch (ConditionalCheckFailedException e) {
            // No leases at all: nothing to free.
        }
    }

    @Override
    public void forceCoolDown(String model, long untilMillis) {
        try {
            dynamo.updateItem(r -> r.tableName(table).key(key(GATE + model))
                    .updateExpression("SET " + GateItems.COOL_UNTIL + " = :u, " + EXPIRES_AT + " = :exp ADD "
                            + GateItems.VERSION + " :one")
                    .conditionExpression("attribute_not_exists(" + GateItems.COOL_UNTIL + ") OR "
                            + GateItems.COOL_UNTIL + " < :u")
                    .expressionAttributeValues(Map.of(":u", n(untilMillis), ":one", n(1),
                            ":exp", n(expiry(untilMillis)))));
        } catch (ConditionalCheckFailedException e) {
            // Already cooling down at least that long.
        }
    }

    private Line add(String model, String tenant, String counter, int amount, long nowMillis) {
        Map<String, AttributeValue> item = dynamo.updateItem(r -> r.tableName(table)
                .key(key(lineKey(model, tenant)))
                .updateExpression("ADD " + counter + " :n SET " + EXPIRES_AT + " = :exp")
                .expressionAttributeValues(Map.of(":n", n(amount), ":exp", n(expiry(nowMillis))))
                .returnValues(ReturnValue.ALL_NEW)).attributes();
        return line(item);
    }

    private static Line line(Map<String, AttributeValue> item) {
        if (item == null || item.isEmpty()) {
            return new Line(0, 0);
        }
        return new Line(GateItems.longOf(item.get("issued")), GateItems.longOf(item.get("served")));
    }

    private long expiry(long nowMillis) {
        return nowMillis / 1000 + keep.toSeconds();
    }

    private static String lineKey(String model, String tenant) {
        // Neither model ids nor tenant ids contain '#'.
        return LINE + model + "#" + tenant;
    }

    private static Map<String, AttributeValue> key(String pk) {
        return Map.of(PK, s(pk));
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    static AttributeValue n(double value) {
        return AttributeValue.fromN(BigDecimal.valueOf(value).toPlainString());
    }

    /** {@link GateState} ⇄ item attributes. */
    static final class GateItems {
        static final String VERSION = "version";
        static final String LEASES = "leases";
        static final String COOL_UNTIL = "cool_until";

        private GateItems() {
        }

        static Map<String, AttributeValue> toItem(GateState s, long version) {
            Map<String, AttributeValue> item = new HashMap<>();
            item.put(VERSION, n(version));
            item.put("tat_us", n(s.tatMicros()));
            if (s.learnedRpm() > 0) {
                item.put("learned_rpm", n(s.learnedRpm()));
            }
            item.put("learned_at", n(s.learnedAt()));
            item.put("probe_at", n(s.probeAt()));
            item.put("probe_streak", n(s.probeStreak()));
            item.put("saturated", AttributeValue.fromBool(s.saturated()));
            item.put(COOL_UNTIL, n(s.coolUntil()));
            item.put("cool_streak", n(s.coolStreak()));
            item.put("call_ms", n(s.callMillis()));
            Map<String, AttributeValue> leases = new LinkedHashMap<>();
            s.leases().forEach((id, l) -> leases.put(id, AttributeValue.fromM(Map.of("tenant", s(l.tenant()),
                    "not_before", n(l.notBefore()), "expires_at", n(l.expiresAt()),
                    "ticketed", AttributeValue.fromBool(l.ticketed())))));
            item.put(LEASES, AttributeValue.fromM(leases));
            Map<String, AttributeValue> grants = new LinkedHashMap<>();
            s.grants().forEach((second, count) -> grants.put(Long.toString(second), n(count)));
            item.put("grants", AttributeValue.fromM(grants));
            Map<String, AttributeValue> tenants = new LinkedHashMap<>();
            s.tenants().forEach((tenant, t) -> tenants.put(tenant, AttributeValue.fromM(Map.of(
                    "tat_us", n(t.tatMicros()), "waiting_at", n(t.waitingAt())))));
            item.put("tenants", AttributeValue.fromM(tenants));
            return item;
        }

        static GateState fromItem(Map<String, AttributeValue> item) {
            Map<String, GateState.LeaseEntry> leases = new LinkedHashMap<>();
            mapOf(item.get(LEASES)).forEach((id, v) -> {
                Map<String, AttributeValue> l = v.m();
                leases.put(id, new GateState.LeaseEntry(l.get("tenant").s(), longOf(l.get("not_before")),
                        longOf(l.get("expires_at")), Boolean.TRUE.equals(l.get("ticketed").bool())));
            });
            Map<Long, Integer> grants = new HashMap<>();
            mapOf(item.get("grants")).forEach((second, v) -> grants.put(Long.parseLong(second), (int) longOf(v)));
            Map<String, GateState.TenantEntry> tenants = new HashMap<>();
            mapOf(item.get("tenants")).forEach((tenant, v) -> tenants.put(tenant, new GateState.TenantEntry(
                    longOf(v.m().get("tat_us")), longOf(v.m().get("waiting_at")))));
            AttributeValue learned = item.get("learned_rpm");
            AttributeValue saturated = item.get("saturated");
            return new GateState(longOf(item.get(VERSION)), longOf(item.get("tat_us")),
                    learned == null ? 0 : Double.parseDouble(learned.n()), longOf(item.get("learned_at")),
                    longOf(item.get("probe_at")), (int) longOf(item.get("probe_streak")),
                    saturated != null && Boolean.TRUE.equals(saturated.bool()), longOf(item.get(COOL_UNTIL)),
                    (int) longOf(item.get("cool_streak")), longOf(item.get("call_ms")), leases, grants, tenants);
        }

        static long longOf(AttributeValue v) {
            return v == null || v.n() == null ? 0 : new BigDecimal(v.n()).longValue();
        }

        private static Map<String, AttributeValue> mapOf(AttributeValue v) {
            return v == null || !v.hasM() ? Map.of() : v.m();
        }
    }
}
