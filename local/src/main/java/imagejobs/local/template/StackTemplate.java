package imagejobs.local.template;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed template: the raw document (intrinsics in long form) plus typed access to its sections. Values stay
 * unresolved here; {@link IntrinsicResolver} resolves them where they are used.
 */
public final class StackTemplate {
    private final Map<String, Object> document;
    private final Path baseDirectory;
    private final Map<String, TemplateResource> resources;
    private final List<String> orderedIds;

    public StackTemplate(Map<String, Object> document, Path baseDirectory) {
        this.document = document;
        this.baseDirectory = baseDirectory;
        Map<String, TemplateResource> byId = new LinkedHashMap<>();
        section("Resources").forEach((id, body) -> {
            Map<String, Object> resource = asMap(body, "Resources." + id);
            Object type = resource.get("Type");
            if (!(type instanceof String typeName)) {
                throw new TemplateException("Resources." + id + " has no Type");
            }
            Object properties = resource.get("Properties");
            byId.put(id, new TemplateResource(id, typeName,
                    properties == null ? Map.of() : asMap(properties, "Resources." + id + ".Properties"),
                    resource.get("Condition") instanceof String c ? c : null));
        });
        this.resources = Map.copyOf(byId);
        this.orderedIds = List.copyOf(byId.keySet());
    }

    public Path baseDirectory() {
        return baseDirectory;
    }

    public Map<String, Object> document() {
        return document;
    }

    /** A top-level section (Parameters, Globals, Conditions, Mappings, Outputs); empty when absent. */
    public Map<String, Object> section(String name) {
        Object value = document.get(name);
        return value == null ? Map.of() : asMap(value, name);
    }

    /** Resources in template order. */
    public List<TemplateResource> resources() {
        return orderedIds.stream().map(resources::get).toList();
    }

    public List<TemplateResource> resourcesOfType(String type) {
        return resources().stream().filter(r -> r.type().equals(type)).toList();
    }

    public TemplateResource resource(String logicalId) {
        return resources.get(logicalId);
    }

    /** Globals.Function (SAM), applied to every AWS::Serverless::Function. */
    public Map<String, Object> functionGlobals() {
        Object function = section("Globals").get("Function");
        return function == null ? Map.of() : asMap(function, "Globals.Function");
    }

    /** A parameter's Type (String, Number, CommaDelimitedList, List<...>, ...), or null when undeclared. */
    public String parameterType(String name) {
        Object spec = section("Parameters").get(name);
        return spec instanceof Map<?, ?> m && m.get("Type") != null ? String.valueOf(m.get("Type")) : null;
    }

    /** Parameter defaults as strings (lists joined with commas, as CloudFormation does for CommaDelimitedList). */
    public Map<String, String> parameterDefaults() {
        Map<String, String> defaults = new LinkedHashMap<>();
        section("Parameters").forEach((name, spec) -> {
            Object value = asMap(spec, "Parameters." + name).get("Default");
            if (value instanceof List<?> list) {
                defaults.put(name, String.join(",", list.stream().map(String::valueOf).toList()));
            } else if (value != null) {
                defaults.put(name, String.valueOf(value));
            }
        });
        return defaults;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> asMap(Object value, String where) {
        if (value instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        throw new TemplateException(where + " must be a mapping, got " + value);
    }

    /** One entry of Resources. */
    public record TemplateResource(String logicalId, String type, Map<String, Object> properties, String condition) {
    }
}
