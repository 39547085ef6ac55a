package imagejobs.local.cli;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.LocalStack;
import imagejobs.local.resources.KeySeeder;
import imagejobs.local.resources.LocalKey;
import imagejobs.local.s3.S3ObjectListener;
import imagejobs.shared.auth.ApiKey;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.auth.KeyStore;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.edits.S3Upload;
import imagejobs.adapters.dynamo.DynamoJobStore;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.json.Json;
import imagejobs.shared.queue.JobMessage;
import imagejobs.shared.validation.CanonicalRequest;
import imagejobs.shared.validation.ImageReferences;
import imagejobs.shared.validation.RequestValidator;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Puts into a fresh local stack what a sample event refers to, so that invoking a function with it does what the
 * event is for instead of answering "unknown key" or "no such job": the API key an HTTP event carries (for the stack's
 * first tenant), the job an HTTP event names in its path, the jobs an SQS event's messages name (queued, with a simple
 * prompt) and the image an S3 event announces (a small PNG with a {@code prompt} in its metadata). Nothing that
 * already exists is touched. The edit trigger's S3 notification is held back while the image is stored: the invoked
 * function is the one that should see the upload.
 */
final class EventSeeder {
    static final String JOB_PROMPT = "a lighthouse at dusk (a job seeded by ./run-local invoke)";
    static final String EDIT_PROMPT = "add a small red hat";
    private static final String DEFAULT_TENANT = "dev";

    private final LocalStack stack;
    private final String defaultTenant;

    EventSeeder(LocalStack stack) {
        this.stack = stack;
        this.defaultTenant = stack.keys().isEmpty() ? DEFAULT_TENANT : stack.keys().get(0).tenant();
    }

    /** What was put into the stack, as lines for the user, and the tenants whose jobs the invocation touches. */
    record Seeded(List<String> lines, List<String> jobIds, Set<String> tenants) {
    }

    /** The tenant seeded jobs belong to when nothing in the event names one: the stack's first local key's. */
    String defaultTenant() {
        return defaultTenant;
    }

    /** Seeds what {@code event} needs for {@code function}'s environment (its tables and bucket). */
    Seeded seed(Map<String, String> functionEnvironment, JsonNode event) {
        Settings settings = new Settings(new Environment(functionEnvironment));
        Seeded seeded = new Seeded(new ArrayList<>(), new ArrayList<>(), new LinkedHashSet<>());
        switch (EventKind.of(event)) {
            case HTTP_API -> seedHttp(settings, event, seeded);
            case SQS -> {
                seeded.tenants().add(defaultTenant);
                for (JsonNode record : event.path("Records")) {
                    JobMessage.requestId(record.path("body").asText())
                            .ifPresent(id -> seedJob(settings, id, defaultTenant, seeded));
                }
            }
            case S3 -> {
                for (JsonNode record : event.path("Records")) {
                    seedUpload(settings, record.path("s3"), seeded);
                }
            }
            default -> {
                // Nothing to seed for an event no trigger sends; the type check has already said so.
            }
        }
        return seeded;
    }

    private void seedHttp(Settings settings, JsonNode event, Seeded seeded) {
        Optional<String> key = apiKey(event.path("headers"));
        if (key.isEmpty()) {
            return; // a request without a key is meant to be refused with 401
        }
        KeyStore keys = new DynamoKeyStore(stack.dynamoDb(), settings.keysTable());
        Optional<KeyRecord> existing = keys.findByHash(ApiKey.hash(key.get()));
        String tenant = existing.map(KeyRecord::tenant).orElse(defaultTenant);
        if (existing.isEmpty()) {
            new KeySeeder(keys).seed(List.of(new LocalKey(tenant, key.get())));
            seeded.lines().add("the event's API key " + prefix(key.get()) + " for tenant " + tenant);
        }
        seeded.tenants().add(tenant);
        String requestId = event.path("pathParameters").path("request_id").asText("");
        if (!requestId.isEmpty()) {
            seedJob(settings, requestId, tenant, seeded);
        }
    }

