package imagejobs.shared.submit;

import static imagejobs.shared.submit.SubmitHarness.BUCKET;
import static imagejobs.shared.submit.SubmitHarness.REQUESTS;
import static imagejobs.shared.submit.SubmitHarness.TENANT;
import static imagejobs.shared.submit.SubmitHarness.generatePath;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import imagejobs.shared.json.Json;
import imagejobs.shared.validation.FieldError;

/**
 * Property test of text intake: in every example request of the seed documents (both forms, every kind of part),
 * every string value and every object key is given an unpaired UTF-16 surrogate (a lone high one, a lone low one,
 * a reversed pair, an emoji cut in half), and every string value also the raw UTF-8 byte sequences the JSON parser
 * decodes into unpaired surrogates (an encoded surrogate, a code point past U+10FFFF). Likewise the Idempotency-Key
 * header and the model in the generateContent path.
 *
 * <p>Each must be a 400 naming the path of the string (or the key) as the caller wrote it, with a bounded message
 * that itself is valid Unicode and names no internals, and nothing stored, uploaded or queued. Time per case is
 * printed by class, never asserted.
 */
class InvalidUtf16FuzzTest {
    private static final int MAX_MESSAGE_CHARS = 400;
    private static final List<String> LEAKS = List.of("Exception", "java.", "com.fasterxml", "imagejobs.", "Jackson",
            "`", "[Source", "REDACTED", "\tat ");
    private static final Map<String, String> PATTERNS = Map.of(
            "lone high surrogate", "\uD800",
            "lone low surrogate", "\uDC00",
            "reversed pair", "\uDC00\uD800",
            "emoji cut in half", "\uD83D");
    private static final Map<String, byte[]> RAW = Map.of(
            "UTF-8 of a surrogate (ED A0 80)", new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
            "UTF-8 of a low surrogate (ED B0 80)", new byte[] {(byte) 0xed, (byte) 0xb0, (byte) 0x80},
            "UTF-8 past U+10FFFF (F4 90 80 80)", new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80});
    private static final String MARK = "@@raw@@";

    /** A string value ({@code key} null) or an object key in a body: its place and the path a client sees. */
    record Place(List<Object> at, String key, String path) {
    }

    private final FuzzFigures figures = new FuzzFigures("utf-16");
    private final List<String> problems = new ArrayList<>();

    @Test
    void everyKeyAndStringOfEverySeedRequestRefusesUnpairedSurrogatesWithItsPath() {
        List<SeedFixtures> seeds = SeedFixtures.all(BUCKET, TENANT);
        int places = 0;
        for (SeedFixtures seed : seeds) {
            String route = seed.route().equals(SeedFixtures.REQUEST_QUEUE) ? REQUESTS : generatePath(seed.model());
            SubmitHarness.Answer ok = new SubmitHarness().call(route, SubmitHarness.auth(SubmitHarness.KEY),
                    seed.bodyText());
            assertEquals(202, ok.status(), seed + " as it is: " + ok);
            List<Place> found = new ArrayList<>();
            places(seed.body(), new ArrayList<>(), found);
            places += found.size();
            for (Place place : found) {
                for (Map.Entry<String, String> pattern : PATTERNS.entrySet()) {
                    JsonNode body = seed.body().deepCopy();
                    String expectedField;
                    if (place.key() == null) {
                        TextNode old = (TextNode) node(body, place.at());
                        set(body, place.at(), new TextNode(insert(old.textValue(), pattern.getValue())));
                        expectedField = place.path();
                    } else {
                        ObjectNode parent = (ObjectNode) node(body, place.at());
                        String bad = insert(place.key(), pattern.getValue());
                        renameKey(parent, place.key(), bad);
                        expectedField = join(place.path(), replaced(bad));
                    }
                    expect(seed + " " + (place.key() == null ? "value " : "key ") + place.path() + " + "
                            + pattern.getKey(), pattern.getKey() + (place.key() == null ? " in a value" : " in a key"),
                            route, Map.of(), escaped(body), expectedField);
                }
                if (place.key() == null) {
                    for (Map.Entry<String, byte[]> raw : RAW.entrySet()) {
                        JsonNode body = seed.body().deepCopy();
                        TextNode old = (TextNode) node(body, place.at());
                        set(body, place.at(), new TextNode(insert(old.textValue(), MARK)));
                        expect(seed + " value " + place.path() + " + " + raw.getKey(), raw.getKey(), route, Map.of(),
                                replaceMark(escaped(body), raw.getValue()),
                                place.path());
                    }
                }
            }
        }
        for (Map.Entry<String, String> pattern : PATTERNS.entrySet()) {
            String body = "{\"model\":\"gemini-2.5-flash-image\",\"payload\":{\"prompt\":\"a fox\"}}";
            expectRefused("Idempotency-Key + " + pattern.getKey(), "headers", REQUESTS,
                    Map.of("idempotency-key", "key-" + pattern.getValue() + "-1"),
                    body.getBytes(StandardCharsets.UTF_8), 400, "INVALID_IDEMPOTENCY_KEY", "Idempotency-Key");
            expectRefused("model in the path + " + pattern.getKey(), "path", generatePath("gemini-2.5-flash-image"
                    + pattern.getValue()), Map.of(), "{\"contents\":\"a fox\"}".getBytes(StandardCharsets.UTF_8),
                    400, FieldError.UNKNOWN_MODEL, "model");
        }
        figures.print();
        System.out.println("FUZZ | utf-16 | " + seeds.size() + " seed requests, " + places + " keys and strings, "
                + figures.cases() + " submits, problems=" + problems.size());
        assertTrue(places > 200, "the seeds hold " + places + " keys and strings");
        assertTrue(problems.isEmpty(), problems.size() + " problems:\n" + String.join("\n",
                problems.subList(0, Math.min(40, problems.size()))));
    }

    private void expect(String what, String inputClass, String route, Map<String, String> headers, byte[] body,
                        String field) {
        expectRefused(what, inputClass, route, headers, body, 400, FieldError.INVALID_FIELD, field);
    }

    private void expectRefused(String what, String inputClass, String route, Map<String, String> headers, byte[] body,
                               int status, String code, String field) {
        SubmitHarness h = new SubmitHarness();
        Map<String, String> all = new java.util.HashMap<>(SubmitHarness.auth(SubmitHarness.KEY));
        all.putAll(headers);
        long t0 = System.nanoTime();
        SubmitHarness.Answer a = h.call(route, all, body);
        figures.add(inputClass, System.nanoTime() - t0);
        String text = Json.write(a.body());
        String problem = null;
        if (a.status() != status || !code.equals(a.code()) || !field.equals(a.field())) {
            problem = "expected " + status + " " + code + " at " + field + ", got " + abbreviate(text);
        } else if (code.equals(FieldError.INVALID_FIELD) && !a.message().contains(" is not valid Unicode text: ")) {
            problem = "a message that does not say what is wrong: " + a.message();
        } else if (a.message().length() > MAX_MESSAGE_CHARS) {
            problem = "a message of " + a.message().length() + " characters";
        } else if (imagejobs.shared.validation.Utf16.firstUnpaired(a.message()) >= 0
                || imagejobs.shared.validation.Utf16.firstUnpaired(a.field()) >= 0) {
            problem = "the answer itself holds an unpaired surrogate: " + abbreviate(text);
        } else {
            for (String leak : LEAKS) {
                if (text.contains(leak)) {
                    problem = "'" + leak + "' in " + abbreviate(text);
                }
            }
        }
        if (problem == null) {
            try {
                h.assertNothingPersisted(what);
            } catch (AssertionError e) {
                problem = e.getMessage();
            }
        }
        if (problem != null) {
            problems.add(what + ": " + problem);
        }
    }

    /** Every string value and object key, with the path a client sees (keys with dots, indexes in brackets). */
    private static void places(JsonNode node, List<Object> at, List<Place> out) {
        if (node.isTextual()) {
            out.add(new Place(List.copyOf(at), null, path(at)));
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.add(new Place(List.copyOf(at), e.getKey(), path(at)));
                at.add(e.getKey());
                places(e.getValue(), at, out);
                at.remove(at.size() - 1);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                at.add(i);
                places(node.get(i), at, out);
                at.remove(at.size() - 1);
            }
        }
    }

    private static String path(List<Object> at) {
        StringBuilder out = new StringBuilder();
        for (Object o : at) {
            if (o instanceof Integer i) {
                out.append('[').append(i).append(']');
            } else {
                out.append(out.length() == 0 ? "" : ".").append(o);
            }
        }
        return out.toString();
    }

    private static String join(String parent, String key) {
        return parent.isEmpty() ? key : parent + "." + key;
    }

    private static JsonNode node(JsonNode root, List<Object> at) {
        JsonNode n = root;
        for (Object o : at) {
            n = o instanceof Integer i ? n.get(i) : n.get((String) o);
        }
        return n;
    }

    private static void set(JsonNode root, List<Object> at, JsonNode value) {
        JsonNode parent = node(root, at.subList(0, at.size() - 1));
        Object last = at.get(at.size() - 1);
        if (last instanceof Integer i) {
            ((ArrayNode) parent).set(i, value);
        } else {
            ((ObjectNode) parent).set((String) last, value);
        }
    }

    /** Renames a key in place, keeping the order of the fields. */
    private static void renameKey(ObjectNode parent, String from, String to) {
        List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
        parent.fields().forEachRemaining(fields::add);
        parent.removeAll();
        for (Map.Entry<String, JsonNode> e : fields) {
            parent.set(e.getKey().equals(from) ? to : e.getKey(), e.getValue());
        }
    }

    /** Puts {@code bad} in the middle of {@code text}, never inside a pair already there. */
    private static String insert(String text, String bad) {
        int mid = text.length() / 2;
        if (mid > 0 && mid < text.length() && Character.isLowSurrogate(text.charAt(mid))) {
            mid++;
        }
        return text.substring(0, mid) + bad + text.substring(mid);
    }

    /** Unpaired surrogates as an answer shows them: U+FFFD. */
    private static String replaced(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else {
                out.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return out.toString();
    }

    /**
     * The body as a client sends text it cannot encode in UTF-8: non-ASCII characters as {@code \\u} escapes
     * (String.getBytes would turn an unpaired surrogate into '?').
     */
    private static byte[] escaped(JsonNode body) {
        try {
            return Json.MAPPER.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII).writeValueAsBytes(body);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] replaceMark(byte[] body, byte[] raw) {
        byte[] mark = MARK.getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < body.length; i++) {
            if (i + mark.length <= body.length && java.util.Arrays.equals(body, i, i + mark.length, mark, 0,
                    mark.length)) {
                out.writeBytes(raw);
                i += mark.length - 1;
            } else {
                out.write(body[i]);
            }
        }
        return out.toByteArray();
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "…(" + s.length() + " chars)";
    }
}
