package imagejobs.shared.submit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.auth.Authenticator;
import imagejobs.shared.auth.Credentials;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.config.Settings;
import imagejobs.shared.errors.Rejection;
import imagejobs.shared.errors.Rejection.Kind;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.jobs.RequestIds;
import imagejobs.shared.json.Json;
import imagejobs.shared.json.JsonErrors;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.queue.JobQueue;
import imagejobs.shared.status.JobView;
import imagejobs.shared.validation.CanonicalRequest;
import imagejobs.shared.validation.RequestValidator;

/**
 * The front door: authenticate, rate-limit, validate, move inline images to S3, store the job ({@code queued}),
 * enqueue its id. Bad input is refused before anything is uploaded, stored or sent. The job is written before the
 * message is sent; when sending fails the job is marked failed ({@code ENQUEUE_FAILED}), its idempotency key is
 * released and the caller gets 503: never a queued job without a message, never a message without a job.
 */
public final class SubmitService {
    public static final String INVALID_JSON = "INVALID_JSON";
    public static final String PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE";
    public static final String IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED";
    public static final String ENQUEUE_FAILED = "ENQUEUE_FAILED";
    public static final String STORAGE_UNAVAILABLE = "STORAGE_UNAVAILABLE";
    public static final String JOB_STORE_UNAVAILABLE = "JOB_STORE_UNAVAILABLE";
    static final Duration IDEMPOTENCY_WINDOW = Duration.ofHours(24);
    /** Marking an unqueued job failed is what keeps it from looking queued forever: worth a few tries. */
    static final int FAIL_MARK_ATTEMPTS = 3;
    private static final StructuredLog LOG = StructuredLog.get(SubmitService.class);

    private final Authenticator authenticator;
    private final RequestValidator validator;
    private final InputSpiller spiller;
    private final JobStore jobs;
    private final JobQueue queue;
    private final JobView view;
    private final Settings settings;
    private final Clock clock;

