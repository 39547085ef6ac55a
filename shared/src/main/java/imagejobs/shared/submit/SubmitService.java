package imagejobs.shared.submit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.auth.Authenticator;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.config.Settings;
import imagejobs.shared.http.ApiException;
import imagejobs.shared.http.ApiRequest;
import imagejobs.shared.http.ApiResponse;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.jobs.RequestIds;
import imagejobs.shared.json.Json;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.queue.JobQueue;
import imagejobs.shared.status.JobView;
import imagejobs.shared.validation.CanonicalRequest;
import imagejobs.shared.validation.RequestValidator;

/**
 * The front door: authenticate, validate, move inline images to S3, store the job ({@code queued}), enqueue its
 * id. The job is written before the message is sent; when sending fails the job is marked failed and the caller
 * gets 503, so there is never a queued job without a message, nor a message without a job.
 */
public final class SubmitService {
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

    /** {@code POST /v1/requests}. */
    public ApiResponse submitRequestQueue(ApiRequest request) {
        KeyRecord key = admit(request);
        CanonicalRequest canonical = validator.validateRequestQueue(parse(request));
        return accept(request, key, canonical);
    }

    /** {@code POST /v1beta/models/{model}:generateContent}, accepted as an asynchronous submit. */
    public ApiResponse submitNative(ApiRequest request, String modelId) {
        KeyRecord key = admit(request);
        CanonicalRequest canonical = validator.validateNative(modelId, parse(request));
        return accept(request, key, canonical);
    }

    private KeyRecord admit(ApiRequest request) {
        KeyRecord key = authenticator.authenticate(request);
        StructuredLog.put("tenant", key.tenant());
        authenticator.checkRate(key, settings.defaultRatePerMinute(), clock);
        if (request.body().length > settings.maxBodyBytes()) {
            throw new ApiException(413, "PAYLOAD_TOO_LARGE", "the request body is " + request.body().length
                    + " bytes; the limit is " + settings.maxBodyBytes() + " bytes");
        }
        return key;
    }

    private ApiResponse accept(ApiRequest request, KeyRecord key, CanonicalRequest canonical) {
        Instant now = clock.instant();
        String requestId = RequestIds.newId(now.toEpochMilli());
        StructuredLog.put("job_id", requestId);
        ObjectNode stored = spiller.spill(key.tenant(), requestId, canonical.gemini());
        InputSpiller.StoredRequest storedRequest = spiller.storeRequest(key.tenant(), requestId, stored);
        Job job = Job.queued(requestId, key.tenant(), canonical.model().id(), Job.SOURCE_API, null,
                storedRequest.inline(), storedRequest.key(), requestHash(request), now, now.plus(settings.retention()));

        var idempotencyKey = request.header("idempotency-key").map(String::trim).filter(k -> !k.isEmpty());
        if (idempotencyKey.isPresent()) {
            String keyHash = sha256(key.tenant() + "\n" + idempotencyKey.get());
            JobStore.IdempotentCreate created = jobs.createIdempotent(job, keyHash, now.plus(java.time.Duration.ofHours(24)));
            if (created instanceof JobStore.IdempotentCreate.Existing existing) {
                return answer(existing.job());
            }
            if (created instanceof JobStore.IdempotentCreate.Conflict conflict) {
                throw new ApiException(409, "IDEMPOTENCY_KEY_REUSED", "Idempotency-Key was already used within 24 h for"
                        + " a different request (" + conflict.existingRequestId() + "); use a new key for a new request");
            }
        } else if (!jobs.create(job)) {
            throw new IllegalStateException("request id collision " + requestId);
        }

        try {
            queue.send(requestId);
        } catch (RuntimeException e) {
            LOG.error("enqueue failed; job marked failed", e);
            jobs.failUnfinished(requestId, new JobError("ENQUEUE_FAILED",
                    "the job could not be queued; submit it again", true), clock.instant());
            throw new ApiException(503, "ENQUEUE_FAILED", "the job could not be queued; submit it again");
        }
        LOG.info("job queued", "model", job.model());
        return answer(job);
    }

    private ApiResponse answer(Job job) {
        return ApiResponse.json(202, view.full(job), Map.of("location", "/v1/requests/" + job.requestId()));
    }

    private static JsonNode parse(ApiRequest request) {
        if (request.body().length == 0) {
            throw ApiException.badRequest("INVALID_JSON", "the request body is empty; send a JSON object", null);
        }
        try {
            return Json.MAPPER.readTree(request.body());
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("INVALID_JSON", "the request body is not valid JSON: "
                    + e.getOriginalMessage(), null);
        } catch (IOException e) {
            throw ApiException.badRequest("INVALID_JSON", "the request body could not be read", null);
        }
    }

    private static String requestHash(ApiRequest request) {
        return sha256(request.method() + " " + request.path() + "\n" + new String(request.body(), StandardCharsets.UTF_8));
    }

    static String sha256(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
