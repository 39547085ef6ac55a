package imagejobs.shared.validation;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.catalog.ModelSpec;
import imagejobs.shared.json.Json;
import imagejobs.shared.webhooks.WebhookFields;
import imagejobs.shared.webhooks.WebhookSubscription;

/**
 * Turns a submitted body (the request-queue envelope with a simple or native payload, or the native Gemini body of
 * {@code generateContent}) into a {@link CanonicalRequest}, or rejects it with a {@link FieldError} naming the field,
 * the value and what is allowed. Before anything else, every key and string of the body is checked to be valid
 * Unicode ({@link Utf16#checkTree}): this is where client text enters, by the API or by an S3 upload's metadata. Every limit comes from the model catalog. Both of Gemini's spellings (camelCase and
 * snake_case) are read; the canonical request uses camelCase only.
 */
public final class RequestValidator {
    /** The filter's camelCase name: bodies may spell every field either way, as Gemini's parser reads them. */
    static final String EVENTS_FILTER_CAMEL = "webhookEventsFilter";
    static final List<String> ENVELOPE_FIELDS = List.of("model", "payload", WebhookFields.WEBHOOK, EVENTS_FILTER_CAMEL);
    private static final String ENVELOPE_SHOWN = "model, payload, webhook, " + WebhookFields.EVENTS_FILTER;
    /** GenerateContentRequest's fields; the last three exist upstream but cannot work through this service. */
    static final List<String> NATIVE_FIELDS = List.of("contents", "systemInstruction", "generationConfig",
            "safetySettings", "model", "tools", "toolConfig", "cachedContent");
    private static final String MODELS_PREFIX = "models/";

    private final ModelCatalog catalog;
    private final ImageReferences references;
    private final WebhookFields webhooks;

    public RequestValidator(ModelCatalog catalog, ImageReferences references) {
        this.catalog = catalog;
        this.references = references;
        this.webhooks = new WebhookFields(references.allowLoopback());
    }

    /** A model of the catalog; {@code models/<id>} (Google's resource name) is read as {@code <id>}. */
    public ModelSpec model(String id, String field) {
        if (id == null || id.isBlank()) {
            throw FieldError.missing(field, field + " is required; known models: " + String.join(", ", catalog.ids()));
        }
        String bare = id.trim();
        if (bare.startsWith(MODELS_PREFIX)) {
            bare = bare.substring(MODELS_PREFIX.length());
        }
        return catalog.find(bare).orElseThrow(() -> new FieldError(FieldError.UNKNOWN_MODEL, field,
                "unknown model " + Values.quote(id) + "; known models: " + String.join(", ", catalog.ids())));
    }

    /** The body of {@code POST /v1/requests}: {@code {"model": "...", "payload": {...}}}. */
    public CanonicalRequest validateRequestQueue(JsonNode body, String tenant) {
        if (body != null) {
            Utf16.checkTree(body);
        }
        if (body == null || !body.isObject()) {
            throw FieldError.invalid(null, "the body must be a JSON object {\"model\": ..., \"payload\": {...}}, got "
                    + Values.kind(body));
        }
        FieldReader envelope = FieldReader.read(body, "", "the request", ENVELOPE_FIELDS, ENVELOPE_SHOWN);
        JsonNode modelNode = envelope.get("model");
        ModelSpec model = model(modelNode == null ? null : Values.string(modelNode, envelope.path("model")),
                envelope.path("model"));
        JsonNode payload = envelope.get("payload");
        String field = envelope.path("payload");
        if (payload == null) {
            throw FieldError.missing(field, field + " is required: {\"prompt\": ...} or the native {\"contents\": [...]}");
        }
        if (!payload.isObject()) {
            throw FieldError.invalid(field, field + " must be an object, got " + Values.kind(payload));
        }
        WebhookSubscription webhook = webhook((ObjectNode) body);
        RequestContext ctx = new RequestContext(model, tenant, references);
        if (payload.has("contents")) {
            if (payload.has("prompt")) {
                throw FieldError.invalid(field + ".prompt", "the payload mixes the simple form (prompt) and the native"
                        + " form (contents); send one of them");
            }
            return new CanonicalRequest(model, nativeRequest(payload, field, ctx), webhook);
        }
        return new CanonicalRequest(model, SimpleForm.translate(payload, field, ctx), webhook);
    }

    /** The body of {@code POST /v1beta/models/{model}:generateContent}. */
    public CanonicalRequest validateNative(String modelId, JsonNode body, String tenant) {
        return validateNative(modelId, body, tenant, "");
    }

