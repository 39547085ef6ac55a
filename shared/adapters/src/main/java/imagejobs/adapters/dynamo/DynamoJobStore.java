package imagejobs.adapters.dynamo;

import static imagejobs.adapters.dynamo.JobItemMapper.*;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.jobs.Timestamps;
import imagejobs.shared.webhooks.DeliveryRecord;
import imagejobs.shared.webhooks.WebhookEvent;
import imagejobs.shared.errors.DependencyFailure.Dependency;
import imagejobs.adapters.aws.AwsFailures;

/** {@link JobStore} on DynamoDB: conditional writes for every transition, a GSI for listing. */
public final class DynamoJobStore implements JobStore {
    /** Idempotency records share the table; they have no tenant/created_at, so the listing index never sees them. */
    private static final String IDEMPOTENCY_PREFIX = "idem#";
    private static final String IDEM_JOB_ID = "job_id";
    /** Bounds one listing call when filters reject most items: the caller gets a shorter page and a cursor. */
    public static final int MAX_QUERY_PAGES = 25;
    /** Items a selective listing evaluates per Query call: the first call, then doubling up to the maximum. */
    private static final int MIN_EVALUATED_PER_CALL = 100;
    private static final int MAX_EVALUATED_PER_CALL = 1000;

    private final DynamoDbClient dynamo;
    private final String table;
    private final int maxQueryPages;

    public DynamoJobStore(DynamoDbClient dynamo, String table) {
        this(dynamo, table, MAX_QUERY_PAGES);
    }

    /** {@code maxQueryPages}: Query calls one listing may make (tests lower it to exercise short pages). */
    public DynamoJobStore(DynamoDbClient dynamo, String table, int maxQueryPages) {
        if (maxQueryPages < 1) {
            throw new IllegalArgumentException("maxQueryPages must be at least 1");
        }
        this.dynamo = dynamo;
        this.table = table;
        this.maxQueryPages = maxQueryPages;
    }

    @Override
    public boolean create(Job job) {
        return AwsFailures.call(Dependency.JOBS_TABLE, () -> {
            try {
                dynamo.putItem(r -> r.tableName(table).item(toItem(job))
                        .conditionExpression("attribute_not_exists(" + REQUEST_ID + ")"));
                return true;
            } catch (ConditionalCheckFailedException e) {
                // Either another job has this id, or this very write landed and the SDK sent it again after its
                // answer was lost: then the item is this job.
                return get(job.requestId()).filter(existing -> existing.tenant().equals(job.tenant())
                        && existing.createdAt().equals(job.createdAt())
                        && java.util.Objects.equals(existing.requestHash(), job.requestHash())).isPresent();
            }
        });
    }

    @Override
    public IdempotentCreate createIdempotent(Job job, String idempotencyKeyHash, Instant keyExpiresAt) {
        return AwsFailures.call(Dependency.JOBS_TABLE, () -> {
            IdempotentCreate result = tryCreateIdempotent(job, idempotencyKeyHash, keyExpiresAt);
            if (result == null) {
                // The binding that stopped the write was released before it could be read: the key is free again.
                result = tryCreateIdempotent(job, idempotencyKeyHash, keyExpiresAt);
            }
            if (result == null) {
                throw new IllegalStateException("idempotency key kept changing while creating a job; retry");
            }
            return result;
        });
    }

