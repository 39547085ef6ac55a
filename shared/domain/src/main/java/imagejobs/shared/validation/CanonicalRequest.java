package imagejobs.shared.validation;

import imagejobs.shared.webhooks.WebhookSubscription;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.catalog.ModelSpec;

/**
 * An accepted request in one canonical Gemini form: camelCase field names as Google's REST reference spells them,
 * canonical values ({@code 1K}, {@code 512}, {@code IMAGE}), fields in a fixed order (so equal requests serialise
 * equally), template parts dropped. Inline image data is still present here; the submit service moves it to S3
 * before the job is stored, so the worker never re-parses user JSON and DynamoDB never holds base64.
 * {@code webhook} is the subscription of the request's {@code webhook} fields, or null.
 */
public record CanonicalRequest(ModelSpec model, ObjectNode gemini, WebhookSubscription webhook) {
    /** A request that asks for no webhook. */
    public CanonicalRequest(ModelSpec model, ObjectNode gemini) {
        this(model, gemini, null);
    }

    /** The same request, telling {@code subscription} (null: nobody) about its job. */
    public CanonicalRequest withWebhook(WebhookSubscription subscription) {
        return new CanonicalRequest(model, gemini, subscription);
    }
}