    /** A queued job with this id, as a submit of a simple prompt would have stored it (no message is sent). */
    private void seedJob(Settings settings, String requestId, String tenant, Seeded seeded) {
        JobStore jobs = new DynamoJobStore(stack.dynamoDb(), settings.jobsTable());
        seeded.jobIds().add(requestId);
        if (jobs.get(requestId).isPresent()) {
            return;
        }
        CanonicalRequest canonical = new RequestValidator(ModelCatalog.load(),
                new ImageReferences(settings.imagesBucket())).validateRequestQueue(Json.object()
                .put("model", Settings.DEFAULT_MODEL_ID)
                .set("payload", Json.object().put("prompt", JOB_PROMPT)), tenant);
        Instant now = Instant.now();
        jobs.create(Job.queued(requestId, tenant, canonical.model().id(), Job.SOURCE_API, null,
                Json.write(canonical.gemini()), null, null, now, now.plus(settings.retention())));
        seeded.lines().add("job " + requestId + " (queued, tenant " + tenant + ", prompt \"" + JOB_PROMPT + "\")");
    }

    /** The uploaded image, under the event's (decoded) key, unless the event names another bucket. */
    private void seedUpload(Settings settings, JsonNode s3, Seeded seeded) {
        String bucket = s3.path("bucket").path("name").asText("");
        String key = S3Upload.decodeKey(s3.path("object").path("key").asText(""));
        if (!bucket.equals(settings.imagesBucket()) || key.isEmpty()) {
            seeded.lines().add("nothing for s3://" + bucket + "/" + key + ": the local bucket is "
                    + settings.imagesBucket() + ", so the function ignores this record");
            return;
        }
        tenantOf(key).ifPresent(tenant -> {
            seeded.tenants().add(tenant);
            KeyStore keys = new DynamoKeyStore(stack.dynamoDb(), settings.keysTable());
            if (keys.tenantStatus(tenant) != KeyStore.TenantStatus.ACTIVE) {
                new KeySeeder(keys).seed(List.of(new LocalKey(tenant, ApiKey.generate())));
                seeded.lines().add("an API key for tenant " + tenant + " (edits are only made for tenants with an active key)");
            }
        });
        if (objectExists(bucket, key)) {
            return;
        }
        // Stored without a notification: the event being invoked stands for this upload.
        stack.emulators().s3().objectListener(S3ObjectListener.NONE);
        try {
            stack.s3().putObject(r -> r.bucket(bucket).key(key).contentType("image/png")
                    .metadata(Map.of("prompt", EDIT_PROMPT)), RequestBody.fromBytes(png()));
        } finally {
            stack.s3ObjectListener(null);
        }
        seeded.lines().add("s3://" + bucket + "/" + key + " (a 64x64 PNG, metadata prompt=\"" + EDIT_PROMPT + "\")");
    }

    private boolean objectExists(String bucket, String key) {
        try {
            stack.s3().headObject(r -> r.bucket(bucket).key(key));
            return true;
        } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
            return false;
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    /** {@code edits/{tenant}/...} → the tenant. */
    private static Optional<String> tenantOf(String key) {
        String[] parts = key.split("/", 3);
        return parts.length == 3 && parts[0].equals("edits") && !parts[1].isEmpty()
                ? Optional.of(parts[1]) : Optional.empty();
    }

    /** The bearer token, x-api-key or x-goog-api-key header, whatever the header names' case. */
    private static Optional<String> apiKey(JsonNode headers) {
        for (Iterator<Map.Entry<String, JsonNode>> it = headers.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> h = it.next();
            String name = h.getKey().toLowerCase(java.util.Locale.ROOT);
            String value = h.getValue().asText("").trim();
            if (name.equals("authorization") && value.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return Optional.of(value.substring(7).trim()).filter(v -> !v.isEmpty());
            }
            if ((name.equals("x-api-key") || name.equals("x-goog-api-key")) && !value.isEmpty()) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }

    /** Enough of a key to recognise it, never all of it. */
    private static String prefix(String key) {
        return key.length() <= 10 ? key.substring(0, Math.min(3, key.length())) + "…" : key.substring(0, 10) + "…";
    }

    private static byte[] png() {
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(0xE0, 0x8A, 0x3C));
        g.fillRect(0, 0, 64, 64);
        g.setColor(Color.DARK_GRAY);
        g.fillOval(16, 16, 32, 32);
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