    /** Null when the key was bound at write time but no longer at read time (released meanwhile). */
    private IdempotentCreate tryCreateIdempotent(Job job, String idempotencyKeyHash, Instant keyExpiresAt) {
        String idemId = IDEMPOTENCY_PREFIX + idempotencyKeyHash;
        Map<String, AttributeValue> idem = new HashMap<>();
        idem.put(REQUEST_ID, s(idemId));
        idem.put(IDEM_JOB_ID, s(job.requestId()));
        idem.put(REQUEST_HASH, s(job.requestHash()));
        idem.put(EXPIRES_AT, n(keyExpiresAt.getEpochSecond()));
        try {
            dynamo.transactWriteItems(r -> r.transactItems(
                    TransactWriteItem.builder().put(Put.builder().tableName(table).item(idem)
                            // An expired record (TTL not yet swept) no longer binds the key.
                            .conditionExpression("attribute_not_exists(" + REQUEST_ID + ") OR " + EXPIRES_AT + " < :now")
                            .expressionAttributeValues(Map.of(":now", n(job.createdAt().getEpochSecond())))
                            .build()).build(),
                    TransactWriteItem.builder().put(Put.builder().tableName(table).item(toItem(job))
                            .conditionExpression("attribute_not_exists(" + REQUEST_ID + ")").build()).build()));
            return new IdempotentCreate.Created(job);
        } catch (TransactionCanceledException e) {
            List<CancellationReason> reasons = e.cancellationReasons();
            boolean keyTaken = !reasons.isEmpty() && "ConditionalCheckFailed".equals(reasons.get(0).code());
            if (!keyTaken) {
                throw e;
            }
            Map<String, AttributeValue> existing = dynamo.getItem(r -> r.tableName(table)
                    .key(Map.of(REQUEST_ID, s(idemId))).consistentRead(true)).item();
            if (existing == null || !existing.containsKey(IDEM_JOB_ID)) {
                return null;
            }
            String existingJobId = existing.get(IDEM_JOB_ID).s();
            if (!job.requestHash().equals(existing.get(REQUEST_HASH).s())) {
                return new IdempotentCreate.Conflict(existingJobId);
            }
            return get(existingJobId).<IdempotentCreate>map(IdempotentCreate.Existing::new)
                    .orElseThrow(() -> new IllegalStateException("idempotency record points at a missing job"));
        }
    }

