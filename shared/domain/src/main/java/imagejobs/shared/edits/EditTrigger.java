package imagejobs.shared.edits;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.webhooks.WebhookSubscription;
import imagejobs.shared.auth.KeyStore;
import imagejobs.shared.catalog.ModelSpec;
import imagejobs.shared.config.Settings;
import imagejobs.shared.errors.DependencyFailure;
import imagejobs.shared.errors.Rejection;
import imagejobs.shared.image.ImageHeaders;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.jobs.RequestIds;
import imagejobs.shared.json.Json;
import imagejobs.shared.log.Metrics;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.queue.JobQueue;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.storage.StoredObject;
import imagejobs.shared.submit.InputSpiller;
import imagejobs.shared.submit.JobIntake;
import imagejobs.shared.validation.CanonicalRequest;
import imagejobs.shared.validation.FieldError;
import imagejobs.shared.validation.RequestValidator;
import imagejobs.shared.validation.Utf16;

/**
 * Turns an upload at {@code edits/{tenant}/{path}} into an edit job, stored and queued by the same {@link JobIntake}
 * as API jobs. The prompt and options come from the object's user metadata ({@code x-amz-meta-prompt}, {@code -model},
 * {@code -aspect-ratio}, {@code -image-size}) and go through the API's validator. Gemini is never called for bad
 * input.
 *
 * <p>Once the upload's tenant is known and has an active key, the upload ends as exactly one job, never as nothing:
 * <ul>
 * <li>bad input (no prompt, a malformed RFC 2047 encoded word, not an image, too large, an option the model does not
 * support, the object deleted before it could be read) → a {@code failed} job whose error says what to fix;</li>
 * <li>S3 or SQS out of reach or throttling (after the clients' own retries) → the preparation is tried again here
 * after {@link #RETRY_PAUSES}, then a {@code failed} job ({@value #SERVICE_UNAVAILABLE}, retryable: upload again);
 * a failed enqueue → {@value #ENQUEUE_FAILED}, likewise;</li>
 * <li>anything unexpected (a bug) → a {@code failed} job ({@value #INTERNAL_ERROR}) at once: trying again would
 * fail the same way;</li>
 * <li>DynamoDB out of reach: nothing can be recorded, so the exception leaves {@link #handle} and the invocation
 * fails; Lambda delivers the event again (twice, over about three minutes) and after that to the function's
 * dead-letter queue, which an alarm watches, so even then the event is kept rather than lost.</li>
 * </ul>
 * A tenant with no key, or with only disabled keys, has no one who may spend: its uploads are logged and counted
 * ({@value #UNKNOWN_TENANT_METRIC}, {@value #INACTIVE_TENANT_METRIC}), and no job is made.
 *
 * <p>The request id is derived from the upload's identity (bucket, key, version or eTag + sequencer), so a
 * duplicate event finds the job of the first one; a duplicate of a job still {@code queued} sends its message again
 * (the worker skips a job it has already taken), so an event retried after a lost enqueue is not lost either.
 */
public final class EditTrigger {
    public static final String UNKNOWN_TENANT_METRIC = "EditUnknownTenant";
    public static final String INACTIVE_TENANT_METRIC = "EditInactiveTenant";
    public static final String JOB_CREATED_METRIC = "EditJobCreated";
    /** The intake's code for a job it could not queue, which edits record too. */
    public static final String ENQUEUE_FAILED = JobIntake.ENQUEUE_FAILED;
    /** A metadata value that is not valid text (a malformed RFC 2047 encoded word). */
    public static final String INVALID_METADATA = "INVALID_METADATA";
    /** S3 could not be read or written, after every try: the code every dependency outage reaches users as. */
    public static final String SERVICE_UNAVAILABLE = DependencyFailure.SERVICE_UNAVAILABLE;
    /** A failure that is not the upload's fault nor an outage: a bug. */
    public static final String INTERNAL_ERROR = "INTERNAL_ERROR";
    /**
     * Pauses before the second and third try of a preparation that met a transient S3 error. Each try already
     * includes the store's own retries; three tries and four seconds of pauses stay well inside the 30 s timeout.
     */
    static final List<Duration> RETRY_PAUSES = List.of(Duration.ofSeconds(1), Duration.ofSeconds(3));
    /** A job records at most this much of a model name it does not know. */
    static final int MAX_RECORDED_MODEL_CHARS = 64;
    private static final StructuredLog LOG = StructuredLog.get(EditTrigger.class);
    /** The metadata the trigger reads (x-amz-meta-{name}) → the request-queue field it fills, in this order. */
    private static final Map<String, String> METADATA_FIELDS = orderedMap(
            "prompt", "payload.prompt", "model", "model", "aspect-ratio", "payload.aspect_ratio",
            "image-size", "payload.image_size", "webhook", "webhook", "webhook-events-filter", "webhook_events_filter");

