package imagejobs.shared.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.catalog.ModelSpec;
import imagejobs.shared.gemini.GeminiClient;
import imagejobs.shared.gemini.GeminiException;
import imagejobs.shared.gemini.GeminiResponse;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.json.Json;
import imagejobs.shared.log.Metrics;
import imagejobs.shared.log.Metrics.Unit;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.queue.JobQueue;
import imagejobs.shared.storage.ObjectStore;

/**
 * Takes one delivered job to a terminal state, with at most one Gemini call per attempt. SQS delivers at least
 * once and Lambda may die at any line, so every step is safe to repeat:
 * <ul>
 * <li>The claim ({@code queued → processing}) is a conditional write that counts the attempt and sets a lease.
 * The lease outlasts the Lambda timeout, so a live lease means its holder may still be working and an expired one
 * means it is dead: only then does another delivery take the job over.</li>
 * <li>Only the holder of the current attempt (the fencing token) can finish, fail or requeue the job.</li>
 * <li>Image keys are deterministic (a repeat overwrites) and the outcome is staged in S3 before the status write,
 * so a worker that dies after Gemini answered does not cost a second call.</li>
 * <li>Retryable failures put the job back to {@code queued} with {@code retry_at} and {@code last_error} and
 * delay the message by the backoff; after the last attempt the job fails with the error's code. Claims beyond the
 * attempt cap (a crash on every attempt) fail the job with WORKER_FAILED.</li>
 * </ul>
 */
public final class JobProcessor {
    private static final StructuredLog LOG = StructuredLog.get(JobProcessor.class);
    /** Time kept back from the invocation's budget for uploads and the final write. */
    static final Duration FINISH_MARGIN = Duration.ofSeconds(20);
    /** Less than this left for the Gemini call is not worth an attempt: the message comes back instead. */
    static final Duration MIN_CALL = Duration.ofSeconds(10);
    /** A claim lost to a concurrent delivery: look again shortly (the winner's lease then decides). */
    static final Duration RACE_RETRY = Duration.ofSeconds(1);
    /** The backoff step a message waits after the jobs table failed before the claim (see storeUnavailable). */
    static final int STORE_RETRY_ATTEMPT = 3;
    public static final String WORKER_FAILED = "WORKER_FAILED";
    public static final String INVALID_REFERENCE = "INVALID_REFERENCE";
    /**
     * EMF metric, one per failure that sends the message back to the queue, by {@code cause}: {@code crash} (DynamoDB,
     * S3 or SQS failing, a bug: anything but Gemini; the template's WorkerErrorsAlarm watches it) or {@code upstream}
     * (a retryable Gemini failure: 429, 5xx, timeout). Gemini refusals and bad input end the job and are not counted.
     */
    public static final String ATTEMPT_FAILURES = "AttemptFailures";

    /** What to do with the message. */
    public sealed interface Result {
        /** Delete the message: the job is terminal, or not ours to process. */
        record Done() implements Result {
        }

        /** Keep the message; it comes back after the delay (already set on the message). */
        record RetryLater(Duration delay) implements Result {
        }
    }

    private final JobStore jobs;
    private final ObjectStore store;
    private final JobQueue queue;
    private final GeminiClient gemini;
    private final ModelCatalog catalog;
    private final ReferenceResolver references;
    private final OutcomeWriter outcomes;
    private final Backoff backoff;
    private final int maxAttempts;
    private final Duration lease;
    private final Clock clock;
    private final Metrics metrics;

    /**
     * @param lease how long a claim protects a job from other deliveries; must exceed the function's timeout
     */
    public JobProcessor(JobStore jobs, ObjectStore store, JobQueue queue, GeminiClient gemini, ModelCatalog catalog,
                        ReferenceResolver references, OutcomeWriter outcomes, Backoff backoff, int maxAttempts,
                        Duration lease, Clock clock) {
        this(jobs, store, queue, gemini, catalog, references, outcomes, backoff, maxAttempts, lease, clock,
                Metrics.NONE);
    }