    public SubmitService(Authenticator authenticator, RequestValidator validator, InputSpiller spiller, JobStore jobs,
                         JobQueue queue, JobView view, Settings settings, Clock clock) {
        this.authenticator = authenticator;
        this.validator = validator;
        this.spiller = spiller;
        this.jobs = jobs;
        this.queue = queue;
        this.view = view;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * One submit as the caller sent it.
     *
     * @param idempotencyKey the {@code Idempotency-Key} header's raw value, or null
     * @param nativeModel    the model named by the path of the native Gemini form
     *                       ({@code /v1beta/models/{model}:generateContent}), or null for the request-queue form
     */
    public record SubmitCommand(Credentials credentials, byte[] body, String idempotencyKey, String nativeModel) {
        public SubmitCommand {
            body = body == null ? new byte[0] : body;
        }
    }

    /** The job as stored (or found again), its API view, and whether it was an idempotent replay of an earlier one. */
    public record Submitted(Job job, ObjectNode view, boolean replayed) {
    }

    /** {@code POST /v1/requests}, or the native form when the command names a model. */
    public Submitted submit(SubmitCommand command) {
        return command.nativeModel() == null ? submit(command, validator::validateRequestQueue)
                : submit(command, (body, tenant) -> validator.validateNative(command.nativeModel(), body, tenant));
    }

    private Submitted submit(SubmitCommand request, BiFunction<JsonNode, String, CanonicalRequest> validate) {
        try {
            KeyRecord key = authenticator.authenticate(request.credentials());
            StructuredLog.put("tenant", key.tenant());
            authenticator.checkRate(key, settings.defaultRatePerMinute(), clock);
            if (request.body().length > settings.maxBodyBytes()) {
                throw new Rejection(Kind.TOO_LARGE, PAYLOAD_TOO_LARGE, "the request body is " + request.body().length
                        + " bytes; the limit is " + settings.maxBodyBytes() + " bytes: send large images as https://"
                        + " URLs instead of inline data");
            }
            Optional<String> idempotencyKey = IdempotencyKeys.of(request.idempotencyKey());
            CanonicalRequest canonical = validate.apply(parse(request), key.tenant());
            return accept(key, canonical, idempotencyKey);
        } catch (Rejection e) {
            if (e.kind() != Kind.UNAVAILABLE) {
                LOG.info("submit refused", "kind", e.kind().name(), "code", e.code(), "field", e.field());
            }
            throw e;
        }
    }

    private Submitted accept(KeyRecord key, CanonicalRequest canonical, Optional<String> idempotencyKey) {
        Instant now = clock.instant();
        String tenant = key.tenant();
        String requestHash = requestHash(canonical);
        String keyHash = idempotencyKey.map(k -> IdempotencyKeys.hash(tenant, k)).orElse(null);
        if (keyHash != null) {
            Optional<Submitted> replay = replay(keyHash, requestHash, now);
            if (replay.isPresent()) {
                return replay.get();
            }
        }

        String requestId = RequestIds.newId(now.toEpochMilli());
        StructuredLog.put("job_id", requestId);
        InputSpiller.StoredRequest stored;
        try {
            ObjectNode withReferences = spiller.spill(tenant, requestId, canonical.gemini());
            stored = spiller.storeRequest(tenant, requestId, withReferences);
        } catch (RuntimeException e) {
            // Nothing is stored yet: an upload left behind expires with the inputs/ lifecycle rule.
            LOG.error("input upload failed", e);
            throw unavailable(STORAGE_UNAVAILABLE, "the request's images could not be stored");
        }
        Job job = Job.queued(requestId, tenant, canonical.model().id(), Job.SOURCE_API, null, stored.inline(),
                stored.key(), requestHash, now, now.plus(settings.retention()));

        JobStore.IdempotentCreate created;
        try {
            created = keyHash == null
                    ? (jobs.create(job) ? new JobStore.IdempotentCreate.Created(job) : null)
                    : jobs.createIdempotent(job, keyHash, now.plus(IDEMPOTENCY_WINDOW));
        } catch (RuntimeException e) {
            // The write may have landed before the failure: make sure it cannot stay queued without a message.
            LOG.error("job write failed", e);
            abandon(requestId, keyHash);
            throw unavailable(JOB_STORE_UNAVAILABLE, "the job could not be stored");
        }
        if (created == null) {
            throw new IllegalStateException("request id collision " + requestId);
        }
        if (created instanceof JobStore.IdempotentCreate.Existing existing) {
            // Lost a race with the same request under the same key: answer with the winner.
            return answer(existing.job(), true);
        }
        if (created instanceof JobStore.IdempotentCreate.Conflict conflict) {
            throw reused(conflict.existingRequestId());
        }

        try {
            queue.send(requestId);
        } catch (RuntimeException e) {
            LOG.error("enqueue failed; job marked failed", e);
            abandon(requestId, keyHash);
            throw unavailable(ENQUEUE_FAILED, "the job could not be queued");
        }
        LOG.info("job queued", "model", job.model(), "request_bytes",
                stored.inline() == null ? -1 : stored.inline().length());
        return answer(job, false);
    }

    /** The earlier job of this idempotency key, when the same request is sent again within the window. */
    private Optional<Submitted> replay(String keyHash, String requestHash, Instant now) {
        Optional<JobStore.IdempotencyBinding> binding = jobs.findIdempotencyKey(keyHash, now);
        if (binding.isEmpty()) {
            return Optional.empty();
        }
        Optional<Job> earlier = jobs.get(binding.get().requestId());
        if (earlier.isEmpty() || neverQueued(earlier.get())) {
            // A job that never reached the queue (its release failed after the 503) or is gone binds nothing.
            release(keyHash, binding.get().requestId());
            return Optional.empty();
        }
        if (!binding.get().requestHash().equals(requestHash)) {
            throw reused(binding.get().requestId());
        }
        return Optional.of(answer(earlier.get(), true));
    }

    /** Marks a job that did not reach the queue failed (bounded retries) and frees its idempotency key. */
    private void abandon(String requestId, String keyHash) {
        JobError error = new JobError(ENQUEUE_FAILED, "the job could not be queued; submit it again", true);
        for (int attempt = 1; attempt <= FAIL_MARK_ATTEMPTS; attempt++) {
            try {
                jobs.failUnfinished(requestId, error, clock.instant());
                break;
            } catch (RuntimeException e) {
                LOG.error("could not mark the unqueued job failed", e, "attempt", attempt);
            }
        }
        if (keyHash != null) {
            release(keyHash, requestId);
        }
    }

    private void release(String keyHash, String requestId) {
        try {
            jobs.releaseIdempotencyKey(keyHash, requestId);
        } catch (RuntimeException e) {
            LOG.error("could not release the idempotency key", e);
        }
    }

    private static boolean neverQueued(Job job) {
        return job.status() == JobStatus.FAILED && job.error() != null && ENQUEUE_FAILED.equals(job.error().code());
    }

    private Submitted answer(Job job, boolean replayed) {
        return new Submitted(job, view.full(job), replayed);
    }

    private static Rejection reused(String earlierRequestId) {
        return new Rejection(Kind.CONFLICT, IDEMPOTENCY_KEY_REUSED, "this Idempotency-Key was used within 24 h for a"
                + " different request (" + earlierRequestId + "); use a new key for a new request", "Idempotency-Key");
    }

    private static Rejection unavailable(String code, String what) {
        return new Rejection(Kind.UNAVAILABLE, code, what + "; nothing was queued: submit it again (with the same"
                + " Idempotency-Key, if you use one)", null, Duration.ofSeconds(1), Map.of());
    }

    /** Equal canonical requests hash equally, whichever spelling or form they arrived in. */
    static String requestHash(CanonicalRequest canonical) {
        byte[] model = (canonical.model().id() + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] body = Json.bytes(canonical.gemini());
        byte[] all = new byte[model.length + body.length];
        System.arraycopy(model, 0, all, 0, model.length);
        System.arraycopy(body, 0, all, model.length, body.length);
        return IdempotencyKeys.sha256(all);
    }

    private static JsonNode parse(SubmitCommand request) {
        if (request.body().length == 0) {
            throw Rejection.invalid(INVALID_JSON, "the request body is empty; send a JSON object", null);
        }
        try {
            return Json.MAPPER.readTree(request.body());
        } catch (JsonProcessingException e) {
            throw Rejection.invalid(INVALID_JSON, "the request body is not valid JSON: "
                    + JsonErrors.describe(e, request.body()), null);
        } catch (IOException e) {
            throw Rejection.invalid(INVALID_JSON, "the request body could not be read as JSON", null);
        }
    }
}
