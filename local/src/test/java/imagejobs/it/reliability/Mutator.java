package imagejobs.it.reliability;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/**
 * A seeded mutation fuzzer for JSON request bodies: structural mutations on the parsed tree (drop, retype, rename,
 * duplicate, nest, swap in edge-case values and the catalog's own vocabulary) and byte mutations on the serialized
 * text (truncation, flipped and inserted bytes, invalid UTF-8, duplicate keys). The same seed gives the same inputs.
 */
final class Mutator {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Edge-case strings; none mentions an internal class name, so an echo of one is never mistaken for a leak. */
    static final List<String> STRINGS = List.of("", " ", "\t\n", "a", "\u0000", "\u0000abc", "\r\nX-Injected: 1",
            "../../../../etc/passwd", "%2e%2e%2f", "%00", "<script>alert(1)</script>", "' OR '1'='1", "\"; DROP TABLE",
            "${jndi:ldap://example.com/a}", "{{7*7}}", "\uD83E\uDD8A fox", "\u202Eevil", "\uFEFFbom", "e\u0301",
            "𝕏".repeat(300), "null", "true", "NaN", "Infinity", "-0", "1e309", "0x10", "１２３", "gemini-2.5-flash-image",
            "gemini-3-pro-image-preview", "gemini-3.1-flash-image-preview", "gemini-2.5-flash-image-preview-hd",
            "models/gemini-2.5-flash-image", "GEMINI-2.5-FLASH-IMAGE", "gemini-1.0-pro", "imagen-4", "1:1", "16:9",
            "1:4", "8:1", "21:9", "9:21", "0:0", "1:0", "1K", "1k", "2K", "4K", "0.5K", "512", "8K", "IMAGE", "TEXT",
            "image", "AUDIO", "user", "model", "system", "function", "image/png", "image/jpeg", "image/gif",
            "image/svg+xml", "application/pdf", "text/html", "https://images.example.com/a.png",
            "http://images.example.com/a.png", "https://127.0.0.1/a.png", "https://169.254.169.254/latest/meta-data",
            "https://[::1]/a.png", "https://10.0.0.1/a.png", "file:///etc/passwd", "gs://bucket/a.png",
            "s3://other-bucket/inputs/relFuzz/a.png", "data:image/png;base64,AAAA", "ftp://example.com/a.png",
            "https://generativelanguage.googleapis.com/v1beta/files/abc", "HARM_CATEGORY_HARASSMENT", "BLOCK_NONE",
            "OFF", "BLOCK_SOME", "iVBORw0KGgoAAAANSUhEUg", "/9j/4AAQ", "not base64!!");
    static final List<String> KEYS = List.of("model", "payload", "prompt", "image", "images", "aspect_ratio",
            "aspectRatio", "image_size", "imageSize", "response_modalities", "responseModalities", "temperature",
            "top_p", "topP", "topK", "candidateCount", "maxOutputTokens", "seed", "contents", "parts", "role", "text",
            "inlineData", "inline_data", "fileData", "file_data", "mimeType", "mime_type", "data", "fileUri",
            "file_uri", "generationConfig", "generation_config", "imageConfig", "image_config", "safetySettings",
            "safety_settings", "category", "threshold", "systemInstruction", "system_instruction", "tools",
            "toolConfig", "cachedContent", "thoughtSignature", "thought", "thinkingConfig", "labels", "webhook",
            "__proto__", "constructor", "$where", "");

    private final Random random;

    Mutator(long seed) {
        this.random = new Random(seed);
    }

    Random random() {
        return random;
    }

    <T> T pick(List<T> list) {
        return list.get(random.nextInt(list.size()));
    }

