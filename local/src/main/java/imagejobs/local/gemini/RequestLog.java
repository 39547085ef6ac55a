package imagejobs.local.gemini;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/**
 * The requests the simulator received, oldest first, for tests to assert what the worker really sent. Bounded
 * by count and by body bytes (bodies carry base64 images), dropping the oldest first.
 */
final class RequestLog {
    private record Entry(ObjectNode json, long bytes) {
    }

    private final int maxEntries;
    private final long maxBytes;
    private final Deque<Entry> entries = new ArrayDeque<>();
    private long bytes;

    RequestLog(int maxEntries, long maxBytes) {
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
    }

    /**
     * @param headers  as received; names are lower-cased, repeated values joined with ", "
     * @param body     the parsed body, or null when it was absent or not JSON; kept as is, never modified
     */
    void record(String method, String path, String query, Map<String, List<String>> headers, JsonNode body,
            long bodyBytes, String receivedAt) {
        if (maxEntries == 0) {
            return;
        }
        ObjectNode json = Json.object()
                .put("method", method)
                .put("path", path)
                .put("query", query);
        ObjectNode headerJson = json.putObject("headers");
        Map<String, String> sorted = new TreeMap<>();
        headers.forEach((name, values) -> sorted.merge(name.toLowerCase(java.util.Locale.ROOT),
                String.join(", ", values), (a, b) -> a + ", " + b));
        sorted.forEach(headerJson::put);
        json.set("body", body);
        json.put("received_at", receivedAt);
        synchronized (entries) {
            entries.addLast(new Entry(json, bodyBytes));
            bytes += bodyBytes;
            while (entries.size() > maxEntries || (bytes > maxBytes && entries.size() > 1)) {
                bytes -= entries.removeFirst().bytes();
            }
        }
    }

    /** The entries as one JSON array (shared nodes: write it, do not modify it). */
    ArrayNode snapshot() {
        ArrayNode out = Json.array();
        synchronized (entries) {
            entries.forEach(e -> out.add(e.json()));
        }
        return out;
    }

    /** The entries as independent copies, safe to keep and modify. */
    List<JsonNode> copies() {
        List<ObjectNode> shared;
        synchronized (entries) {
            shared = new ArrayList<>(entries.size());
            entries.forEach(e -> shared.add(e.json()));
        }
        List<JsonNode> out = new ArrayList<>(shared.size());
        shared.forEach(n -> out.add(n.deepCopy()));
        return out;
    }

    void clear() {
        synchronized (entries) {
            entries.clear();
            bytes = 0;
        }
    }
}
