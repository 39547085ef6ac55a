package imagejobs.shared.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

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
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.queue.JobQueue;
import imagejobs.shared.storage.ObjectStore;

/**
 * Takes one queued job to a terminal state, at most one Gemini call per attempt. SQS delivers at least once and
 * Lambda may die at any line, so every step is safe to repeat: the claim is a conditional write with a lease,
 * image keys are deterministic (a retry overwrites), and only the holder of the current attempt may finish.
 */
public final class JobProcessor {
    private static final StructuredLog LOG = StructuredLog.get(JobProcessor.class);
    /** Time kept back from the invocation's budget for uploads and the final write. */
    private static final Duration FINISH_MARGIN = Duration.ofSeconds(20);

    /** What to do with the message. */
    public sealed interface Result {
        /** Delete the message: the job is terminal, or not ours to process. */
        record Done() implements Result {
        }

        /** Leave the message; it comes back after the delay (already set on the message). */
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

    public JobProcessor(JobStore jobs, ObjectStore store, JobQueue queue, GeminiClient gemini, ModelCatalog catalog,
                        ReferenceResolver references, OutcomeWriter outcomes, Backoff backoff, int maxAttempts,
                        Duration lease, Clock clock) {
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
    }

    /**
     * @param receiptHandle the message's receipt handle (to delay its redelivery)
     * @param budget        time left in this invocation
     */
    public Result process(String requestId, String receiptHandle, Duration budget) {
        StructuredLog.put("job_id", requestId);
        Optional<Job> current = jobs.get(requestId);
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
        Instant now = clock.instant();
        Optional<Job> claimed = jobs.claim(requestId, now, now.plus(lease));
        if (claimed.isEmpty()) {
            // Someone else moved it between our read and our claim: decide again from what it is now.
            return jobs.get(requestId).flatMap(j -> skip(j, receiptHandle))
                    .orElseGet(() -> later(receiptHandle, Duration.ofSeconds(1)));
        }
        return run(claimed.get(), receiptHandle, budget);
    }

    /** Why this delivery must not call Gemini, if it must not. */
    private Optional<Result> skip(Job job, String receiptHandle) {
        Instant now = clock.instant();
        if (job.status().terminal()) {
            return Optional.of(new Result.Done());
        }
        if (job.status() == JobStatus.PROCESSING && job.leaseUntil() != null && job.leaseUntil().isAfter(now)) {
            // Another worker holds it. Keep the message (not delete it) until the lease ends: if that worker dies,
            // this copy is what brings the job back.
            return Optional.of(later(receiptHandle, Duration.between(now, job.leaseUntil()).plusSeconds(1)));
        }
        if (job.status() == JobStatus.QUEUED && job.retryAt() != null && job.retryAt().isAfter(now)) {
            return Optional.of(later(receiptHandle, Duration.between(now, job.retryAt())));
        }
        return Optional.empty();
    }

    private Result run(Job job, String receiptHandle, Duration budget) {
        int attempt = job.attempts();
        StructuredLog.put("attempt", String.valueOf(attempt));
        if (attempt > maxAttempts) {
            // Earlier attempts died without recording an outcome (crash or timeout on every try).
            String last = job.lastError() == null ? "the worker stopped before finishing" : job.lastError();
            return fail(job, attempt, new JobError("WORKER_FAILED", "gave up after " + maxAttempts
                    + " attempts; last error: " + last, false));
        }
        ModelSpec model = catalog.find(job.model()).orElse(null);
        if (model == null) {
            return fail(job, attempt, new JobError("MODEL_UNAVAILABLE", "model " + job.model()
                    + " is no longer in the catalog", false));
        }
        Path workDir = createWorkDir(job.requestId());
        try {
            ObjectNode request = loadRequest(job);
            ArrayNode contents;
            try {
                contents = references.resolve(job.tenant(), request.path("contents"));
            } catch (ReferenceException e) {
                return fail(job, attempt, new JobError("INVALID_REFERENCE", e.getMessage(), false));
            }
            ObjectNode upstream = request.deepCopy();
            upstream.set("contents", contents);
            Duration timeout = callTimeout(model, budget);
            Instant started = clock.instant();
            GeminiResponse response;
            try {
                response = gemini.generate(model.upstreamModel(), Json.bytes(upstream), timeout, workDir);
            } catch (GeminiException e) {
                return upstreamFailed(job, attempt, e, receiptHandle);
            }
            long latencyMs = Duration.between(started, clock.instant()).toMillis();
            LOG.info("gemini answered", "latency_ms", latencyMs, "finish_reason", response.finishReason(),
                    "images", response.images().size());
            Optional<JobError> refusal = ResponseVerdict.refusal(response, request);
            if (refusal.isPresent()) {
                return fail(job, attempt, refusal.get());
            }
            ObjectNode outcome = outcomes.write(job, request, response, latencyMs);
            int images = outcome.path("images").size();
            if (!jobs.complete(job.requestId(), attempt, outcome, images, clock.instant())) {
                LOG.warn("lost the lease before finishing; the current holder decides the outcome");
            } else {
                LOG.info("job succeeded", "images", images);
            }
            return new Result.Done();
        } finally {
            deleteQuietly(workDir);
        }
    }

    private Result upstreamFailed(Job job, int attempt, GeminiException e, String receiptHandle) {
        LOG.warn("gemini call failed", "kind", e.kind().name(), "http_status", e.httpStatus(), "detail", e.getMessage());
        if (!e.kind().retryable()) {
            return fail(job, attempt, new JobError(ResponseVerdict.code(e.kind()), e.getMessage(), false));
        }
        if (attempt >= maxAttempts) {
            return fail(job, attempt, new JobError(ResponseVerdict.code(e.kind()), "gave up after " + attempt
                    + " attempts: " + e.getMessage(), true));
        }
        Duration delay = backoff.delay(attempt, e.retryDelay());
        Instant retryAt = clock.instant().plus(delay);
        if (!jobs.requeue(job.requestId(), attempt, e.getMessage(), retryAt, clock.instant())) {
            LOG.warn("lost the lease before requeueing");
            return new Result.Done();
        }
        return later(receiptHandle, delay);
    }

    private Result fail(Job job, int attempt, JobError error) {
        if (jobs.fail(job.requestId(), attempt, error, clock.instant())) {
            LOG.info("job failed", "error_code", error.code());
        }
        return new Result.Done();
    }

    private Result later(String receiptHandle, Duration delay) {
        if (receiptHandle != null) {
            queue.retryAfter(receiptHandle, delay);
        }
        return new Result.RetryLater(delay);
    }

    private ObjectNode loadRequest(Job job) {
        if (job.request() != null) {
            return (ObjectNode) Json.parse(job.request());
        }
        byte[] bytes = store.get(job.requestKey()).orElseThrow(() ->
                new IllegalStateException("request document " + job.requestKey() + " is missing")).bytes();
        try {
            return (ObjectNode) Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Duration callTimeout(ModelSpec model, Duration budget) {
        Duration modelTimeout = Duration.ofSeconds(model.timeoutSeconds());
        Duration available = budget == null ? modelTimeout : budget.minus(FINISH_MARGIN);
        Duration timeout = modelTimeout.compareTo(available) <= 0 ? modelTimeout : available;
        return timeout.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5) : timeout;
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