    /** A mutated body: 1 to 4 tree mutations, then (one time in four) a byte mutation of the text. */
    byte[] mutate(JsonNode seed) {
        JsonNode tree = seed.deepCopy();
        int rounds = 1 + random.nextInt(4);
        for (int i = 0; i < rounds; i++) {
            tree = mutateTree(tree);
        }
        byte[] bytes = Json.write(tree).getBytes(StandardCharsets.UTF_8);
        if (random.nextInt(40) == 0) {
            // Deeper than any writer would nest: built as text (Jackson refuses to write it).
            int depth = pick(List.of(999, 1001, 5000, 100_000));
            String text = new String(bytes, StandardCharsets.UTF_8);
            int colon = text.indexOf(':');
            bytes = (colon < 0 ? "[".repeat(depth) + text + "]".repeat(depth) : text.substring(0, colon + 1)
                    + "[".repeat(depth) + "1" + "]".repeat(depth) + text.substring(colon + 1).replaceFirst(
                    "^(\"[^\"]*\"|[^,}\\]]*)", "")).getBytes(StandardCharsets.UTF_8);
        }
        if (random.nextInt(4) == 0) {
            bytes = mutateBytes(bytes);
        }
        return bytes;
    }

    JsonNode mutateTree(JsonNode root) {
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        JsonNode target = containers.isEmpty() ? root : pick(containers);
        switch (random.nextInt(12)) {
            case 0 -> remove(target);
            case 1, 2 -> replace(target, value());
            case 3 -> replace(target, retype(child(target)));
            case 4 -> rename(target);
            case 5 -> {
                if (target instanceof ObjectNode o) {
                    o.set(pick(KEYS), value());
                }
            }
            case 6 -> {
                if (target instanceof ArrayNode a && !a.isEmpty()) {
                    JsonNode e = a.get(random.nextInt(a.size()));
                    int times = 1 + random.nextInt(random.nextInt(10) == 0 ? 200 : 5);
                    for (int i = 0; i < times; i++) {
                        a.add(e.deepCopy());
                    }
                }
            }
            case 7 -> replace(target, nest(child(target), 1 + random.nextInt(20)));
            case 8 -> {
                if (target instanceof ObjectNode o) {
                    o.put(random.nextBoolean() ? "model" : "aspect_ratio", pick(STRINGS));
                }
            }
            case 9 -> replace(target, NODES.textNode(longString()));
            case 10 -> {
                return random.nextBoolean() ? NODES.arrayNode().add(root) : NODES.objectNode().set("payload", root);
            }
            default -> replace(target, NODES.numberNode(pick(List.of(0, -1, 1, 2, 3, 7, 14, 15, 100, 1 << 20,
                    Integer.MAX_VALUE, -Integer.MAX_VALUE))));
        }
        return root;
    }

