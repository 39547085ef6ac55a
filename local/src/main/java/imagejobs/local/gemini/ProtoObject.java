package imagejobs.local.gemini;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One JSON object of a request, read the way Google's proto JSON parser reads it: each field under its
 * lowerCamel JSON name or its snake_case proto name ({@code inlineData} or {@code inline_data}), unknown names
 * rejected, and errors that name the field by its proto path ({@code contents[0].parts[1].inline_data}).
 */
final class ProtoObject {
    private final String path;
    private final Map<String, JsonNode> fields = new LinkedHashMap<>();

    /**
     * @param known the message's fields by JSON (lowerCamel) name
     */
    private ProtoObject(JsonNode node, String path, Set<String> known) {
        this.path = path;
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            String camel = known.contains(name) ? name : camelOf(name);
            if (!known.contains(camel) || !(name.equals(camel) || name.equals(snakeOf(camel)))) {
                String where = path.isEmpty() ? "" : " at '" + path + "'";
                throw GeminiError.badField(path.isEmpty() ? null : path,
                        "Invalid JSON payload received. Unknown name \"" + name + "\"" + where + ": Cannot find field.");
            }
            if (fields.containsKey(camel)) {
                // Both spellings of one field: the parser sees the same field twice.
                throw GeminiError.badField(childPath(camel), "Invalid JSON payload received. Duplicate field \""
                        + snakeOf(camel) + "\"" + (path.isEmpty() ? "" : " at '" + path + "'") + ".");
            }
            fields.put(camel, field.getValue());
        }
    }

    /** @param type the proto message name, for Google-style "Invalid value" messages */
    static ProtoObject read(JsonNode node, String path, String type, Set<String> known) {
        if (node == null || !node.isObject()) {
            throw invalidValue(path, "type.googleapis.com/google.ai.generativelanguage.v1beta." + type, node);
        }
        return new ProtoObject(node, path, known);
    }

    /** The field under either spelling, or null when absent or JSON null. */
    JsonNode get(String camel) {
        JsonNode value = fields.get(camel);
        return value == null || value.isNull() ? null : value;
    }

    boolean has(String camel) {
        return get(camel) != null;
    }

    /** A string field; a number or object where a string belongs is a bad request, as upstream. */
    String string(String camel) {
        JsonNode value = get(camel);
        if (value == null) {
            return null;
        }
        if (!value.isTextual()) {
            throw invalidValue(childPath(camel), "TYPE_STRING", value);
        }
        return value.asText();
    }

    /** A repeated field: absent is empty, anything but an array is a bad request. */
    Iterable<JsonNode> array(String camel) {
        JsonNode value = get(camel);
        if (value == null) {
            return java.util.List.of();
        }
        if (!value.isArray()) {
            throw invalidValue(childPath(camel), "TYPE_MESSAGE", value);
        }
        return value;
    }

    /** The path Google's messages use for a child field: snake_case names, dotted. */
    String childPath(String camel) {
        String snake = snakeOf(camel);
        return path.isEmpty() ? snake : path + "." + snake;
    }

    static GeminiError invalidValue(String path, String type, JsonNode value) {
        String shown = value == null ? "null" : value.toString();
        if (shown.length() > 80) {
            shown = shown.substring(0, 80) + "...";
        }
        return GeminiError.badField(path, "Invalid value at '" + path + "' (" + type + "), " + shown);
    }

    static String snakeOf(String camel) {
        StringBuilder out = new StringBuilder(camel.length() + 4);
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c)) {
                out.append('_').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    static String camelOf(String snake) {
        StringBuilder out = new StringBuilder(snake.length());
        boolean upper = false;
        for (int i = 0; i < snake.length(); i++) {
            char c = snake.charAt(i);
            if (c == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }
}
