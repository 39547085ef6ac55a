package imagejobs.shared.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/**
 * The model catalog, a data file ({@code imagejobs/models.json}): it drives validation, {@code GET /v1/models}
 * and the worker. Upstream model ids live there only.
 */
public final class ModelCatalog {
    public static final String RESOURCE = "/imagejobs/models.json";

    private final Map<String, ModelSpec> models;

    public ModelCatalog(Map<String, ModelSpec> models) {
        this.models = Collections.unmodifiableMap(new LinkedHashMap<>(models));
    }

    /** The catalog shipped in the jar. */
    public static ModelCatalog load() {
        try (InputStream in = ModelCatalog.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("model catalog " + RESOURCE + " is missing from the jar");
            }
            return parse(Json.MAPPER.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ModelCatalog parse(JsonNode root) {
        Map<String, ModelSpec> models = new LinkedHashMap<>();
        for (JsonNode m : root.path("models")) {
            Map<String, Integer> tokens = new LinkedHashMap<>();
            m.path("tokens_per_image").fields().forEachRemaining(e -> tokens.put(e.getKey(), e.getValue().asInt()));
            Map<String, Map<String, int[]>> resolutions = new LinkedHashMap<>();
            m.path("resolutions").fields().forEachRemaining(size -> {
                Map<String, int[]> table = new LinkedHashMap<>();
                size.getValue().fields().forEachRemaining(r ->
                        table.put(r.getKey(), new int[] {r.getValue().get(0).asInt(), r.getValue().get(1).asInt()}));
                resolutions.put(size.getKey(), Collections.unmodifiableMap(table));
            });
            ModelSpec spec = new ModelSpec(
                    m.path("id").asText(),
                    m.path("upstream_model").asText(),
                    m.path("display_name").asText(),
                    m.path("description").asText(),
                    strings(m.path("aspect_ratios")),
                    strings(m.path("image_sizes")),
                    m.path("default_image_size").asText(),
                    m.path("max_reference_images").asInt(),
                    strings(m.path("input_mime_types")),
                    m.path("output_mime_type").asText(),
                    m.path("thought_signatures").asBoolean(),
                    m.path("max_input_tokens").asInt(),
                    m.path("timeout_seconds").asInt(),
                    Collections.unmodifiableMap(tokens),
                    Collections.unmodifiableMap(resolutions),
                    (ObjectNode) m.deepCopy());
            models.put(spec.id(), spec);
        }
        return new ModelCatalog(models);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return List.copyOf(out);
    }

    public Optional<ModelSpec> find(String id) {
        return Optional.ofNullable(id == null ? null : models.get(id));
    }

    public List<ModelSpec> all() {
        return List.copyOf(models.values());
    }

    public List<String> ids() {
        return List.copyOf(models.keySet());
    }

    /**
     * Gemini's canonical spelling of an image size: {@code 1k → 1K}, {@code 0.5K → 512}. Unknown spellings are
     * returned unchanged (upper-cased) so the caller can report them against the model's list.
     */
    public static String canonicalImageSize(String size) {
        String s = size.trim().toUpperCase(Locale.ROOT);
        return switch (s) {
            case "0.5K", "512" -> "512";
            default -> s;
        };
    }
}