    byte[] mutateBytes(byte[] in) {
        if (in.length == 0) {
            return new byte[] {(byte) 0xff};
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 16);
        int at = random.nextInt(in.length);
        switch (random.nextInt(6)) {
            case 0 -> out.write(in, 0, at); // truncated
            case 1 -> {
                byte[] copy = in.clone();
                for (int i = 0; i < 1 + random.nextInt(4); i++) {
                    copy[random.nextInt(copy.length)] ^= (byte) (1 << random.nextInt(8));
                }
                out.writeBytes(copy);
            }
            case 2 -> { // invalid UTF-8: a lone continuation byte, an overlong NUL, a truncated sequence, 0xff
                out.write(in, 0, at);
                out.writeBytes(pick(List.of(new byte[] {(byte) 0x80}, new byte[] {(byte) 0xc0, (byte) 0x80},
                        new byte[] {(byte) 0xe2, (byte) 0x82}, new byte[] {(byte) 0xff, (byte) 0xfe},
                        new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80})));
                out.write(in, at, in.length - at);
            }
            case 3 -> { // duplicate a region
                int end = Math.min(in.length, at + 1 + random.nextInt(64));
                out.write(in, 0, end);
                out.write(in, at, end - at);
                out.write(in, end, in.length - end);
            }
            case 4 -> { // a duplicate key at the top
                String text = new String(in, StandardCharsets.UTF_8);
                int brace = text.indexOf('{');
                String dup = "\"" + pick(List.of("model", "payload", "contents")) + "\":" + Json.write(value()) + ",";
                text = brace < 0 ? text : text.substring(0, brace + 1) + dup + text.substring(brace + 1);
                out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
            }
            default -> { // random bytes somewhere
                out.write(in, 0, at);
                byte[] noise = new byte[1 + random.nextInt(16)];
                random.nextBytes(noise);
                out.writeBytes(noise);
                out.write(in, at, in.length - at);
            }
        }
        return out.toByteArray();
    }

    JsonNode value() {
        return switch (random.nextInt(9)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(pick(List.of(0.0, -1.0, 0.5, 1.0, 2.0, 2.5, 1e308, -1e308, 1e-300, 3.14159)));
            case 3 -> NODES.numberNode(new java.math.BigInteger("9".repeat(1 + random.nextInt(60))));
            case 4 -> NODES.arrayNode();
            case 5 -> NODES.objectNode();
            case 6 -> NODES.arrayNode().add(pick(STRINGS)).add(pick(STRINGS));
            default -> NODES.textNode(pick(STRINGS));
        };
    }

    private String longString() {
        int n = pick(List.of(1_000, 33_000, 131_073, 300_000));
        char c = pick(List.of('x', 'é', '字'));
        return String.valueOf(c).repeat(n);
    }

    private JsonNode retype(JsonNode node) {
        if (node == null) {
            return value();
        }
        if (node.isObject()) {
            ArrayNode a = NODES.arrayNode();
            node.elements().forEachRemaining(a::add);
            return a;
        }
        if (node.isArray()) {
            return node.isEmpty() ? NODES.textNode("") : node.get(0);
        }
        if (node.isTextual()) {
            String t = node.asText();
            return random.nextBoolean() ? NODES.arrayNode().add(t) : NODES.objectNode().put("text", t);
        }
        return NODES.textNode(node.asText());
    }

    private static JsonNode nest(JsonNode node, int depth) {
        JsonNode out = node == null ? NODES.textNode("deep") : node;
        for (int i = 0; i < depth; i++) {
            out = NODES.arrayNode().add(out);
        }
        return out;
    }

    /** A child of a container (for retyping or nesting), or null. */
    private JsonNode child(JsonNode container) {
        if (container instanceof ObjectNode o && o.size() > 0) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            return o.get(pick(names));
        }
        if (container instanceof ArrayNode a && !a.isEmpty()) {
            return a.get(random.nextInt(a.size()));
        }
        return null;
    }

    /** Replaces one random child of the container with {@code value}. */
    private void replace(JsonNode container, JsonNode value) {
        if (container instanceof ObjectNode o && o.size() > 0) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            o.set(pick(names), value);
        } else if (container instanceof ArrayNode a && !a.isEmpty()) {
            a.set(random.nextInt(a.size()), value);
        } else if (container instanceof ObjectNode o) {
            o.set(pick(KEYS), value);
        }
    }

    private void remove(JsonNode container) {
        if (container instanceof ObjectNode o && o.size() > 0) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            o.remove(pick(names));
        } else if (container instanceof ArrayNode a && !a.isEmpty()) {
            a.remove(random.nextInt(a.size()));
        }
    }

    private void rename(JsonNode container) {
        if (!(container instanceof ObjectNode o) || o.size() == 0) {
            return;
        }
        List<String> names = new ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        String from = pick(names);
        String to = switch (random.nextInt(5)) {
            case 0 -> snakeOrCamel(from);
            case 1 -> from.toUpperCase();
            case 2 -> from + "x";
            case 3 -> pick(KEYS);
            default -> from + "\u200b";
        };
        JsonNode v = o.remove(from);
        o.set(to, v);
    }

    private static String snakeOrCamel(String name) {
        if (name.contains("_")) {
            StringBuilder out = new StringBuilder();
            boolean upper = false;
            for (char c : name.toCharArray()) {
                if (c == '_') {
                    upper = true;
                } else {
                    out.append(upper ? Character.toUpperCase(c) : c);
                    upper = false;
                }
            }
            return out.toString();
        }
        return name.replaceAll("([A-Z])", "_$1").toLowerCase();
    }

    private static void collect(JsonNode node, List<JsonNode> out) {
        if (node.isContainerNode()) {
            out.add(node);
            if (node.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    collect(it.next().getValue(), out);
                }
            } else {
                node.forEach(n -> collect(n, out));
            }
        }
    }
}
