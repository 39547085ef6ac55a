package imagejobs.shared.status;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.Timestamps;
import imagejobs.shared.webhooks.DeliveryRecord;
import imagejobs.shared.json.Json;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.storage.PresignedUrl;

/**
 * A job as the API shows it (the README's API reference). Field names may grow, never change. The stored outcome holds image
 * keys; the view turns them into presigned URLs and the s3:// form.
 */
public final class JobView {
    private final String bucket;
    private final Function<String, PresignedUrl> presign;
    private final Function<String, JsonNode> conversationLoader;

    /**
     * @param presign            key → presigned GET URL (null: no URLs, e.g. in the submit answer)
     * @param conversationLoader key → next_turn_contents spilled to S3, or null when the object is gone (the loader
     *                           itself null: leave the field out; the S3 key is never shown)
     */
    /**
     * The conversation loader every function that shows jobs uses: a next_turn_contents spilled to S3 read back as
     * JSON, or null when the object is gone.
     */
    public static Function<String, JsonNode> spilledConversations(ObjectStore store) {
        return key -> store.get(key).map(o -> {
            try {
                return Json.MAPPER.readTree(o.bytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).orElse(null);
    }

    public JobView(String bucket, Function<String, PresignedUrl> presign, Function<String, JsonNode> conversationLoader) {
        this.bucket = bucket;
        this.presign = presign;
        this.conversationLoader = conversationLoader;
    }

    /** The whole job, as {@code GET /v1/requests/{id}} answers. */
    public ObjectNode full(Job job) {
        ObjectNode view = summary(job);
        if (job.outcome() != null) {
            view.set("outcome", outcome(job.outcome()));
        }
        if (job.webhook() != null) {
            // Not in listings: the list index does not project the webhook attributes.
            view.set("webhook", DeliveryRecord.view(job.webhook(), job.webhookStart(), job.webhookCompleted()));
        }
        return view;
    }

    /** The fields a listing shows (no outcome documents, no presigned URLs). */
    public ObjectNode summary(Job job) {
        ObjectNode view = Json.object();
        view.put("request_id", job.requestId());
        view.put("model", job.model());
        view.put("status", job.status().wire());
        view.put("source", job.source());
        if (job.sourceKey() != null) {
            view.put("source_key", job.sourceKey());
        }
        putTime(view, "created_at", job.createdAt());
        putTime(view, "updated_at", job.updatedAt());
        putTime(view, "started_at", job.startedAt());
        putTime(view, "completed_at", job.completedAt());
        // Attempts Gemini throttled (429) are not the job's: they do not count, here as towards MAX_ATTEMPTS.
        view.put("attempts", job.countedAttempts());
        putTime(view, "expires_at", job.expiresAt());
        if (job.status() == JobStatus.QUEUED && job.waiting() != null) {
            ObjectNode waiting = view.putObject("waiting");
            waiting.put("reason", "UPSTREAM_QUOTA");
            waiting.put("detail", job.waiting().detail());
            waiting.put("model", job.waiting().model());
            putTime(waiting, "since", job.waiting().since());
            putTime(waiting, "next_check_at", job.waiting().nextCheckAt());
        }
        if (job.error() != null) {
            ObjectNode error = view.putObject("error");
            error.put("code", job.error().code());
            error.put("message", job.error().message());
            error.put("retryable", job.error().retryable());
        } else if (job.lastError() != null && !job.status().terminal()) {
            view.put("last_error", job.lastError());
        }
        return view;
    }

    private ObjectNode outcome(ObjectNode stored) {
        ObjectNode out = Json.object();
        ArrayNode mediaUrls = out.putArray("media_urls");
        ArrayNode images = out.putArray("images");
        Instant urlsExpire = null;
        int n = 0;
        for (JsonNode image : stored.path("images")) {
            String key = image.path("key").asText();
            ObjectNode view = Json.object();
            if (presign != null) {
                PresignedUrl url = presign.apply(key);
                view.put("url", url.url());
                mediaUrls.addObject().put("id", String.valueOf(n)).put("url", url.url());
                urlsExpire = url.expiresAt();
            }
            view.put("s3_uri", "s3://" + bucket + "/" + key);
            if (image.hasNonNull("edited_key")) {
                view.put("edited_s3_uri", "s3://" + bucket + "/" + image.get("edited_key").asText());
            }
            view.put("mime_type", image.path("mime_type").asText());
            for (String field : new String[] {"width", "height", "bytes"}) {
                if (image.hasNonNull(field)) {
                    view.set(field, image.get(field));
                }
            }
            images.add(view);
            n++;
        }
        if (urlsExpire != null) {
            putTime(out, "url_expires_at", urlsExpire);
        }
        for (String field : new String[] {"text", "finish_reason", "model_version", "response_id"}) {
            if (stored.hasNonNull(field)) {
                out.set(field, stored.get(field));
            }
        }
        if (stored.has("usage")) {
            out.set("usage", stored.get("usage"));
        }
        if (stored.has("attempts")) {
            out.set("attempts", stored.get("attempts"));
        }
        if (stored.has("timings")) {
            out.set("timings", stored.get("timings"));
        }
        if (stored.has("next_turn_contents")) {
            out.set("next_turn_contents", stored.get("next_turn_contents"));
        } else if (stored.hasNonNull("next_turn_contents_key") && conversationLoader != null) {
            // Spilled to S3 because it outgrew the item: the client still gets it whole. null once the object is gone.
            JsonNode conversation = conversationLoader.apply(stored.get("next_turn_contents_key").asText());
            out.set("next_turn_contents", conversation == null ? NullNode.getInstance() : conversation);
        }
        return out;
    }

    private static void putTime(ObjectNode node, String field, Instant value) {
        if (value != null) {
            node.put(field, Timestamps.format(value));
        }
    }
}