    @Override
    public Optional<IdempotencyBinding> findIdempotencyKey(String idempotencyKeyHash, Instant now) {
        return AwsFailures.call(Dependency.JOBS_TABLE, () -> {
            Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table)
                    .key(Map.of(REQUEST_ID, s(IDEMPOTENCY_PREFIX + idempotencyKeyHash))).consistentRead(true)).item();
            if (item == null || !item.containsKey(IDEM_JOB_ID)) {
                return Optional.empty();
            }
            // Same rule as createIdempotent: a binding past its expiry (TTL not yet swept) no longer holds.
            if (item.containsKey(EXPIRES_AT) && Long.parseLong(item.get(EXPIRES_AT).n()) < now.getEpochSecond()) {
                return Optional.empty();
            }
            return Optional.of(new IdempotencyBinding(item.get(IDEM_JOB_ID).s(), item.get(REQUEST_HASH).s()));
        });
    }

    @Override
    public boolean releaseIdempotencyKey(String idempotencyKeyHash, String requestId) {
        return AwsFailures.call(Dependency.JOBS_TABLE, () -> {
            try {
                dynamo.deleteItem(r -> r.tableName(table)
                        .key(Map.of(REQUEST_ID, s(IDEMPOTENCY_PREFIX + idempotencyKeyHash)))
                        .conditionExpression(IDEM_JOB_ID + " = :job")
                        .expressionAttributeValues(Map.of(":job", s(requestId))));
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            }
        });
    }

    @Override
    public Optional<Job> get(String requestId) {
        return AwsFailures.call(Dependency.JOBS_TABLE, () -> {
            GetItemResponse response = dynamo.getItem(r -> r.tableName(table)
                    .key(Map.of(REQUEST_ID, s(requestId))).consistentRead(true));
            if (!response.hasItem() || response.item().isEmpty() || !response.item().containsKey(TENANT)) {
                return Optional.empty();
            }
            return Optional.of(fromItem(response.item()));
        });
    }

    @Override
    public Optional<Job> claim(String requestId, Instant now, Instant leaseUntil) {
        return AwsFailures.call(Dependency.JOBS_TABLE, () -> {
            Map<String, AttributeValue> values = new HashMap<>();
            values.put(":processing", s(JobStatus.PROCESSING.wire()));
            values.put(":queued", s(JobStatus.QUEUED.wire()));
            values.put(":zero", n(0));
            values.put(":one", n(1));
            values.put(":lease", n(leaseUntil.toEpochMilli()));
            values.put(":nowIso", s(Timestamps.format(now)));
            values.put(":nowMs", n(now.toEpochMilli()));
            return update(UpdateItemRequest.builder().tableName(table).key(key(requestId))
                    .updateExpression("SET #status = :processing, " + ATTEMPTS + " = if_not_exists(" + ATTEMPTS
                            + ", :zero) + :one, " + LEASE_UNTIL + " = :lease, " + STARTED_AT + " = if_not_exists("
                            + STARTED_AT + ", :nowIso), " + UPDATED_AT + " = :nowIso REMOVE " + RETRY_AT + ", "
                            + WAITING_ATTRIBUTES)
                    .conditionExpression("(#status = :queued AND (attribute_not_exists(" + RETRY_AT + ") OR " + RETRY_AT
                            + " <= :nowMs)) OR (#status = :processing AND " + LEASE_UNTIL + " < :nowMs)")
                    .expressionAttributeNames(Map.of("#status", STATUS))
                    .expressionAttributeValues(values)
                    .returnValues(ReturnValue.ALL_NEW)
                    .build());
        });
    }

    @Override
    public boolean extendLease(String requestId, int attempt, Instant leaseUntil) {
        return AwsFailures.call(Dependency.JOBS_TABLE, () -> {
            return update(currentAttempt(requestId, attempt)
                    .updateExpression("SET " + LEASE_UNTIL + " = :lease")
                    .expressionAttributeValues(attemptValues(attempt, Map.of(":lease", n(leaseUntil.toEpochMilli()))))
                    .build()).isPresent();
        });
    }

    @Override
    public boolean complete(String requestId, int attempt, ObjectNode outcome, int imageCount, Instant now) {
        return AwsFailures.call(Dependency.JOBS_TABLE, () -> {
            Map<String, AttributeValue> values = new HashMap<>();
            values.put(":success", s(JobStatus.SUCCESS.wire()));
            values.put(":outcome", s(Json.write(outcome)));
            values.put(":count", n(imageCount));
            values.put(":now", s(Timestamps.format(now)));
            return update(currentAttempt(requestId, attempt)
                    .updateExpression("SET #status = :success, " + OUTCOME + " = :outcome, " + IMAGE_COUNT + " = :count, "
                            + COMPLETED_AT + " = :now, " + UPDATED_AT + " = :now REMOVE " + LEASE_UNTIL)
                    .expressionAttributeValues(attemptValues(attempt, values))
                    .build(), job -> job.status() == JobStatus.SUCCESS && job.attempts() == attempt
                    && at(job.completedAt(), now)).isPresent();
        });
    }

    @Override
    public boolean fail(String requestId, int attempt, JobError error, Instant now) {
        return AwsFailures.call(Dependency.JOBS_TABLE, () -> {
            return update(currentAttempt(requestId, attempt)
                    .updateExpression(failExpression())
                    .expressionAttributeValues(attemptValues(attempt, failValues(error, now)))
                    .build(), job -> job.attempts() == attempt && failedBy(job, error, now)).isPresent();
        });
    }

    @Override
    public boolean requeue(String requestId, int attempt, String lastError, Instant retryAt, Instant now) {
        return AwsFailures.call(Dependency.JOBS_TABLE, () -> {
            Map<String, AttributeValue> values = new HashMap<>();
            values.put(":queued", s(JobStatus.QUEUED.wire()));
            values.put(":lastError", s(lastError));
            values.put(":retryAt", n(retryAt.toEpochMilli()));
            values.put(":now", s(Timestamps.format(now)));
            return update(currentAttempt(requestId, attempt)
                    .updateExpression("SET #status = :queued, " + LAST_ERROR + " = :lastError, " + RETRY_AT
                            + " = :retryAt, " + UPDATED_AT + " = :now REMOVE " + LEASE_UNTIL)
                    .expressionAttributeValues(attemptValues(attempt, values))
                    .build(), job -> job.status() == JobStatus.QUEUED && job.attempts() == attempt
                    && at(job.retryAt(), retryAt) && lastError.equals(job.lastError())).isPresent();
        });
    }

    @Override
    public boolean markWaiting(String requestId, String expectedToken, String newToken, Job.Waiting waiting,
                               Instant now) {
        return AwsFailures.call(Dependency.JOBS_TABLE, () -> {
            Map<String, AttributeValue> waitingValues = waitingValues(waiting);
            Map<String, AttributeValue> values = new HashMap<>();
            Map<String, String> names = new HashMap<>(Map.of("#status", STATUS));
            // A null newToken removes the token (a wait given back to a message that carried none).
            StringBuilder set = new StringBuilder("SET " + (newToken == null ? "" : WAIT_TOKEN + " = :token, ")
                    + UPDATED_AT + " = :now");
            int i = 0;
            for (Map.Entry<String, AttributeValue> e : waitingValues.entrySet()) {
                set.append(", #w").append(i).append(" = :w").append(i);
                names.put("#w" + i, e.getKey());
                values.put(":w" + i, e.getValue());
                i++;
            }
            List<String> remove = new ArrayList<>();
            if (newToken == null) {
                remove.add(WAIT_TOKEN);
            }
            for (String name : List.of(WAIT_TICKET, WAIT_RESERVATION)) {
                if (!waitingValues.containsKey(name)) {
                    remove.add(name);
                }
            }
            values.put(":queued", s(JobStatus.QUEUED.wire()));
            if (newToken != null) {
                values.put(":token", s(newToken));
            }
            values.put(":now", s(Timestamps.format(now)));
            String condition = "#status = :queued AND ";
            if (expectedToken == null) {
                condition += "attribute_not_exists(" + WAIT_TOKEN + ")";
            } else {
                condition += WAIT_TOKEN + " = :expected";
                values.put(":expected", s(expectedToken));
            }
            return update(UpdateItemRequest.builder().tableName(table).key(key(requestId))
                    .updateExpression(set + (remove.isEmpty() ? "" : " REMOVE " + String.join(", ", remove)))
                    .conditionExpression(condition)
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values)
                    .build(), job -> job.status() == JobStatus.QUEUED && Objects.equals(newToken, job.waitToken()))
                    .isPresent();
        });
    }

    @Override
    public boolean failQueued(String requestId, JobError error, Instant now) {
        return AwsFailures.call(Dependency.JOBS_TABLE, () -> {
            Map<String, AttributeValue> values = failValues(error, now);
            values.put(":queued", s(JobStatus.QUEUED.wire()));
            return update(UpdateItemRequest.builder().tableName(table).key(key(requestId))
                    .updateExpression(failExpression())
                    .conditionExpression("#status = :queued")
                    .expressionAttributeNames(Map.of("#status", STATUS))
                    .expressionAttributeValues(values)
                    .build(), job -> failedBy(job, error, now)).isPresent();
        });
    }

    @Override
    public boolean requeueThrottled(String requestId, int attempt, Instant now) {
        return AwsFailures.call(Dependency.JOBS_TABLE, () -> {
            Map<String, AttributeValue> values = new HashMap<>();
            values.put(":queued", s(JobStatus.QUEUED.wire()));
            values.put(":now", s(Timestamps.format(now)));
            values.put(":one", n(1));
            return update(currentAttempt(requestId, attempt)
                    .updateExpression("SET #status = :queued, " + UPDATED_AT + " = :now ADD " + THROTTLED
                            + " :one REMOVE " + LEASE_UNTIL + ", " + RETRY_AT)
                    .expressionAttributeValues(attemptValues(attempt, values))
                    .build(), job -> job.status() == JobStatus.QUEUED && job.attempts() == attempt
                    && job.throttled() > 0 && at(job.updatedAt(), now)).isPresent();
        });
    }

    @Override
    public boolean failUnfinished(String requestId, JobError error, Instant now) {
        return AwsFailures.call(Dependency.JOBS_TABLE, () -> {
            Map<String, AttributeValue> values = failValues(error, now);
            values.put(":queued", s(JobStatus.QUEUED.wire()));
            values.put(":processing", s(JobStatus.PROCESSING.wire()));
            return update(UpdateItemRequest.builder().tableName(table).key(key(requestId))
                    .updateExpression(failExpression())
                    .conditionExpression("#status IN (:queued, :processing)")
                    .expressionAttributeNames(Map.of("#status", STATUS))
                    .expressionAttributeValues(values)
                    .build(), job -> failedBy(job, error, now)).isPresent();
        });
    }

    @Override
    public boolean failUnleased(String requestId, JobError error, Instant now) {
        return AwsFailures.call(Dependency.JOBS_TABLE, () -> {
            Map<String, AttributeValue> values = failValues(error, now);
            values.put(":queued", s(JobStatus.QUEUED.wire()));
            values.put(":processing", s(JobStatus.PROCESSING.wire()));
            values.put(":nowMs", n(now.toEpochMilli()));
            return update(UpdateItemRequest.builder().tableName(table).key(key(requestId))
                    .updateExpression(failExpression())
                    .conditionExpression("#status = :queued OR (#status = :processing AND (attribute_not_exists("
                            + LEASE_UNTIL + ") OR " + LEASE_UNTIL + " < :nowMs))")
                    .expressionAttributeNames(Map.of("#status", STATUS))
                    .expressionAttributeValues(values)
                    .build(), job -> failedBy(job, error, now)).isPresent();
        });
    }

    @Override
    public Optional<Job> cancel(String requestId, Instant now) {
        return AwsFailures.call(Dependency.JOBS_TABLE, () -> {
            return update(UpdateItemRequest.builder().tableName(table).key(key(requestId))
                    .updateExpression("SET #status = :cancelled, " + COMPLETED_AT + " = :now, " + UPDATED_AT + " = :now")
                    .conditionExpression("#status = :queued")
                    .expressionAttributeNames(Map.of("#status", STATUS))
                    .expressionAttributeValues(Map.of(
                            ":cancelled", s(JobStatus.CANCELLED.wire()),
                            ":queued", s(JobStatus.QUEUED.wire()),
                            ":now", s(Timestamps.format(now))))
                    .returnValues(ReturnValue.ALL_NEW)
                    .build());
        });
    }

    @Override
    public boolean recordWebhook(String requestId, WebhookEvent event, DeliveryRecord record) {
        // DeliveryRecord.supersedes as a condition: a later attempt's record, or the same attempt's final one, never
        // replacing a final record. Only the event's own attribute is written: status and updated_at stay as they are.
        String attemptRule = record.state() == DeliveryRecord.State.PENDING ? "#w.#a < :n" : "#w.#a <= :n";
        return AwsFailures.call(Dependency.JOBS_TABLE, () -> update(UpdateItemRequest.builder().tableName(table)
                .key(key(requestId))
                .updateExpression("SET #w = :record")
                .conditionExpression("attribute_exists(" + REQUEST_ID + ") AND (attribute_not_exists(#w) OR (#w.#s = "
                        + ":pending AND " + attemptRule + "))")
                .expressionAttributeNames(Map.of("#w", JobItemMapper.deliveryAttribute(event), "#s", "state",
                        "#a", "attempts"))
                .expressionAttributeValues(Map.of(":record", JobItemMapper.deliveryValue(record),
                        ":pending", s(DeliveryRecord.State.PENDING.wire()), ":n", n(record.attempts())))
                .build(), job -> record.equals(job.delivery(event))).isPresent());
    }

    @Override
    public JobPage list(String tenant, ListQuery query) {
        return AwsFailures.call(Dependency.JOBS_TABLE, () -> {
            if (query.limit() < 1) {
                throw new IllegalArgumentException("limit must be at least 1");
            }
            Map<String, String> names = new HashMap<>();
            Map<String, AttributeValue> values = new HashMap<>();
            names.put("#tenant", TENANT);
            values.put(":tenant", s(tenant));
            String keyCondition = "#tenant = :tenant";
            // Bounds are exclusive in the API, the key condition's are inclusive, and created_at holds whole milliseconds:
            // created > after ⇔ created ≥ floor(after) + 1 ms; created < before ⇔ created ≤ ceil(before) − 1 ms.
            String lower = query.createdAfter() == null ? null
                    : Timestamps.format(query.createdAfter().truncatedTo(ChronoUnit.MILLIS).plusMillis(1));
            String upper = query.createdBefore() == null ? null
                    : Timestamps.format(ceilToMillis(query.createdBefore()).minusMillis(1));
            if (lower != null && upper != null && lower.compareTo(upper) > 0) {
                // An empty range (both bounds within one millisecond): DynamoDB would reject the reversed BETWEEN.
                return new JobPage(List.of(), null);
            }
            Position after = query.after();
            if (after != null && lower != null && after.createdAt().compareTo(lower) < 0) {
                return new JobPage(List.of(), null); // newest first: nothing in range is older than the position
            }
            if (after != null && upper != null && after.createdAt().compareTo(upper) > 0) {
                after = null; // DynamoDB rejects a start key outside the key condition; the whole range is still ahead
            }
            if (lower != null || upper != null) {
                names.put("#created", CREATED_AT);
            }
            if (lower != null && upper != null) {
                keyCondition += " AND #created BETWEEN :lower AND :upper";
                values.put(":lower", s(lower));
                values.put(":upper", s(upper));
            } else if (lower != null) {
                keyCondition += " AND #created >= :lower";
                values.put(":lower", s(lower));
            } else if (upper != null) {
                keyCondition += " AND #created <= :upper";
                values.put(":upper", s(upper));
            }
            List<String> filters = new ArrayList<>();
            if (query.statuses() != null && !query.statuses().isEmpty()) {
                names.put("#status", STATUS);
                List<String> placeholders = new ArrayList<>();
                int i = 0;
                for (JobStatus status : query.statuses()) {
                    String p = ":s" + i++;
                    placeholders.add(p);
                    values.put(p, s(status.wire()));
                }
                filters.add("#status IN (" + String.join(", ", placeholders) + ")");
            }
            if (query.model() != null) {
                names.put("#model", MODEL);
                values.put(":model", s(query.model()));
                filters.add("#model = :model");
            }
            boolean selective = !filters.isEmpty();
            if (query.visibleAt() != null) {
                // Expired items are rare (TTL lag only), so this filter alone does not make the listing selective.
                names.put("#expires", EXPIRES_AT);
                values.put(":visibleAt", n(query.visibleAt().getEpochSecond()));
                filters.add("(attribute_not_exists(#expires) OR #expires > :visibleAt)");
            }

            List<Job> collected = new ArrayList<>();
            Map<String, AttributeValue> startKey = after == null ? null : indexKey(tenant, after);
            int want = query.limit() + 1; // one more than the page tells whether a next page exists
            for (int round = 0; round < maxQueryPages; round++) {
                int remaining = want - collected.size();
                // Selective filters: evaluate more items per call as the scan goes on, so sparse matches still fill a
                // page within the budget (DynamoDB also stops each call at 1 MB).
                int evaluate = selective
                        ? Math.min(MAX_EVALUATED_PER_CALL, Math.max(remaining, MIN_EVALUATED_PER_CALL << Math.min(round, 4)))
                        : remaining;
                QueryRequest.Builder request = QueryRequest.builder().tableName(table).indexName(TENANT_INDEX)
                        .keyConditionExpression(keyCondition)
                        .expressionAttributeNames(names)
                        .expressionAttributeValues(values)
                        .scanIndexForward(false)
                        .limit(evaluate);
                if (!filters.isEmpty()) {
                    request.filterExpression(String.join(" AND ", filters));
                }
                if (startKey != null) {
                    request.exclusiveStartKey(startKey);
                }
                QueryResponse response = dynamo.query(request.build());
                for (Map<String, AttributeValue> item : response.items()) {
                    if (collected.size() < want) {
                        collected.add(fromItem(item));
                    }
                }
                if (collected.size() >= want) {
                    List<Job> pageJobs = collected.subList(0, query.limit());
                    Job last = pageJobs.get(pageJobs.size() - 1);
                    return new JobPage(List.copyOf(pageJobs), new Position(Timestamps.format(last.createdAt()), last.requestId()));
                }
                if (!response.hasLastEvaluatedKey() || response.lastEvaluatedKey().isEmpty()) {
                    return new JobPage(List.copyOf(collected), null);
                }
                startKey = response.lastEvaluatedKey();
            }
            // Scanned as much as one call may: hand back what we have and continue where the scan stopped (every item
            // up to the last evaluated key has been looked at, so nothing is skipped or repeated).
            return new JobPage(List.copyOf(collected),
                    new Position(startKey.get(CREATED_AT).s(), startKey.get(REQUEST_ID).s()));
        });
    }

    private static Instant ceilToMillis(Instant instant) {
        Instant floor = instant.truncatedTo(ChronoUnit.MILLIS);
        return floor.equals(instant) ? floor : floor.plusMillis(1);
    }

    private Map<String, AttributeValue> indexKey(String tenant, Position position) {
        return Map.of(TENANT, s(tenant), CREATED_AT, s(position.createdAt()), REQUEST_ID, s(position.requestId()));
    }

    private static Map<String, AttributeValue> key(String requestId) {
        return Map.of(REQUEST_ID, s(requestId));
    }

    private UpdateItemRequest.Builder currentAttempt(String requestId, int attempt) {
        return UpdateItemRequest.builder().tableName(table).key(key(requestId))
                .conditionExpression("#status = :processing AND " + ATTEMPTS + " = :attempt")
                .expressionAttributeNames(Map.of("#status", STATUS));
    }

    private static Map<String, AttributeValue> attemptValues(int attempt, Map<String, AttributeValue> more) {
        Map<String, AttributeValue> values = new HashMap<>(more);
        values.put(":processing", s(JobStatus.PROCESSING.wire()));
        values.put(":attempt", n(attempt));
        return values;
    }

    private static String failExpression() {
        return "SET #status = :failed, " + ERROR_CODE + " = :code, " + ERROR_MESSAGE + " = :message, "
                + ERROR_RETRYABLE + " = :retryable, " + COMPLETED_AT + " = :now, " + UPDATED_AT + " = :now REMOVE "
                + LEASE_UNTIL + ", " + RETRY_AT;
    }

    private static Map<String, AttributeValue> failValues(JobError error, Instant now) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":failed", s(JobStatus.FAILED.wire()));
        values.put(":code", s(error.code()));
        values.put(":message", s(error.message()));
        values.put(":retryable", AttributeValue.fromBool(error.retryable()));
        values.put(":now", s(Timestamps.format(now)));
        return values;
    }

    /** A conditional update: the new item, or empty when the condition did not hold. */
    private Optional<Job> update(UpdateItemRequest request) {
        return update(request, null);
    }

    /**
     * A conditional write; empty when its condition fails. The SDK sends a write again when its answer is lost (a
     * timeout, a cut connection) although DynamoDB may have applied it, and the second try then fails the condition
     * the first one changed. {@code landed} tells that case from a real conflict: on a failed condition the item is
     * read (consistently) and, if it shows what this write set, the write counts as done. Only writes whose result
     * no other writer could produce pass a {@code landed} (the attempt number fences the worker's); the claim does
     * not, since two claims in the same millisecond would look alike.
     */
    private Optional<Job> update(UpdateItemRequest request, Predicate<Job> landed) {
        UpdateItemRequest withReturn = request.returnValues() == null || request.returnValues() == ReturnValue.NONE
                ? request.toBuilder().returnValues(ReturnValue.ALL_NEW).build()
                : request;
        try {
            UpdateItemResponse response = dynamo.updateItem(withReturn);
            return Optional.of(fromItem(response.attributes()));
        } catch (ConditionalCheckFailedException e) {
            if (landed == null) {
                return Optional.empty();
            }
            return get(request.key().get(REQUEST_ID).s()).filter(landed);
        }
    }

    /** True when {@code value} is {@code expected} as the table keeps it (whole milliseconds). */
    private static boolean at(Instant value, Instant expected) {
        return value != null && value.toEpochMilli() == expected.toEpochMilli();
    }

    private static boolean failedBy(Job job, JobError error, Instant now) {
        return job.status() == JobStatus.FAILED && job.error() != null && error.code().equals(job.error().code())
                && at(job.completedAt(), now);
    }
}