    /** @param metrics where the per-job CloudWatch metrics (EMF) go */
    public JobProcessor(JobStore jobs, ObjectStore store, JobQueue queue, GeminiClient gemini, ModelCatalog catalog,
                        ReferenceResolver references, OutcomeWriter outcomes, Backoff backoff, int maxAttempts,
                        Duration lease, Clock clock, Metrics metrics) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        this.jobs = jobs;
        this.store = store;
        this.queue = queue;
        this.gemini = gemini;
        this.catalog = catalog;
        this.references = references;
        this.outcomes = outcomes;
        this.backoff = backoff;
        this.maxAttempts = maxAttempts;
        this.lease = lease;
        this.clock = clock;
        this.metrics = metrics;
    }

    /**
     * @param receiptHandle the message's receipt handle (to delay its redelivery)
     * @param budget        time left in this invocation, or null when unbounded
     */
    public Result process(String requestId, String receiptHandle, Duration budget) {
        try {
            return processDelivery(requestId, receiptHandle, budget);
        } catch (RuntimeException e) {
            attemptFailed("crash");
            throw e;
        }
    }

    private void attemptFailed(String cause) {
        metrics.emit(List.of(List.of("cause")), Map.of("cause", cause), new Metrics.Value(ATTEMPT_FAILURES, 1, Unit.COUNT));
    }

    private Result processDelivery(String requestId, String receiptHandle, Duration budget) {
        StructuredLog.put("job_id", requestId);
        Optional<Job> current;
        try {
            current = jobs.get(requestId);
        } catch (RuntimeException e) {
            return storeUnavailable(receiptHandle, e);
        }
        if (current.isEmpty()) {
            LOG.warn("message for an unknown job; dropped");
            return new Result.Done();
        }
        Job job = current.get();
        StructuredLog.put("tenant", job.tenant());
        Optional<Result> skip = skip(job, receiptHandle);
        if (skip.isPresent()) {
            return skip.get();
        }
        if (budget != null && budget.minus(FINISH_MARGIN).compareTo(MIN_CALL) < 0) {
            // Not claimed, so no attempt is spent: another invocation with a full budget takes it.
            LOG.warn("too little time left in this invocation; message returned", "budget_ms", budget.toMillis());
            return later(receiptHandle, Duration.ofSeconds(1));
        }
        Instant now = clock.instant();
        Optional<Job> claimed;
        Optional<Job> moved = Optional.empty();
        try {
            claimed = jobs.claim(requestId, now, now.plus(lease));
            if (claimed.isEmpty()) {
                moved = jobs.get(requestId);
            }
        } catch (RuntimeException e) {
            // The claim may have landed before the failure: then its lease decides, as after a crash.
            return storeUnavailable(receiptHandle, e);
        }
        if (claimed.isEmpty()) {
            // Someone else moved it between our read and our claim: decide again from what it is now.
            return moved.flatMap(j -> skip(j, receiptHandle)).orElseGet(() -> later(receiptHandle, RACE_RETRY));
        }
        // Should this worker die, the message comes back right after the lease instead of after the queue's
        // (much longer) visibility timeout.
        extendVisibility(receiptHandle, lease.plusSeconds(5));
        return run(claimed.get(), receiptHandle, budget);
    }

    /**
     * Why this delivery must not call Gemini, if it must not.
     *
     * <p>A duplicate delivery of a job another worker holds under a live lease is <em>kept</em>, hidden until the
     * lease ends, not deleted: if the holder dies, this copy is what brings the job back. (Deleting it would be
     * safe only if we knew the holder's own message survives, and its deletion is the holder's business.) Once
     * the job is finished, that copy is acknowledged and deleted on its next delivery.
     */
    private Optional<Result> skip(Job job, String receiptHandle) {
        Instant now = clock.instant();
        if (job.status().terminal()) {
            LOG.info("job already finished; message acknowledged", "status", job.status().wire());
            return Optional.of(new Result.Done());
        }
        if (job.status() == JobStatus.PROCESSING && job.leaseUntil() != null && job.leaseUntil().isAfter(now)) {
            LOG.info("job held by another worker; message kept until its lease ends",
                    "lease_until", job.leaseUntil().toString());
            return Optional.of(later(receiptHandle, Duration.between(now, job.leaseUntil()).plusSeconds(1)));
        }
        if (job.status() == JobStatus.QUEUED && job.retryAt() != null && job.retryAt().isAfter(now)) {
            return Optional.of(later(receiptHandle, Duration.between(now, job.retryAt())));
        }
        return Optional.empty();
    }

    private Result run(Job job, String receiptHandle, Duration budget) {
        int attempt = job.attempts();
        Instant startedAt = job.startedAt() != null ? job.startedAt() : clock.instant();
        StructuredLog.put("attempt", String.valueOf(attempt));
        if (attempt == 1) {
            // Submit to first pickup: how far behind the workers are (queue depth, concurrency cap, quota).
            metrics.emit(List.of(), Map.of(), new Metrics.Value("QueueWait",
                    Math.max(0, Duration.between(job.createdAt(), clock.instant()).toMillis()), Unit.MILLISECONDS));
        }
        Path workDir = null;
        try {
            if (attempt > 1) {
                Optional<ObjectNode> staged = outcomes.staged(job,
                        new OutcomeWriter.Timings(attempt, startedAt, clock.instant(), 0));
                if (staged.isPresent()) {
                    LOG.info("an earlier attempt stored its result but died before recording it; finishing from it");
                    return complete(job, attempt, staged.get());
                }
            }
            if (attempt > maxAttempts) {
                // Earlier attempts died without recording anything (a crash or timeout on every try).
                String last = job.lastError() == null ? "the worker stopped before finishing" : job.lastError();
                return fail(job, attempt, new JobError(WORKER_FAILED, "gave up after " + maxAttempts
                        + " attempts; last error: " + last, true));
            }
            ModelSpec model = catalog.find(job.model()).orElse(null);
            if (model == null) {
                return fail(job, attempt, new JobError("MODEL_UNAVAILABLE", "model " + job.model()
                        + " is no longer in the catalog", false));
            }
            ObjectNode request = loadRequest(job);
            ArrayNode contents;
            try {
                contents = references.resolve(job.tenant(), request.path("contents"),
                        Set.copyOf(model.inputMimeTypes()));
            } catch (ReferenceException e) {
                return fail(job, attempt, new JobError(INVALID_REFERENCE, e.getMessage(), false));
            }
            ObjectNode upstream = request.deepCopy();
            upstream.set("contents", contents);
            byte[] body = Json.bytes(upstream);
            upstream = null;
            contents = null;
            workDir = createWorkDir(job.requestId());
            Duration timeout = callTimeout(model, budget);
            Instant called = clock.instant();
            GeminiResponse response;
            try {
                response = gemini.generate(model.upstreamModel(), body, timeout, workDir);
            } catch (GeminiException e) {
                return upstreamFailed(job, attempt, e, receiptHandle);
            }
            long latencyMs = Duration.between(called, clock.instant()).toMillis();
            LOG.info("gemini answered", "latency_ms", latencyMs, "finish_reason", response.finishReason(),
                    "images", response.images().size());
            metrics.emit(List.of(List.of("model")), Map.of("model", job.model()),
                    new Metrics.Value("GeminiLatency", latencyMs, Unit.MILLISECONDS));
            Optional<JobError> refusal = ResponseVerdict.refusal(response, request);
            if (refusal.isPresent()) {
                return fail(job, attempt, refusal.get());
            }
            ObjectNode outcome = outcomes.write(job, request, response,
                    new OutcomeWriter.Timings(attempt, startedAt, clock.instant(), latencyMs));
            return complete(job, attempt, outcome);
        } catch (RuntimeException e) {
            return crashed(job, attempt, e, receiptHandle);
        } finally {
            if (workDir != null) {
                deleteQuietly(workDir);
            }
        }
    }

    private Result complete(Job job, int attempt, ObjectNode outcome) {
        Instant completedAt = Instant.parse(outcome.path("timings").path("completed_at").asText(
                clock.instant().toString()));
        int images = outcome.path("images").size();
        if (jobs.complete(job.requestId(), attempt, outcome, images, completedAt)) {
            terminal(job, attempt, JobStatus.SUCCESS, null, "images", images,
                    "gemini_latency_ms", outcome.path("timings").path("gemini_latency_ms").asLong());
        } else {
            LOG.warn("lost the lease before finishing; the current holder decides the outcome");
        }
        return new Result.Done();
    }

    private Result upstreamFailed(Job job, int attempt, GeminiException e, String receiptHandle) {
        LOG.warn("gemini call failed", "kind", e.kind().name(), "http_status", e.httpStatus(), "detail", e.getMessage(),
                "error_type", e.causeType(), "retry_delay_ms", e.retryDelay() == null ? null : e.retryDelay().toMillis());
        String code = ResponseVerdict.code(e.kind());
        if (!e.kind().retryable()) {
            return fail(job, attempt, new JobError(code, e.getMessage(), false));
        }
        attemptFailed("upstream");
        if (attempt >= maxAttempts) {
            return fail(job, attempt, new JobError(code, "gave up after " + attempt + " attempts: " + e.getMessage(),
                    true));
        }
        return retry(job, attempt, code + ": " + e.getMessage(), backoff.delay(attempt, e.retryDelay()),
                receiptHandle);
    }

    /** An unexpected failure (S3, DynamoDB, a bug): retried like an upstream error, within the same cap. */
    private Result crashed(Job job, int attempt, RuntimeException e, String receiptHandle) {
        LOG.error("attempt failed unexpectedly", e);
        attemptFailed("crash");
        // The exception (type, message, stack) is in the log line above; the client reads what it means to them.
        String what = InternalFailures.describe(e);
        if (attempt >= maxAttempts) {
            return fail(job, attempt, new JobError(WORKER_FAILED, "gave up after " + attempt + " attempts; last error: "
                    + what, true));
        }
        return retry(job, attempt, what, backoff.delay(attempt, null), receiptHandle);
    }

    private Result retry(Job job, int attempt, String lastError, Duration delay, String receiptHandle) {
        Instant now = clock.instant();
        if (!jobs.requeue(job.requestId(), attempt, lastError, now.plus(delay), now)) {
            LOG.warn("lost the lease before requeueing; the current holder decides the outcome");
            return new Result.Done();
        }
        LOG.info("job requeued", "attempt", attempt, "retry_in_ms", delay.toMillis(), "last_error", lastError);
        return later(receiptHandle, delay);
    }

    private Result fail(Job job, int attempt, JobError error) {
        if (jobs.fail(job.requestId(), attempt, error, clock.instant())) {
            terminal(job, attempt, JobStatus.FAILED, error);
        } else {
            LOG.warn("lost the lease before failing the job; the current holder decides the outcome");
        }
        return new Result.Done();
    }

    /** The one log line per terminal transition (metrics filters and alarms key on it). */
    private void terminal(Job job, int attempt, JobStatus status, JobError error, Object... more) {
        Object[] fields = {"status", status.wire(), "model", job.model(), "attempts", attempt,
                "error_code", error == null ? null : error.code(),
                "error_message", error == null ? null : error.message(),
                "queued_to_done_ms", Duration.between(job.createdAt(), clock.instant()).toMillis()};
        Object[] all = new Object[fields.length + more.length];
        System.arraycopy(fields, 0, all, 0, fields.length);
        System.arraycopy(more, 0, all, fields.length, more.length);
        LOG.info("job finished", all);
        metrics.emit(List.of(List.of("status"), List.of("error_code"), List.of("model")),
                Map.of("status", status.wire(), "error_code", error == null ? "NONE" : error.code(), "model", job.model()),
                new Metrics.Value("JobsFinished", 1, Unit.COUNT),
                new Metrics.Value("Attempts", attempt, Unit.COUNT),
                new Metrics.Value("QueuedToDone", Duration.between(job.createdAt(), clock.instant()).toMillis(),
                        Unit.MILLISECONDS));
    }

    /**
     * The jobs table failed before this delivery claimed the job. Left alone, the message would come back only
     * after the queue's visibility timeout (30 minutes); it comes back after a few retry periods instead (with the
     * default 2 s base, 8 to 16 s). Nothing was spent: no attempt was counted unless the claim landed unseen, and
     * then the lease it set protects the job as after a crash.
     */
    private Result storeUnavailable(String receiptHandle, RuntimeException e) {
        attemptFailed("crash");
        Duration delay = backoff.delay(STORE_RETRY_ATTEMPT, null);
        LOG.warn("jobs table unavailable before the claim; message returned", "error_type",
                e.getClass().getSimpleName(), "retry_in_ms", delay.toMillis());
        if (receiptHandle != null) {
            try {
                queue.retryAfter(receiptHandle, delay);
            } catch (RuntimeException queueDown) {
                LOG.warn("could not delay the message either; it returns after the queue's visibility timeout",
                        "error_type", queueDown.getClass().getSimpleName());
            }
        }
        return new Result.RetryLater(delay);
    }

    private Result later(String receiptHandle, Duration delay) {
        if (receiptHandle != null) {
            queue.retryAfter(receiptHandle, delay);
        }
        return new Result.RetryLater(delay);
    }

    private void extendVisibility(String receiptHandle, Duration delay) {
        if (receiptHandle == null) {
            return;
        }
        try {
            queue.retryAfter(receiptHandle, delay);
        } catch (RuntimeException e) {
            // Only shortens recovery after a crash; the queue's own visibility timeout still applies.
            LOG.warn("could not set the message's visibility to the lease", "error_type", e.getClass().getSimpleName());
        }
    }

    private ObjectNode loadRequest(Job job) {
        if (job.request() != null) {
            return (ObjectNode) Json.parse(job.request());
        }
        byte[] bytes = store.get(job.requestKey()).orElseThrow(() ->
                new IllegalStateException("request document " + job.requestKey() + " is missing")).bytes();
        try {
            JsonNode node = Json.MAPPER.readTree(bytes);
            return (ObjectNode) node;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The model's own timeout (long enough for 4K), cut to what this invocation has left. */
    static Duration callTimeout(ModelSpec model, Duration budget) {
        Duration modelTimeout = Duration.ofSeconds(model.timeoutSeconds());
        Duration available = budget == null ? modelTimeout : budget.minus(FINISH_MARGIN);
        Duration timeout = modelTimeout.compareTo(available) <= 0 ? modelTimeout : available;
        return timeout.compareTo(MIN_CALL) < 0 ? MIN_CALL : timeout;
    }

    private static Path createWorkDir(String requestId) {
        try {
            return Files.createTempDirectory("imagejobs-" + requestId + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp files; the next cold start gets a fresh /tmp anyway
        }
    }
}
