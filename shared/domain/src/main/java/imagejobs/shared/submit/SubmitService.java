package imagejobs.shared.submit;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
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
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.json.Json;
import imagejobs.shared.json.JsonErrors;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.queue.JobQueue;
import imagejobs.shared.status.JobView;
import imagejobs.shared.sync.SyncKeys;
import imagejobs.shared.validation.CanonicalRequest;
import imagejobs.shared.validation.RequestValidator;

/**
 * The HTTP front door: authenticate, rate-limit, check the body's size, read the Idempotency-Key, validate (either
 * form), then hand the canonical request to the {@link JobIntake}, which stores and enqueues it (and answers 503 when
 * it cannot). Bad input is refused before anything is uploaded, stored or sent.
 */
public final class SubmitService {
    public static final String INVALID_JSON = "INVALID_JSON";
    public static final String PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE";
    /** The intake's, named here for the submit tests. */
    static final int FAIL_MARK_ATTEMPTS = JobIntake.FAIL_MARK_ATTEMPTS;
    private static final StructuredLog LOG = StructuredLog.get(SubmitService.class);

    private final Authenticator authenticator;
    private final RequestValidator validator;
    private final JobIntake intake;
    private final JobView view;
    private final Settings settings;
    private final Clock clock;

    public SubmitService(Authenticator authenticator, RequestValidator validator, JobIntake intake, JobView view,
                         Settings settings, Clock clock) {
        this.authenticator = authenticator;
        this.validator = validator;
        this.intake = intake;
        this.view = view;
        this.settings = settings;
        this.clock = clock;
    }

    /** With an intake of its own on these stores. */
    public SubmitService(Authenticator authenticator, RequestValidator validator, InputSpiller spiller, JobStore jobs,
                         JobQueue queue, JobView view, Settings settings, Clock clock) {
        this(authenticator, validator, new JobIntake(spiller, jobs, queue, settings, clock), view, settings, clock);
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

    /**
     * The job as stored (or found again), its API view, and whether it was an idempotent replay of an earlier one;
     * {@code derivedKeyHash} is the idempotency key a synchronous call got because it sent none (else null).
     */
    public record Submitted(Job job, ObjectNode view, boolean replayed, String derivedKeyHash) {
        public Submitted(Job job, ObjectNode view, boolean replayed) {
            this(job, view, replayed, null);
        }
    }

    /** Frees a derived key once the answer it guarded was delivered (see {@link JobIntake#releaseKey}). */
    public void releaseDerivedKey(Submitted submitted) {
        if (submitted.derivedKeyHash() != null) {
            intake.releaseKey(submitted.derivedKeyHash(), submitted.job().requestId());
        }
    }

    /** {@code POST /v1/requests}, or the native form when the command names a model. */
    public Submitted submit(SubmitCommand command) {
        return command.nativeModel() == null ? submit(command, validator::validateRequestQueue)
                : submit(command, (body, tenant) -> validator.validateNative(command.nativeModel(), body, tenant));
    }

    /**
     * How a synchronous route (one that runs the job itself and answers with its result) takes a request in.
     *
     * @param path          the route's path, part of the derived idempotency key
     * @param keyWindow     how long a derived key binds (an explicit Idempotency-Key keeps its 24 h)
     * @param messageDelay  seconds before the job's message becomes visible (the worker's insurance)
     */
    public record SyncIntake(String path, Duration keyWindow, int messageDelay) {
    }

    /** {@link #submit} for a synchronous route; see {@link SyncIntake}. {@link Submitted#keyHash} is set. */
    public Submitted submitForSync(SubmitCommand command, SyncIntake sync) {
        BiFunction<JsonNode, String, CanonicalRequest> validate = command.nativeModel() == null
                ? validator::validateRequestQueue
                : (body, tenant) -> validator.validateNative(command.nativeModel(), body, tenant);
        return submit(command, validate, sync);
    }

    private Submitted submit(SubmitCommand request, BiFunction<JsonNode, String, CanonicalRequest> validate) {
        return submit(request, validate, null);
    }

    private Submitted submit(SubmitCommand request, BiFunction<JsonNode, String, CanonicalRequest> validate,
                             SyncIntake sync) {
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
            String keyHash = idempotencyKey.map(k -> IdempotencyKeys.hash(key.tenant(), k)).orElse(null);
            if (sync == null) {
                JobIntake.Accepted accepted = intake.accept(
                        new JobIntake.Submission(key.tenant(), canonical, Job.SOURCE_API, keyHash));
                return new Submitted(accepted.job(), view.full(accepted.job()), accepted.replayed());
            }
            boolean derived = keyHash == null;
            if (derived) {
                keyHash = SyncKeys.derive(key.tenant(), sync.path(), request.body());
            }
            JobIntake.Accepted accepted = intake.accept(new JobIntake.Submission(key.tenant(), canonical,
                    Job.SOURCE_API, keyHash, derived ? sync.keyWindow() : JobIntake.IDEMPOTENCY_WINDOW),
                    sync.messageDelay());
            return new Submitted(accepted.job(), view.full(accepted.job()), accepted.replayed(),
                    derived ? keyHash : null);
        } catch (Rejection e) {
            if (e.kind() != Kind.UNAVAILABLE) {
                LOG.info("submit refused", "kind", e.kind().name(), "code", e.code(), "field", e.field());
            }
            throw e;
        }
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
