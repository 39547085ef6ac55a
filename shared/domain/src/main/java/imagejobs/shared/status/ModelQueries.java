package imagejobs.shared.status;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.catalog.ModelSpec;
import imagejobs.shared.errors.Rejection;
import imagejobs.shared.json.Json;
import imagejobs.shared.validation.Utf16;

/** {@code GET /v1/models} and {@code GET /v1/models/{model}}: the catalog's public view. */
public final class ModelQueries {
    private final ModelCatalog catalog;

    public ModelQueries(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    /** The same catalog in Google's {@code Model} shape, for {@code GET /v1beta/models[/{model}]}. */
    public imagejobs.shared.google.ModelsView googleView() {
        return new imagejobs.shared.google.ModelsView(catalog);
    }

    /** {@code {"data": [models in catalog order]}}. */
    public ObjectNode list() {
        ObjectNode body = Json.object();
        ArrayNode data = body.putArray("data");
        catalog.all().forEach(m -> data.add(view(m)));
        return body;
    }

    public ObjectNode get(String id) {
        ModelSpec model = catalog.find(id).orElseThrow(() -> Rejection.notFound(
                "unknown model '" + Utf16.prefix(id, 100) + "'; known models: "
                        + String.join(", ", catalog.ids())));
        return view(model);
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
