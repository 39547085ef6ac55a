package imagejobs.shared.validation;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One JSON object of a request, read the way Gemini's JSON parser reads it: every field under its lowerCamelCase
 * name or its snake_case name ({@code generation_config} = {@code generationConfig}), a field given under both
 * names is an error, a field the message does not have is an error naming it, and {@code null} means absent.
 * Error paths keep the caller's own spelling, so the message points at what they wrote.
 */
final class FieldReader {
    private final String path;
    private final Map<String, Entry> fields = new LinkedHashMap<>();

    private record Entry(String key, JsonNode value) {
    }

    private FieldReader(String path) {
        this.path = path;
    }

    /**
     * @param what    the message's name in errors ("generationConfig", "a part")
     * @param allowed canonical (camelCase) names, in the order errors list them
     */
    static FieldReader read(JsonNode node, String path, String what, List<String> allowed) {
        return read(node, path, what, allowed, String.join(", ", allowed));
    }

    /** As {@link #read(JsonNode, String, String, List)}, listing the allowed fields as {@code shown} in errors. */
    static FieldReader read(JsonNode node, String path, String what, List<String> allowed, String shown) {
        if (node == null || !node.isObject()) {
            throw FieldError.invalid(path, describe(path, what) + " must be a JSON object, got " + Values.kind(node));
        }
        FieldReader reader = new FieldReader(path);
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String canonical = camel(e.getKey());
            String at = join(path, e.getKey());
            if (!allowed.contains(canonical)) {
                // A key can be as long as the body: the message and the path repeat only its start.
                String key = Utf16.prefix(e.getKey(), Utf16.ECHO_CHARS);
                throw new FieldError(FieldError.UNKNOWN_FIELD, Utf16.shortenPath(join(path, key)), "unknown field '"
                        + key + "' in " + describe(path, what) + "; allowed: " + shown);
            }
            Entry earlier = reader.fields.get(canonical);
            if (earlier != null) {
                throw FieldError.invalid(at, "'" + earlier.key() + "' and '" + e.getKey() + "' are the same field in "
                        + describe(path, what) + "; send it once");
            }
            if (!e.getValue().isNull()) {
                reader.fields.put(canonical, new Entry(e.getKey(), e.getValue()));
            } else {
                // Remember the spelling so a duplicate is still caught; the value stays absent.
                reader.fields.put(canonical, new Entry(e.getKey(), null));
            }
        }
        return reader;
    }

    boolean has(String name) {
        Entry e = fields.get(name);
        return e != null && e.value() != null;
    }

    /** The value, or null when absent or JSON null. */
    JsonNode get(String name) {
        Entry e = fields.get(name);
        return e == null ? null : e.value();
    }

    /** The error path of a field as the caller spelled it (canonical spelling when absent). */
    String path(String name) {
        Entry e = fields.get(name);
        return join(path, e == null ? name : e.key());
    }

    String path() {
        return path;
    }

    static String join(String parent, String child) {
        return parent == null || parent.isEmpty() ? child : parent + "." + child;
    }

    private static String describe(String path, String what) {
        return path == null || path.isEmpty() ? what : path;
    }

    /** snake_case → lowerCamelCase; names already in camelCase are unchanged. */
    static String camel(String name) {
        if (name.contains("__") || name.endsWith("_")) {
            return name; // not a snake_case spelling of anything: reported as unknown
        }
        StringBuilder out = new StringBuilder(name.length());
        boolean upper = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '_' && out.length() > 0) {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }
}
