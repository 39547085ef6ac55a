package imagejobs.adapters.dynamo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.Timestamps;
import imagejobs.shared.webhooks.DeliveryRecord;
import imagejobs.shared.webhooks.WebhookEvent;
import imagejobs.shared.webhooks.WebhookSubscription;

/** Job ⇄ DynamoDB item. Attribute names are the table's schema: keep them in step with template.yaml. */
public final class JobItemMapper {
    public static final String REQUEST_ID = "request_id";
    public static final String TENANT = "tenant";
    public static final String MODEL = "model";
    public static final String STATUS = "status";
    public static final String SOURCE = "source";
    public static final String SOURCE_KEY = "source_key";
    public static final String CREATED_AT = "created_at";
    public static final String UPDATED_AT = "updated_at";
    public static final String STARTED_AT = "started_at";
    public static final String COMPLETED_AT = "completed_at";
    public static final String ATTEMPTS = "attempts";
    public static final String LEASE_UNTIL = "lease_until";
    public static final String RETRY_AT = "retry_at";
    public static final String REQUEST = "request";
    public static final String REQUEST_KEY = "request_key";
    public static final String REQUEST_HASH = "request_hash";
    public static final String OUTCOME = "outcome";
    public static final String IMAGE_COUNT = "image_count";
    public static final String ERROR_CODE = "error_code";
    public static final String ERROR_MESSAGE = "error_message";
    public static final String ERROR_RETRYABLE = "error_retryable";
    public static final String LAST_ERROR = "last_error";
    public static final String EXPIRES_AT = "expires_at";
    public static final String WAIT_TOKEN = "wait_token";
    public static final String WAIT_TICKET = "wait_ticket";
    public static final String WAIT_RESERVATION = "wait_reservation";
    public static final String WAITING_REASON = "waiting_reason";
    public static final String WAITING_MODEL = "waiting_model";
    public static final String WAITING_SINCE = "waiting_since";
    public static final String WAITING_UNTIL = "waiting_until";
    public static final String THROTTLED = "throttled";
    public static final String WEBHOOK_URL = "webhook_url";
    public static final String WEBHOOK_EVENTS = "webhook_events";
    public static final String WEBHOOK_START = "webhook_start";
    public static final String WEBHOOK_COMPLETED = "webhook_completed";
    /** What the claim removes: a claimed job no longer waits for a Gemini slot (its wait_token stays). */
    public static final String WAITING_ATTRIBUTES = String.join(", ", WAIT_TICKET, WAIT_RESERVATION, WAITING_REASON,
            WAITING_MODEL, WAITING_SINCE, WAITING_UNTIL);

    /** The listing index: tenant + created_at, newest first. */
    public static final String TENANT_INDEX = "tenant-created_at";

    private JobItemMapper() {
    }

