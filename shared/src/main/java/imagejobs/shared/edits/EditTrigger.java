package imagejobs.shared.edits;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.auth.KeyStore;
import imagejobs.shared.catalog.ModelSpec;
import imagejobs.shared.config.Settings;
import imagejobs.shared.http.ApiException;
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
import imagejobs.shared.validation.CanonicalRequest;
import imagejobs.shared.validation.FieldError;
import imagejobs.shared.validation.RequestValidator;

/**
 * Turns an upload at {@code edits/{tenant}/{path}} into an edit job on the same queue as API jobs. The prompt and
 * options come from the object's user metadata ({@code x-amz-meta-prompt}, {@code -model}, {@code -aspect-ratio},
 * {@code -image-size}) and go through the API's validator. Bad input is never silent: it becomes a {@code failed}
 * job the tenant sees through the API, and Gemini is never called for it. An upload for a tenant that does not exist
 * has no one to show a job to: it is logged and counted ({@code EditUnknownTenant}) instead.
 *
 * <p>The request id is derived from the upload's identity (bucket, key, version or eTag + sequencer), so a
 * duplicate event finds the job of the first one; a duplicate of a job still {@code queued} sends its message again
 * (the worker skips a job it has already taken), so an event retried after a lost enqueue is not lost either.
 */
public final class EditTrigger {
    public static final String UNKNOWN_TENANT_METRIC = "EditUnknownTenant";
    public static final String JOB_CREATED_METRIC = "EditJobCreated";
    public static final String ENQUEUE_FAILED = "ENQUEUE_FAILED";
    /** Seed 004: "Max 7MB inline", unless the catalog sets max_inline_image_bytes for the model. */
    static final long DEFAULT_MAX_IMAGE_BYTES = 7L * 1024 * 1024;
    private static final StructuredLog LOG = StructuredLog.get(EditTrigger.class);
    /** Metadata name → the request-queue field it fills, as error messages name it for S3 users. */
    private static final Map<String, String> METADATA_FIELDS = Map.of(
            "payload.prompt", "prompt", "model", "model", "payload.aspect_ratio", "aspect-ratio",
            "payload.image_size", "image-size");

    /** What happened to one upload. */
    public enum Outcome { QUEUED, FAILED, DUPLICATE, REQUEUED, IGNORED }

    private final KeyStore keys;
    private final RequestValidator validator;
    private final ObjectStore store;
    private final InputSpiller spiller;
    private final JobStore jobs;
    private final JobQueue queue;
    private final Settings settings;
    private final Metrics metrics;
    private final Clock clock;

