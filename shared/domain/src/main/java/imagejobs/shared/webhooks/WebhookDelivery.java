package imagejobs.shared.webhooks;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.json.Json;
import imagejobs.shared.log.Metrics;
import imagejobs.shared.log.StructuredLog;

/**
 * One delivery attempt per queue message: read the job, sign its current view, POST it, record what happened on the
 * job (never touching its status) and, when it failed, send the next attempt's message with the schedule's delay
 * (or give up: record {@code failed}, keep the message in the dead-letter queue). Duplicate messages (the queue's
 * at-least-once delivery, a stream record dispatched twice) are dropped by the stored record: an attempt already
 * made, or a delivery already final, is not made again. Anything that throws (DynamoDB, SQS) leaves the message to
 * come back after its visibility timeout: at most one extra POST, which the receiver de-duplicates on webhook-id.
 */
public final class WebhookDelivery {
    public static final String ATTEMPTS_METRIC = "WebhookAttempts";
    public static final String GIVEN_UP_METRIC = "WebhooksGivenUp";
    public static final String DROPPED_METRIC = "WebhooksDropped";
    public static final String LATENCY_METRIC = "WebhookDeliveryLatency";
    /** Standard Webhooks: 410 Gone means the receiver wants no more; there is no endpoint to disable, so this event stops. */
    static final int GONE = 410;
    private static final StructuredLog LOG = StructuredLog.get(WebhookDelivery.class);

    /**
     * What a delivery needs.
     *
     * @param view the job as {@code GET /v1/requests/{id}} shows it, with fresh presigned URLs
     */
    public record Ports(JobStore jobs, Function<Job, ObjectNode> view, TenantWebhookSecrets secrets,
                        WebhookSender sender, WebhookQueue queue, RetrySchedule schedule, Clock clock,
                        Metrics metrics) {
    }

    /** What became of one message (for the log and the tests; every result acknowledges the message). */
    public enum Result {
        /** Not a delivery message: dropped. */
        MALFORMED,
        /** Arrived before its attempt was due: sent on with the rest of the wait. */
        HOPPED,
        /** The job is gone, expired, someone else's or has no subscription for the event: dropped. */
        NO_JOB,
        /** A duplicate: the delivery is already final or this attempt was already made. */
        DUPLICATE,
        DELIVERED,
        /** The attempt failed; the next one is queued. */
        RETRY_QUEUED,
        /** The attempt failed and the schedule is over: recorded {@code failed}, message kept in the DLQ. */
        GAVE_UP
    }

    private final Ports ports;

    public WebhookDelivery(Ports ports) {
        this.ports = ports;
    }

    /** Handles one queue message's body. Throws when a store or queue call fails (the message comes back). */
    public Result deliver(String body) {
        Optional<WebhookMessage> parsed = WebhookMessage.fromJson(body);
        if (parsed.isEmpty()) {
            LOG.warn("not a webhook delivery message; dropped", "bytes", body == null ? 0 : body.length());
            return Result.MALFORMED;
        }
        return deliver(parsed.get());
    }

    public Result deliver(WebhookMessage message) {
        StructuredLog.put("job_id", message.requestId());
        StructuredLog.put("tenant", message.tenant());
        StructuredLog.put("event", message.event().wire());
        StructuredLog.put("attempt", String.valueOf(message.attempt()));
        Instant now = ports.clock().instant();
        if (!message.due(now)) {
            int delay = message.delaySeconds(now);
            ports.queue().send(message, delay);
            LOG.info("webhook attempt not due yet; sent on", "delay_seconds", delay);
            return Result.HOPPED;
        }
        Optional<Job> found = ports.jobs().get(message.requestId());
        String dropped = found.isEmpty() ? "job not found" : whyDropped(found.get(), message, now);
        if (dropped != null) {
            LOG.info("webhook dropped", "reason", dropped);
            ports.metrics().count(DROPPED_METRIC, "reason", dropped, "event", message.event().wire());
            return Result.NO_JOB;
        }
        Job job = found.get();
        DeliveryRecord stored = job.delivery(message.event());
        if (stored != null && stored.state() != DeliveryRecord.State.PENDING) {
            LOG.info("webhook already " + stored.state().wire() + "; duplicate message dropped");
            return Result.DUPLICATE;
        }
        if (stored != null && stored.attempts() >= message.attempt()) {
            LOG.info("webhook attempt already made; duplicate message dropped", "stored_attempts", stored.attempts());
            return Result.DUPLICATE;
        }
        return attempt(job, message);
    }