    public static Map<String, AttributeValue> toItem(Job job) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(REQUEST_ID, s(job.requestId()));
        item.put(TENANT, s(job.tenant()));
        item.put(MODEL, s(job.model()));
        item.put(STATUS, s(job.status().wire()));
        item.put(SOURCE, s(job.source()));
        putIfPresent(item, SOURCE_KEY, job.sourceKey());
        item.put(CREATED_AT, s(Timestamps.format(job.createdAt())));
        item.put(UPDATED_AT, s(Timestamps.format(job.updatedAt())));
        putTime(item, STARTED_AT, job.startedAt());
        putTime(item, COMPLETED_AT, job.completedAt());
        item.put(ATTEMPTS, n(job.attempts()));
        if (job.leaseUntil() != null) {
            item.put(LEASE_UNTIL, n(job.leaseUntil().toEpochMilli()));
        }
        if (job.retryAt() != null) {
            item.put(RETRY_AT, n(job.retryAt().toEpochMilli()));
        }
        putIfPresent(item, REQUEST, job.request());
        putIfPresent(item, REQUEST_KEY, job.requestKey());
        putIfPresent(item, REQUEST_HASH, job.requestHash());
        if (job.outcome() != null) {
            item.put(OUTCOME, s(Json.write(job.outcome())));
        }
        if (job.error() != null) {
            item.put(ERROR_CODE, s(job.error().code()));
            item.put(ERROR_MESSAGE, s(job.error().message()));
            item.put(ERROR_RETRYABLE, AttributeValue.fromBool(job.error().retryable()));
        }
        putIfPresent(item, LAST_ERROR, job.lastError());
        item.put(EXPIRES_AT, n(job.expiresAt().getEpochSecond()));
        putIfPresent(item, WAIT_TOKEN, job.waitToken());
        item.putAll(waitingValues(job.waiting()));
        if (job.throttled() > 0) {
            item.put(THROTTLED, n(job.throttled()));
        }
        putWebhook(item, job);
        return item;
    }

    public static Job fromItem(Map<String, AttributeValue> item) {
        JobError error = item.containsKey(ERROR_CODE)
                ? new JobError(str(item, ERROR_CODE), str(item, ERROR_MESSAGE),
                        item.containsKey(ERROR_RETRYABLE) && Boolean.TRUE.equals(item.get(ERROR_RETRYABLE).bool()))
                : null;
        String outcome = str(item, OUTCOME);
        return new Job(
                str(item, REQUEST_ID),
                str(item, TENANT),
                str(item, MODEL),
                JobStatus.fromWire(str(item, STATUS)).orElseThrow(),
                str(item, SOURCE),
                str(item, SOURCE_KEY),
                time(item, CREATED_AT),
                time(item, UPDATED_AT),
                time(item, STARTED_AT),
                time(item, COMPLETED_AT),
                item.containsKey(ATTEMPTS) ? Integer.parseInt(item.get(ATTEMPTS).n()) : 0,
                millis(item, LEASE_UNTIL),
                millis(item, RETRY_AT),
                str(item, REQUEST),
                str(item, REQUEST_KEY),
                str(item, REQUEST_HASH),
                outcome == null ? null : (ObjectNode) Json.parse(outcome),
                error,
                str(item, LAST_ERROR),
                item.containsKey(EXPIRES_AT) ? Instant.ofEpochSecond(Long.parseLong(item.get(EXPIRES_AT).n())) : null,
                str(item, WAIT_TOKEN),
                item.containsKey(WAITING_REASON) ? new Job.Waiting(
                        item.containsKey(WAIT_TICKET) ? Long.valueOf(item.get(WAIT_TICKET).n()) : null,
                        str(item, WAIT_RESERVATION), str(item, WAITING_REASON), str(item, WAITING_MODEL),
                        time(item, WAITING_SINCE), time(item, WAITING_UNTIL)) : null,
                item.containsKey(THROTTLED) ? Integer.parseInt(item.get(THROTTLED).n()) : 0,
                subscription(item),
                delivery(item.get(WEBHOOK_START)),
                delivery(item.get(WEBHOOK_COMPLETED)));
    }

    /** The attribute holding the delivery state of {@code event}. */
    public static String deliveryAttribute(WebhookEvent event) {
        return event == WebhookEvent.START ? WEBHOOK_START : WEBHOOK_COMPLETED;
    }

    /** A delivery record as a map attribute: state, attempts, and last_status / last_attempt_at / last_error when known. */
    public static AttributeValue deliveryValue(DeliveryRecord record) {
        Map<String, AttributeValue> m = new HashMap<>();
        m.put("state", s(record.state().wire()));
        m.put("attempts", n(record.attempts()));
        if (record.lastStatus() != null) {
            m.put("last_status", n(record.lastStatus()));
        }
        putTime(m, "last_attempt_at", record.lastAttemptAt());
        putIfPresent(m, "last_error", record.lastError());
        return AttributeValue.fromM(m);
    }

    private static void putWebhook(Map<String, AttributeValue> item, Job job) {
        if (job.webhook() != null) {
            item.put(WEBHOOK_URL, s(job.webhook().url()));
            item.put(WEBHOOK_EVENTS, AttributeValue.fromL(job.webhook().eventNames().stream().map(JobItemMapper::s).toList()));
        }
        if (job.webhookStart() != null) {
            item.put(WEBHOOK_START, deliveryValue(job.webhookStart()));
        }
        if (job.webhookCompleted() != null) {
            item.put(WEBHOOK_COMPLETED, deliveryValue(job.webhookCompleted()));
        }
    }

    private static WebhookSubscription subscription(Map<String, AttributeValue> item) {
        String url = str(item, WEBHOOK_URL);
        if (url == null) {
            return null;
        }
        List<WebhookEvent> events = new ArrayList<>();
        if (item.containsKey(WEBHOOK_EVENTS) && item.get(WEBHOOK_EVENTS).hasL()) {
            for (AttributeValue v : item.get(WEBHOOK_EVENTS).l()) {
                WebhookEvent.fromWire(v.s()).ifPresent(events::add);
            }
        }
        return WebhookSubscription.of(url, events.isEmpty() ? WebhookSubscription.DEFAULT_EVENTS : events);
    }

    private static DeliveryRecord delivery(AttributeValue value) {
        if (value == null || !value.hasM()) {
            return null;
        }
        Map<String, AttributeValue> m = value.m();
        DeliveryRecord.State state = switch (str(m, "state") == null ? "pending" : str(m, "state")) {
            case "delivered" -> DeliveryRecord.State.DELIVERED;
            case "failed" -> DeliveryRecord.State.FAILED;
            default -> DeliveryRecord.State.PENDING;
        };
        return new DeliveryRecord(state, m.containsKey("attempts") ? Integer.parseInt(m.get("attempts").n()) : 0,
                m.containsKey("last_status") ? Integer.valueOf(m.get("last_status").n()) : null,
                time(m, "last_attempt_at"), str(m, "last_error"));
    }

    /** The waiting attributes of a job (empty for none); ticket and reservation only when present. */
    public static Map<String, AttributeValue> waitingValues(Job.Waiting waiting) {
        Map<String, AttributeValue> item = new HashMap<>();
        if (waiting == null) {
            return item;
        }
        if (waiting.ticket() != null) {
            item.put(WAIT_TICKET, n(waiting.ticket()));
        }
        putIfPresent(item, WAIT_RESERVATION, waiting.reservation());
        item.put(WAITING_REASON, s(waiting.detail()));
        item.put(WAITING_MODEL, s(waiting.model()));
        putTime(item, WAITING_SINCE, waiting.since());
        putTime(item, WAITING_UNTIL, waiting.nextCheckAt());
        return item;
    }

    public static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    public static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    private static void putIfPresent(Map<String, AttributeValue> item, String name, String value) {
        if (value != null) {
            item.put(name, s(value));
        }
    }

    private static void putTime(Map<String, AttributeValue> item, String name, Instant value) {
        if (value != null) {
            item.put(name, s(Timestamps.format(value)));
        }
    }

    private static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    private static Instant time(Map<String, AttributeValue> item, String name) {
        String v = str(item, name);
        return v == null ? null : Timestamps.parse(v);
    }

    private static Instant millis(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : Instant.ofEpochMilli(Long.parseLong(v.n()));
    }
}