    public EditTrigger(KeyStore keys, RequestValidator validator, ObjectStore store, InputSpiller spiller,
                       JobStore jobs, JobQueue queue, Settings settings, Metrics metrics, Clock clock) {
        this.keys = keys;
        this.validator = validator;
        this.store = store;
        this.spiller = spiller;
        this.jobs = jobs;
        this.queue = queue;
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
    }

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
            return duplicate(existing.get());
        }
        if (!keys.tenantExists(tenant)) {
            LOG.warn("edit upload for an unknown tenant: no job created", "bucket", upload.bucket());
            metrics.count(UNKNOWN_TENANT_METRIC, "tenant", tenant, "source_key", upload.key());
            return Outcome.IGNORED;
        }
        Optional<StoredObject> head = store.head(upload.key());
        if (head.isEmpty()) {
            LOG.warn("the uploaded object is gone (deleted before its event was handled); no job created");
            return Outcome.IGNORED;
        }
        Map<String, String> metadata = lowerCase(head.get().metadata());
        String modelId = metadata.getOrDefault("model", settings.defaultModel()).trim();
        Instant now = clock.instant();

        CanonicalRequest canonical;
        try {
            canonical = validator.validateRequestQueue(body(upload, metadata, modelId), tenant);
            checkImage(canonical.model(), upload.key(), head.get().size());
        } catch (ApiException e) {
            return fail(requestId, tenant, modelId, upload, new JobError(e.code(), forS3(e), false), now);
        }

        InputSpiller.StoredRequest stored = spiller.storeRequest(tenant, requestId, canonical.gemini());
        Job job = Job.queued(requestId, tenant, canonical.model().id(), Job.SOURCE_S3, upload.key(), stored.inline(),
                stored.key(), null, now, now.plus(settings.retention()));
        if (!jobs.create(job)) {
            return jobs.get(requestId).map(this::duplicate).orElse(Outcome.DUPLICATE);
        }
        try {
            queue.send(requestId);
        } catch (RuntimeException e) {
            LOG.error("enqueue failed; job marked failed", e);
            jobs.failUnfinished(requestId, new JobError(ENQUEUE_FAILED, "the edit of " + upload.key()
                    + " could not be queued; upload the image again", true), clock.instant());
            return Outcome.FAILED;
        }
        LOG.info("edit job queued", "model", job.model());
        metrics.count(JOB_CREATED_METRIC);
        return Outcome.QUEUED;
    }

    private Outcome duplicate(Job job) {
        if (job.status() == JobStatus.QUEUED) {
            // The first event may have died between the write and the send: sending again is safe, the worker
            // acknowledges a message for a job it has already taken or finished.
            queue.send(job.requestId());
            LOG.info("duplicate event for a queued edit job; message sent again");
            return Outcome.REQUEUED;
        }
        LOG.info("duplicate event ignored", "status", job.status().wire());
        return Outcome.DUPLICATE;
    }

    private Outcome fail(String requestId, String tenant, String modelId, S3Upload upload, JobError error,
                         Instant now) {
        Job job = Job.queued(requestId, tenant, modelId, Job.SOURCE_S3, upload.key(), null, null, null, now,
                now.plus(settings.retention())).withError(error, now);
        if (!jobs.create(job)) {
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
        long max = model.json() == null ? DEFAULT_MAX_IMAGE_BYTES
                : model.json().path("max_inline_image_bytes").asLong(DEFAULT_MAX_IMAGE_BYTES);
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

    private static String forS3(ApiException e) {
        String field = e.field() == null ? null : METADATA_FIELDS.get(e.field());
        if (field == null) {
            return e.getMessage();
        }
        return e.getMessage() + " (set it as the object's x-amz-meta-" + field + " metadata)";
    }

    private static Map<String, String> lowerCase(Map<String, String> metadata) {
        Map<String, String> out = new HashMap<>();
        if (metadata != null) {
            metadata.forEach((k, v) -> out.put(k.toLowerCase(Locale.ROOT), decodeHeaderValue(v)));
        }
        return out;
    }

    /**
     * S3 hands back a non-ASCII metadata value (a prompt in French, say) RFC 2047-encoded, {@code =?UTF-8?B?...?=}
     * or {@code =?UTF-8?Q?...?=}; anything else is returned as it is.
     */
    static String decodeHeaderValue(String value) {
        if (value == null) {
            return null;
        }
        Matcher m = ENCODED_WORD.matcher(value);
        StringBuilder out = new StringBuilder();
        int last = 0;
        while (m.find()) {
            String between = value.substring(last, m.start());
            // Whitespace between two encoded words is dropped (RFC 2047 §6.2).
            if (!(last > 0 && between.isBlank())) {
                out.append(between);
            }
            Charset charset;
            try {
                charset = Charset.forName(m.group(1));
            } catch (RuntimeException e) {
                return value;
            }
            byte[] bytes;
            if (m.group(2).equalsIgnoreCase("B")) {
                try {
                    bytes = Base64.getDecoder().decode(m.group(3));
                } catch (IllegalArgumentException e) {
                    return value;
                }
            } else {
                bytes = decodeQ(m.group(3));
            }
            out.append(new String(bytes, charset));
            last = m.end();
        }
        return last == 0 ? value : out.append(value.substring(last)).toString();
    }

    private static final Pattern ENCODED_WORD =
            Pattern.compile("=\\?([^?]+)\\?([BbQq])\\?([^?]*)\\?=");

    private static byte[] decodeQ(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '_') {
                out.write(' ');
            } else if (c == '=' && i + 2 < text.length()) {
                out.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }
}