    private static String whyDropped(Job job, WebhookMessage message, Instant now) {
        if (job.expired(now)) {
            return "job expired";
        }
        if (!job.tenant().equals(message.tenant())) {
            return "job belongs to another tenant";
        }
        if (job.webhook() == null || !job.webhook().wants(message.event())) {
            return "job has no webhook for the event";
        }
        return null;
    }

    private Result attempt(Job job, WebhookMessage message) {
        int n = message.attempt();
        byte[] body = Json.bytes(ports.view().apply(job));
        List<WebhookSecret> secrets = ports.secrets().signing(job.tenant());
        Instant startedAt = ports.clock().instant();
        Map<String, String> headers = WebhookSignatures.headers(message.webhookId(), startedAt, body, secrets);
        DeliveryOutcome outcome = ports.sender().send(job.webhook().url(), headers, body);
        Instant endedAt = ports.clock().instant();
        Instant first = message.firstAttemptAt() != null ? message.firstAttemptAt() : startedAt;
        ports.metrics().emit(List.of(List.of("outcome")),
                Map.of("outcome", outcome.kind().name().toLowerCase(Locale.ROOT)),
                new Metrics.Value(ATTEMPTS_METRIC, 1, Metrics.Unit.COUNT));

        if (outcome.delivered()) {
            record(job, message, DeliveryRecord.after(n, outcome, false, startedAt));
            Instant fired = message.event() == WebhookEvent.START ? job.startedAt() : job.completedAt();
            if (fired != null) {
                ports.metrics().emit(List.of(List.of("event")), Map.of("event", message.event().wire()),
                        new Metrics.Value(LATENCY_METRIC, Duration.between(fired, endedAt).toMillis(),
                                Metrics.Unit.MILLISECONDS));
            }
            LOG.info("webhook delivered", "status", outcome.status(), "millis",
                    Duration.between(startedAt, endedAt).toMillis());
            return Result.DELIVERED;
        }

        RetrySchedule.Next next = outcome.status() == GONE
                ? new RetrySchedule.GiveUp(n, Duration.between(first, endedAt))
                : ports.schedule().afterFailure(n, first, endedAt, outcome.retryAfter());
        if (next instanceof RetrySchedule.RetryAt retry) {
            WebhookMessage following = message.retry(retry.attempt(), first, retry.at());
            // Queue first, then record: a crash in between leaves a queued attempt, never a lost one.
            ports.queue().send(following, following.delaySeconds(endedAt));
            record(job, message, DeliveryRecord.after(n, outcome, false, startedAt));
            LOG.info("webhook attempt failed; retry queued", "status", outcome.status(), "detail", outcome.detail(),
                    "next_attempt_at", retry.at().toString());
            return Result.RETRY_QUEUED;
        }
        record(job, message, DeliveryRecord.after(n, outcome, true, startedAt));
        ports.queue().giveUp(message.retry(n, first, null));
        ports.metrics().emit(List.of(List.of("event")), Map.of("event", message.event().wire()),
                new Metrics.Value(GIVEN_UP_METRIC, 1, Metrics.Unit.COUNT));
        LOG.warn("webhook given up", "status", outcome.status(), "detail", outcome.detail(), "attempts", n);
        return Result.GAVE_UP;
    }

    private void record(Job job, WebhookMessage message, DeliveryRecord record) {
        if (!ports.jobs().recordWebhook(job.requestId(), message.event(), record)) {
            // A later attempt's record (a duplicate chain) or the job's deletion won: the stored state stands.
            LOG.info("webhook state not recorded: the stored state is newer or the job is gone",
                    "state", record.state().wire());
        }
    }
}
