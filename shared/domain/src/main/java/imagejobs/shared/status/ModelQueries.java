package imagejobs.shared.status;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.catalog.ModelSpec;
import imagejobs.shared.errors.Rejection;
import imagejobs.shared.google.ModelsView;
import imagejobs.shared.json.Json;
import imagejobs.shared.validation.Utf16;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{model}}: the catalog's public view. Google's SDK for Java 2.x calls
 * {@code /v1/models[/{model}]} too (its default API version is {@code v1}), so each model there is a union: our
 * fields ({@code id}, {@code object}, {@code display_name}, {@code description}, {@code capabilities}) plus Google's
 * {@code Model} fields ({@code name}, {@code baseModelId}, {@code displayName}, ...): only {@code description} is in
 * both, with the same text; the
 * list carries the same objects under Google's {@code models} as well as our {@code data}.
 */
public final class ModelQueries {
    private final ModelCatalog catalog;

    public ModelQueries(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    /** The same catalog in Google's {@code Model} shape, for {@code GET /v1beta/models[/{model}]}. */
    public ModelsView googleView() {
        return new ModelsView(catalog);
    }

    /**
     * {@code {"data": [models in catalog order], "models": [the same]}}: never paginated (the catalog is a handful of
     * models), so no {@code nextPageToken}, which Google's pagers would follow even when empty.
     */
    public ObjectNode list() {
        ObjectNode body = Json.object();
        ArrayNode data = body.putArray("data");
        catalog.all().forEach(m -> data.add(unionView(m)));
        body.set("models", data.deepCopy());
        return body;
    }

    public ObjectNode get(String id) {
        ModelSpec model = catalog.find(id).orElseThrow(() -> Rejection.notFound(
                "unknown model '" + Utf16.prefix(id, 100) + "'; known models: "
                        + String.join(", ", catalog.ids())));
        return unionView(model);
    }

    /** Our view of a model with Google's {@code Model} fields added (see the class comment). */
    static ObjectNode unionView(ModelSpec m) {
        ObjectNode union = view(m);
        ModelsView.model(m).fields().forEachRemaining(field -> {
            // description is in both shapes with the same text; any other shared name would be a real clash.
            if (union.has(field.getKey()) && !union.get(field.getKey()).equals(field.getValue())) {
                throw new IllegalStateException("model field " + field.getKey() + " differs between the two shapes");
            }
            union.set(field.getKey(), field.getValue());
        });
        return union;
    }

    /** Capabilities only: the upstream model id is an operational detail and stays private. */
    static ObjectNode view(ModelSpec m) {
        ObjectNode view = Json.object();
        view.put("id", m.id());
        view.put("object", "model");
        view.put("display_name", m.displayName());
        view.put("description", m.description());
        ObjectNode caps = view.putObject("capabilities");
        m.aspectRatios().forEach(caps.putArray("aspect_ratios")::add);
        m.imageSizes().forEach(caps.putArray("image_sizes")::add);
        caps.put("default_image_size", m.defaultImageSize());
        caps.put("max_reference_images", m.maxReferenceImages());
        m.inputMimeTypes().forEach(caps.putArray("input_mime_types")::add);
        caps.put("output_mime_type", m.outputMimeType());
        ObjectNode tokens = caps.putObject("tokens_per_image");
        m.tokensPerImage().forEach(tokens::put);
        caps.put("max_input_tokens", m.maxInputTokens());
        caps.put("multi_turn", true);
        caps.put("thought_signatures", m.thoughtSignatures());
        ObjectNode resolutions = caps.putObject("resolutions");
        m.resolutions().forEach((size, table) -> {
            ObjectNode t = resolutions.putObject(size);
            table.forEach((ratio, wh) -> t.put(ratio, wh[0] + "x" + wh[1]));
        });
        return view;
    }
}