    /** What happened to one upload. */
    public enum Outcome { QUEUED, FAILED, DUPLICATE, REQUEUED, IGNORED }

    /** How the trigger waits between tries; tests record instead. */
    @FunctionalInterface
    public interface Sleeper {
        /** The thread's own sleep. */
        Sleeper THREAD = d -> Thread.sleep(d.toMillis());

        void sleep(Duration duration) throws InterruptedException;
    }

    private final KeyStore keys;
    private final RequestValidator validator;
    private final ObjectStore store;
    private final JobIntake intake;
    private final JobStore jobs;
    private final Settings settings;
    private final Metrics metrics;
    private final Clock clock;
    private final Sleeper sleeper;

    public EditTrigger(KeyStore keys, RequestValidator validator, ObjectStore store, InputSpiller spiller,
                       JobStore jobs, JobQueue queue, Settings settings, Metrics metrics, Clock clock) {
        this(keys, validator, store, spiller, jobs, queue, settings, metrics, clock, Sleeper.THREAD);
    }

    public EditTrigger(KeyStore keys, RequestValidator validator, ObjectStore store, InputSpiller spiller,
                       JobStore jobs, JobQueue queue, Settings settings, Metrics metrics, Clock clock,
                       Sleeper sleeper) {
        this(keys, validator, store, new JobIntake(spiller, jobs, queue, settings, clock), jobs, settings, metrics,
                clock, sleeper);
    }