    /**
     * {@link #validateNative(String, JsonNode, String)} for a request that sits inside a larger body (one request of
     * a batch): every field path and message starts with {@code prefix}, e.g.
     * {@code batch.inputConfig.requests.requests[3].request}.
     */
    public CanonicalRequest validateNative(String modelId, JsonNode body, String tenant, String prefix) {
        ModelSpec model = model(modelId, "model");
        if (body != null) {
            Utf16.checkTree(body);
        }
        if (body == null || !body.isObject()) {
            throw FieldError.invalid(prefix.isEmpty() ? null : prefix, (prefix.isEmpty() ? "the body" : prefix)
                    + " must be a JSON object with contents, got " + Values.kind(body));
        }
        // Only a whole body asks for a webhook: inside a batch its members are unknown fields, as Google's would be.
        WebhookSubscription webhook = prefix.isEmpty() ? webhook((ObjectNode) body) : null;
        ObjectNode gemini = ((ObjectNode) body).deepCopy();
        if (prefix.isEmpty()) {
            gemini.remove(List.of(WebhookFields.WEBHOOK, WebhookFields.EVENTS_FILTER, EVENTS_FILTER_CAMEL));
        }
        return new CanonicalRequest(model, nativeRequest(gemini, prefix, new RequestContext(model, tenant, references)),
                webhook);
    }

    /**
     * The webhook an S3 edit upload asks for in its metadata ({@code webhook}, {@code webhook-events-filter}), or
     * null; refused as the request fields are, naming the metadata.
     */
    public WebhookSubscription webhookFromMetadata(String url, String filter) {
        return webhooks.fromMetadata(url, filter).orElse(null);
    }

    /** The webhook members of a body (either form), the filter under either spelling. */
    private WebhookSubscription webhook(ObjectNode body) {
        if (body.has(WebhookFields.EVENTS_FILTER) && body.has(EVENTS_FILTER_CAMEL)) {
            throw FieldError.invalid(EVENTS_FILTER_CAMEL, "'" + WebhookFields.EVENTS_FILTER + "' and '"
                    + EVENTS_FILTER_CAMEL + "' are the same field; send it once");
        }
        String filterName = body.has(EVENTS_FILTER_CAMEL) ? EVENTS_FILTER_CAMEL : WebhookFields.EVENTS_FILTER;
        return webhooks.fromJson(body, "", filterName).orElse(null);
    }

    private ObjectNode nativeRequest(JsonNode body, String prefix, RequestContext ctx) {
        FieldReader in = FieldReader.read(body, prefix, prefix.isEmpty() ? "the request" : prefix, NATIVE_FIELDS,
                "contents, systemInstruction, generationConfig, safetySettings");
        for (String unsupported : List.of("tools", "toolConfig", "cachedContent")) {
            if (in.has(unsupported)) {
                throw new FieldError(FieldError.UNSUPPORTED_FIELD, in.path(unsupported), unsupported + " is not"
                        + " supported here: jobs run with this service's Gemini project, which has no access to your"
                        + " tools or cached contents; remove it");
            }
        }
        if (in.has("model")) {
            String named = Values.string(in.get("model"), in.path("model"));
            if (!model(named, in.path("model")).id().equals(ctx.model.id())) {
                throw FieldError.invalid(in.path("model"), in.path("model") + " " + Values.quote(named)
                        + " differs from the model of the request (" + ctx.model.id() + ")");
            }
        }
        ObjectNode out = Json.object();
        out.set("contents", ContentsValidator.contents(in.get("contents"), in.path("contents"), ctx));
        if (in.has("systemInstruction")) {
            ObjectNode instruction = ContentsValidator.systemInstruction(in.get("systemInstruction"),
                    in.path("systemInstruction"), ctx);
            if (instruction != null) {
                out.set("systemInstruction", instruction);
            }
        }
        if (in.has("generationConfig")) {
            ObjectNode config = GenerationConfigValidator.generationConfig(in.get("generationConfig"),
                    in.path("generationConfig"), ctx.model);
            if (config != null) {
                out.set("generationConfig", config);
            }
        }
        if (in.has("safetySettings")) {
            ArrayNode settings = SafetySettingsValidator.safetySettings(in.get("safetySettings"), in.path("safetySettings"));
            if (settings != null) {
                out.set("safetySettings", settings);
            }
        }
        ctx.checkTotals(null, in.path("contents"));
        return out;
    }
}