    /**
     * @param intake stores and enqueues the jobs (the same one the API's submits go through)
     * @param jobs   where the trigger looks for the job of an earlier delivery of the same upload
     */
    public EditTrigger(KeyStore keys, RequestValidator validator, ObjectStore store, JobIntake intake, JobStore jobs,
                       Settings settings, Metrics metrics, Clock clock, Sleeper sleeper) {
        this.keys = keys;
        this.validator = validator;
        this.store = store;
        this.intake = intake;
        this.jobs = jobs;
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    /**
     * Handles one upload. Throws only when DynamoDB (the jobs or keys table) cannot be read or written: then nothing
     * could be recorded, and the caller fails the invocation so the event is delivered again.
     */
    public Outcome handle(S3Upload upload) {
        StructuredLog.put("source_key", upload.key());
        if (!store.bucket().equals(upload.bucket())) {
            LOG.warn("upload in another bucket ignored", "bucket", upload.bucket());
            return Outcome.IGNORED;
        }
        Optional<EditKeys.Upload> parsed = EditKeys.parse(upload.key());
        if (parsed.isEmpty()) {
            LOG.warn("upload outside edits/{tenant}/ ignored: no tenant to own the job");
            metrics.count(UNKNOWN_TENANT_METRIC, "source_key", upload.key());
            return Outcome.IGNORED;
        }
        String tenant = parsed.get().tenant();
        StructuredLog.put("tenant", tenant);
        String requestId = RequestIds.fromName(upload.identity());
        StructuredLog.put("job_id", requestId);

        Optional<Job> existing = jobs.get(requestId);
        if (existing.isPresent()) {
            return duplicate(existing.get(), upload);
        }
        KeyStore.TenantStatus tenantStatus = keys.tenantStatus(tenant);
        if (tenantStatus != KeyStore.TenantStatus.ACTIVE) {
            boolean unknown = tenantStatus == KeyStore.TenantStatus.UNKNOWN;
            LOG.warn(unknown ? "edit upload for an unknown tenant: no job created"
                    : "edit upload for a tenant whose keys are all disabled: no job created",
                    "bucket", upload.bucket());
            metrics.count(unknown ? UNKNOWN_TENANT_METRIC : INACTIVE_TENANT_METRIC, "tenant", tenant,
                    "source_key", upload.key());
            return Outcome.IGNORED;
        }

        Instant now = clock.instant();
        Prepared prepared = prepareWithRetries(upload, tenant, requestId);
        if (prepared.error() != null) {
            return fail(requestId, tenant, prepared.model(), upload, prepared.error(), prepared.webhook(), now);
        }
        Job job = intake.queued(requestId, tenant, prepared.model(), Job.SOURCE_S3, upload.key(), prepared.stored(),
                null, now).withWebhook(prepared.webhook());
        if (!intake.admit(job)) {
            return jobs.get(requestId).map(j -> duplicate(j, upload)).orElse(Outcome.DUPLICATE);
        }
        if (!send(requestId, tenant, upload)) {
            return Outcome.FAILED;
        }
        LOG.info("edit job queued", "model", job.model());
        metrics.count(JOB_CREATED_METRIC);
        return Outcome.QUEUED;
    }

    /**
     * What the upload asks for: a request ready to queue ({@code stored} set), or the error of the failed job that
     * records why not ({@code error} set). {@code model} is the job's model either way.
     */
    private record Prepared(String model, InputSpiller.StoredRequest stored, JobError error,
                            WebhookSubscription webhook) {
        Prepared(String model, InputSpiller.StoredRequest stored, JobError error) {
            this(model, stored, error, null);
        }

    }

    /** {@link #prepare}, tried again after a transient S3 error; never throws. */
    private Prepared prepareWithRetries(S3Upload upload, String tenant, String requestId) {
        String[] model = {settings.defaultModel()};
        for (int attempt = 1; ; attempt++) {
            try {
                return prepare(upload, tenant, requestId, model);
            } catch (RuntimeException e) {
                if (!TransientFailures.isTransient(e)) {
                    LOG.error("edit could not be prepared (unexpected error); failed job recorded", e);
                    return new Prepared(model[0], null, new JobError(INTERNAL_ERROR, "the edit of " + upload.key()
                            + " could not be prepared because of an error on our side; please report it with this "
                            + "job's request_id", false));
                }
                if (attempt > RETRY_PAUSES.size()) {
                    LOG.error("edit could not be prepared: S3 out of reach after " + attempt + " tries; failed job "
                            + "recorded", e);
                    return new Prepared(model[0], null, new JobError(SERVICE_UNAVAILABLE, "the edit of "
                            + upload.key() + " could not be prepared: the storage service did not answer after "
                            + attempt + " tries; upload the image again", true));
                }
                LOG.warn("edit preparation met a transient error; trying again", "attempt", attempt,
                        "error_message", String.valueOf(e.getMessage()));
                try {
                    sleeper.sleep(RETRY_PAUSES.get(attempt - 1));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return new Prepared(model[0], null, new JobError(SERVICE_UNAVAILABLE, "the edit of "
                            + upload.key() + " could not be prepared: the service was stopping; upload the image "
                            + "again", true));
                }
            }
        }
    }

    /**
     * Reads the upload's metadata and bytes, validates them and stores the request document. Bad input is an answer
     * ({@code error} set); S3 failures and bugs are exceptions. {@code model} receives the job's model as soon as it
     * is known, for the failed job an exception leads to.
     */
    private Prepared prepare(S3Upload upload, String tenant, String requestId, String[] model) {
        Optional<StoredObject> head = store.head(upload.key());
        if (head.isEmpty()) {
            return new Prepared(model[0], null, new JobError(FieldError.INVALID_REFERENCE, upload.key()
                    + " was deleted before the edit could read it; upload it again", false));
        }
        Map<String, String> metadata;
        try {
            metadata = readMetadata(head.get().metadata());
        } catch (MetadataError e) {
            return new Prepared(model[0], null, new JobError(INVALID_METADATA, e.getMessage(), false));
        }
        String modelId = metadata.getOrDefault("model", settings.defaultModel()).trim();
        model[0] = recordedModel(modelId);
        WebhookSubscription webhook;
        try {
            webhook = validator.webhookFromMetadata(metadata.get("webhook"), metadata.get("webhook-events-filter"));
        } catch (Rejection e) {
            return new Prepared(model[0], null, new JobError(e.code(), e.getMessage(), false));
        }
        try {
            CanonicalRequest canonical = validator.validateRequestQueue(body(upload, metadata, modelId), tenant);
            checkImage(canonical.model(), upload.key(), head.get().size());
            model[0] = canonical.model().id();
            return new Prepared(model[0], intake.stage(tenant, requestId, canonical.gemini()), null, webhook);
        } catch (Rejection e) {
            // A refused edit still tells its webhook: the failed job fires "completed".
            return new Prepared(model[0], null, new JobError(e.code(), forS3(e), false), webhook);
        }
    }

    /** Sends the job's message; when that fails, the intake marks the job failed (retryable): false. */
    private boolean send(String requestId, String tenant, S3Upload upload) {
        return intake.enqueue(requestId, tenant, "the edit of " + upload.key() + " could not be queued; upload the image again");
    }

    private Outcome duplicate(Job job, S3Upload upload) {
        if (job.status() == JobStatus.QUEUED) {
            // The first event may have died between the write and the send: sending again is safe, the worker
            // acknowledges a message for a job it has already taken or finished.
            if (!send(job.requestId(), job.tenant(), upload)) {
                return Outcome.FAILED;
            }
            LOG.info("duplicate event for a queued edit job; message sent again");
            return Outcome.REQUEUED;
        }
        LOG.info("duplicate event ignored", "status", job.status().wire());
        return Outcome.DUPLICATE;
    }

    private Outcome fail(String requestId, String tenant, String modelId, S3Upload upload, JobError error,
                         WebhookSubscription webhook, Instant now) {
        Job job = intake.queued(requestId, tenant, modelId, Job.SOURCE_S3, upload.key(), null, null, now)
                .withWebhook(webhook).withError(error, now);
        if (!intake.admit(job)) {
            return Outcome.DUPLICATE;
        }
        LOG.info("edit refused; failed job recorded", "code", error.code());
        return Outcome.FAILED;
    }

    /** The request-queue body the metadata describes: the prompt, the uploaded image, the options. */
    private ObjectNode body(S3Upload upload, Map<String, String> metadata, String modelId) {
        ObjectNode payload = Json.object();
        if (metadata.containsKey("prompt")) {
            payload.put("prompt", metadata.get("prompt"));
        }
        payload.put("image", store.uri(upload.key()));
        if (metadata.containsKey("aspect-ratio")) {
            payload.put("aspect_ratio", metadata.get("aspect-ratio").trim());
        }
        if (metadata.containsKey("image-size")) {
            payload.put("image_size", metadata.get("image-size").trim());
        }
        ObjectNode body = Json.object().put("model", modelId);
        body.set("payload", payload);
        return body;
    }

    /**
     * The bytes must be an image the model accepts (by magic number, whatever the name or content type says),
     * within its inline limit: checked here, so Gemini is never called for them.
     */
    private void checkImage(ModelSpec model, String key, long size) {
        long max = model.maxInlineImageBytes();
        String tooLarge = key + " is " + size + " bytes; " + model.id() + " takes images up to " + max + " bytes";
        if (size > max) {
            throw new FieldError(FieldError.IMAGE_TOO_LARGE, "image", tooLarge);
        }
        byte[] bytes;
        try {
            bytes = store.get(key, max).map(StoredObject::bytes).orElseThrow(() -> new FieldError(
                    FieldError.INVALID_REFERENCE, "image", key + " was deleted before the edit could read it"));
        } catch (ObjectStore.TooLargeException e) {
            throw new FieldError(FieldError.IMAGE_TOO_LARGE, "image", tooLarge);
        }
        String mime = ImageHeaders.sniff(bytes).orElseThrow(() -> new FieldError(FieldError.INVALID_IMAGE, "image",
                key + " is not an image (not PNG, JPEG, WebP, HEIC or HEIF by its first bytes)"));
        if (!model.acceptsInput(mime)) {
            throw new FieldError(FieldError.UNSUPPORTED_MIME_TYPE, "image", key + " is " + mime + ", which "
                    + model.id() + " does not accept; accepted: " + String.join(", ", model.inputMimeTypes()));
        }
    }

    private static String forS3(Rejection e) {
        String metadataName = null;
        for (Map.Entry<String, String> field : METADATA_FIELDS.entrySet()) {
            if (field.getValue().equals(e.field())) {
                metadataName = field.getKey();
            }
        }
        if (metadataName == null) {
            return e.getMessage();
        }
        return e.getMessage() + " (set it as the object's x-amz-meta-" + metadataName + " metadata)";
    }

    /** A metadata value the trigger reads is not valid text; the message names it as S3 users set it. */
    private static final class MetadataError extends Exception {
        MetadataError(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The metadata values the trigger reads, by lower-case name, with RFC 2047 encoded words decoded. Other metadata
     * is left alone: a malformed value the trigger never reads does not fail the edit.
     */
    private static Map<String, String> readMetadata(Map<String, String> raw) throws MetadataError {
        Map<String, String> byName = new HashMap<>();
        if (raw != null) {
            raw.forEach((k, v) -> {
                if (k != null && v != null) {
                    byName.put(k.toLowerCase(Locale.ROOT), v);
                }
            });
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : METADATA_FIELDS.keySet()) {
            String value = byName.get(name);
            if (value == null) {
                continue;
            }
            String decoded;
            try {
                decoded = EncodedWords.decode(value);
            } catch (EncodedWords.Malformed e) {
                throw new MetadataError("x-amz-meta-" + name + " is not readable text: " + e.getMessage()
                        + "; write the value as plain ASCII, or non-ASCII text as one =?UTF-8?B?...?= word "
                        + "(the Base64 of its UTF-8 bytes)");
            }
            // The job records these values (the model even before validation): never store invalid UTF-16.
            try {
                Utf16.check(decoded, "x-amz-meta-" + name);
            } catch (FieldError e) {
                throw new MetadataError(e.getMessage() + "; write the value as plain ASCII, or non-ASCII text as one"
                        + " =?UTF-8?B?...?= word (the Base64 of its UTF-8 bytes)");
            }
            out.put(name, decoded);
        }
        return out;
    }

    /** A model name as the job records it: whole when it is short, else its first characters. */
    private static String recordedModel(String modelId) {
        return modelId.length() <= MAX_RECORDED_MODEL_CHARS ? modelId
                : EncodedWords.shown(modelId, MAX_RECORDED_MODEL_CHARS);
    }

    private static Map<String, String> orderedMap(String... keysAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }
}
