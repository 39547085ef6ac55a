package imagejobs.shared.submit;

import static imagejobs.shared.submit.SubmitHarness.REQUESTS;
import static imagejobs.shared.submit.SubmitHarness.generatePath;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import imagejobs.shared.json.Json;
import imagejobs.shared.validation.FieldError;

/**
 * Property test of number parsing: every number field of both request forms (and both spellings of each), fed
 * huge exponents and digit counts, infinities, NaN, negative zero, hexadecimal and other syntaxes, as JSON numbers
 * and as numeric strings, through SubmitService as a client calls it.
 *
 * <p>The fields are not listed here: they are discovered from the validator itself, through what it tells a client.
 * An unknown field's 400 lists the allowed ones; each is probed with 0.5 (a number field answers 202, OUT_OF_RANGE
 * or "must be a whole number") and with an object holding an unknown field (a nested object answers UNKNOWN_FIELD
 * at that path, and is explored the same way). A number field added to any object of the request is therefore
 * fuzzed without touching this test, and discovery that finds fewer than today's fields fails it.
 *
 * <p>Each answer is checked against an oracle computed independently (BigDecimal and Double.parseDouble on the
 * same, bounded, text): accepted with the canonical value stored, or 400 with the right code, the field's path in
 * the caller's spelling, a bounded message repeating at most a short prefix of the value and naming no internals,
 * and nothing stored or queued. Time per case is printed by class of input, never asserted.
 */
class NumberFieldsFuzzTest {
    private static final String FLASH = "gemini-2.5-flash-image";
    private static final String PROBE = "zz_probe";
    private static final String HOLE = "@@value@@";
    private static final int MAX_MESSAGE_CHARS = 300;
    private static final List<String> LEAKS = List.of("Exception", "java.", "javax.", "com.fasterxml", "imagejobs.",
            "Jackson", "StreamReadConstraints", "BigDecimal", "BigInteger", "NumberFormat", "toPlainString", "`",
            "[Source", "REDACTED", "\tat ");
    /** proto3 JSON's numeric strings, as the oracle reads them (Gemini's parser accepts these, and Infinity/NaN). */
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?");
    private static final Pattern RANGE = Pattern.compile("allowed: (?:from (\\S+) to (\\S+?)|only (\\S+?))(?: \\(.*\\))?$");
    /** What discovery must find at least: today's number fields (a floor, not the list that is fuzzed). */
    private static final Set<String> KNOWN = Set.of("simple payload.temperature", "simple payload.top_p",
            "native generationConfig.temperature", "native generationConfig.topP", "native generationConfig.topK",
            "native generationConfig.candidateCount", "native generationConfig.maxOutputTokens",
            "native generationConfig.seed", "native generationConfig.presencePenalty",
            "native generationConfig.frequencyPenalty", "native generationConfig.logprobs",
            "native generationConfig.thinkingConfig.thinkingBudget");

    /** Where fields go: a route, a valid body, and the object of that body the discovered fields belong to. */
    record Form(String name, String path, String base, List<String> container) {
    }

    private static final String CONTENTS = "'contents':[{'role':'user','parts':[{'text':'a fox'}]}]";
    private static final List<Form> FORMS = List.of(
            new Form("simple", REQUESTS, j("{'model':'" + FLASH + "','payload':{'prompt':'a fox'}}"),
                    List.of("payload")),
            new Form("request-queue native", REQUESTS, j("{'model':'" + FLASH + "','payload':{" + CONTENTS + "}}"),
                    List.of("payload")),
            new Form("native", generatePath(FLASH), j("{" + CONTENTS + "}"), List.of()));

    /** A number field: the keys from the body's root, as spelled in this variant. */
    record NumberField(Form form, List<String> keys, boolean integer, BigDecimal min, BigDecimal max) {
        String path() {
            return String.join(".", keys);
        }

        @Override
        public String toString() {
            return form.name() + " " + path();
        }
    }

    record Value(String inputClass, String json) {
    }

    private final FuzzFigures figures = new FuzzFigures("numbers");

    @Test
    void everyNumberFieldOfBothFormsAnswersHostileNumbersWithA400OrTheRightValue() {
        List<NumberField> fields = new ArrayList<>();
        for (Form form : FORMS) {
            fields.addAll(discover(form, form.container()));
        }
        Set<String> found = new LinkedHashSet<>();
        for (NumberField f : fields) {
            boolean simple = f.form().name().equals("simple");
            found.add(simple ? "simple " + f.path() : "native " + camelPath(f.keys().subList(
                    f.form().container().size(), f.keys().size())));
        }
        System.out.println("FUZZ | numbers | discovered " + fields.size() + " number fields: " + fields);
        for (String known : KNOWN) {
            assertTrue(found.contains(known), "discovery found " + found + " but not " + known);
        }

        List<String> problems = new ArrayList<>();
        List<NumberField> variants = new ArrayList<>();
        for (NumberField f : fields) {
            Set<List<String>> spellings = new LinkedHashSet<>(List.of(f.keys(), respell(f.keys(), true),
                    respell(f.keys(), false)));
            for (List<String> keys : spellings) {
                variants.add(new NumberField(f.form(), keys, f.integer(), f.min(), f.max()));
            }
        }
        for (NumberField field : variants) {
            for (Value value : values()) {
                String problem = check(field, value);
                if (problem != null) {
                    problems.add(field + " = " + abbreviate(value.json()) + ": " + problem);
                }
            }
        }
        figures.print();
        System.out.println("FUZZ | numbers | " + variants.size() + " field spellings x " + values().size()
                + " values = " + figures.cases() + " submits, problems=" + problems.size());
        assertTrue(problems.isEmpty(), problems.size() + " problems:\n" + String.join("\n",
                problems.subList(0, Math.min(40, problems.size()))));
    }

    // ------------------------------------------------------------------ discovery

    private List<NumberField> discover(Form form, List<String> container) {
        List<NumberField> out = new ArrayList<>();
        SubmitHarness.Answer unknown = send(form, append(container, PROBE), IntNode.valueOf(1));
        assertEquals(FieldError.UNKNOWN_FIELD, unknown.code(), "probing " + container + ": " + unknown);
        assertEquals(String.join(".", append(container, PROBE)), unknown.field(), unknown.toString());
        for (String name : allowed(unknown.message())) {
            List<String> keys = append(container, name);
            String path = String.join(".", keys);
            SubmitHarness.Answer half = send(form, keys, Json.MAPPER.getNodeFactory().numberNode(0.5));
            boolean number = half.status() == 202 || (FieldError.OUT_OF_RANGE.equals(half.code())
                    && path.equals(half.field()));
            boolean integer = path.equals(half.field()) && half.message() != null
                    && half.message().contains("must be a whole number");
            if (number || integer) {
                out.add(range(form, keys, integer));
                continue;
            }
            SubmitHarness.Answer nested = send(form, append(keys, PROBE), IntNode.valueOf(1));
            if (FieldError.UNKNOWN_FIELD.equals(nested.code())
                    && String.join(".", append(keys, PROBE)).equals(nested.field())) {
                out.addAll(discover(form, keys));
            }
        }
        return out;
    }

    /** The range a number field reports for a value far above and far below it. */
    private NumberField range(Form form, List<String> keys, boolean integer) {
        BigDecimal[] bounds = new BigDecimal[2];
        for (String huge : List.of("1e999999999", "-1e999999999")) {
            SubmitHarness.Answer a = send(form, keys, new TextNode(huge));
            assertEquals(FieldError.OUT_OF_RANGE, a.code(), keys + " = " + huge + ": " + a);
            Matcher m = RANGE.matcher(a.message());
            assertTrue(m.find(), "no range in: " + a.message());
            bounds[0] = new BigDecimal(m.group(3) != null ? m.group(3) : m.group(1));
            bounds[1] = new BigDecimal(m.group(3) != null ? m.group(3) : m.group(2));
        }
        return new NumberField(form, keys, integer, bounds[0], bounds[1]);
    }

    private static List<String> allowed(String message) {
        String list = message.substring(message.indexOf("allowed: ") + "allowed: ".length());
        int aside = list.indexOf(" (");
        List<String> names = new ArrayList<>();
        for (String name : (aside < 0 ? list : list.substring(0, aside)).split(", ")) {
            names.add(name.trim());
        }
        return names;
    }

    // ------------------------------------------------------------------ the values

    static List<Value> values() {
        List<Value> v = new ArrayList<>();
        String nines98 = "9".repeat(98);
        for (String s : List.of("\"1e100000000\"", "\"1e999999999\"", "\"1e10000000\"", "\"-1e999999999\"",
                "\"1e9999999999999999999\"", "\"1e+2147483648\"", "\"1e-999999999\"", "\"-1e-100000000\"",
                "\"1.5e400\"", "\"1e400\"", "\"-1e400\"", "\"123456789e-999999999999\"", "\"0e9999999999\"", "1e400",
                "-1e400", "1e999999999", "-1e999999999", "1e-999999999", "1e309", "4.9e-324", "1e" + nines98,
                "\"1e" + nines98 + "\"", "1e9" + nines98, "\"1e" + "9".repeat(150) + "\"")) {
            v.add(new Value("huge exponents", s));
        }
        for (String s : List.of("9".repeat(100), "\"" + "9".repeat(100) + "\"", "9".repeat(101),
                "\"" + "9".repeat(101) + "\"", "9".repeat(1_000_000), "\"" + "9".repeat(1_000_000) + "\"",
                "\"0." + "0".repeat(97) + "1\"", "0." + "0".repeat(97) + "1", "99999999999", "-99999999999",
                "\"99999999999\"", "\"-99999999999\"", "2147483648", "-2147483649", "4294967296",
                "99999999999999999999", "-99999999999999999999", "\"99999999999999999999\"", "9223372036854775807",
                "9223372036854775808", "1.7976931348623157e308", "-1.7976931348623157e308")) {
            v.add(new Value("huge digit counts", s));
        }
        for (String s : List.of("\"Infinity\"", "\"-Infinity\"", "\"+Infinity\"", "\"NaN\"", "\"-NaN\"", "\"inf\"",
                "\"nan\"", "\"Infinity1\"", "\"INFINITY\"", "NaN", "Infinity", "-Infinity")) {
            v.add(new Value("infinities and NaN", s));
        }
        for (String s : List.of("-0", "-0.0", "-0e5", "-0.0e-5", "\"-0\"", "\"-0.0\"", "\"-0e99999999\"")) {
            v.add(new Value("negative zero", s));
        }
        for (String s : List.of("\"0x10\"", "\"0X1A\"", "\"0x1p3\"", "\"1_000\"", "\"١٢\"", "\"１\"", "\"1d\"",
                "\"1f\"", "\"1L\"", "\"--1\"", "\"1e1e1\"", "\" 1 \"", "\"\\t2\\n\"", "\"\"", "\".\"", "\"+\"", "\"-\"",
                "\"e5\"", "\"1e\"", "\"1.2.3\"", "\"1,5\"", "\"1 000\"", "0x10", "+1", "01", "1.", ".5", "true", "[1]",
                "{}")) {
            v.add(new Value("hexadecimal and other syntaxes", s));
        }
        for (String s : List.of("0", "1", "\"1\"", "0.5", "\"0.5\"", "2", "-1", "-2", "20", "21", "2147483647",
                "-2147483648", "\"2147483647\"", "\"-2147483648\"", "1.0000000000000002", "\"2.0\"", "2.0", "1e3",
                "\"1e3\"", "\"+5\"", "\".5\"", "\"5.\"")) {
            v.add(new Value("ordinary values and edges", s));
        }
        return v;
    }

    // ------------------------------------------------------------------ one case

    /** The answer the oracle expects: accepted (with the stored value) or a code. */
    record Expected(String code, JsonNode stored) {
    }

    private String check(NumberField field, Value value) {
        SubmitHarness h = new SubmitHarness();
        byte[] body = body(field.form(), field.keys(), value.json());
        long t0 = System.nanoTime();
        SubmitHarness.Answer a = h.call(field.form().path(), SubmitHarness.auth(SubmitHarness.KEY), body);
        figures.add(value.inputClass(), System.nanoTime() - t0);
        Expected expected = oracle(field, value.json());
        String text = Json.write(a.body());
        for (String leak : LEAKS) {
            if (text.contains(leak)) {
                return "'" + leak + "' in " + abbreviate(text);
            }
        }
        if (expected.code() == null) {
            if (a.status() != 202) {
                return "expected 202, got " + abbreviate(text);
            }
            JsonNode stored = h.storedRequest(a.requestId()).at(canonicalPointer(field));
            if (!stored.equals(expected.stored()) || (stored.isDouble()
                    && Double.doubleToRawLongBits(stored.doubleValue()) != Double.doubleToRawLongBits(
                    expected.stored().doubleValue()))) {
                return "stored " + stored + ", expected " + expected.stored();
            }
            return h.queue.sent.size() == 1 ? null : "accepted but not queued once: " + h.queue.sent;
        }
        if (a.status() != 400 || !expected.code().equals(a.code())) {
            return "expected 400 " + expected.code() + ", got " + abbreviate(text);
        }
        String message = a.message();
        if (message.length() > MAX_MESSAGE_CHARS) {
            return "a message of " + message.length() + " characters";
        }
        String inner = value.json().startsWith("\"") ? value.json().substring(1, value.json().length() - 1)
                : value.json();
        if (inner.length() > 60 && message.contains(inner.substring(0, 61))) {
            return "the message repeats more than 60 characters of the value";
        }
        if (expected.code().equals(SubmitService.INVALID_JSON)) {
            assertNull(a.field(), text);
            if (!message.startsWith("the request body is not valid JSON: ")) {
                return "an invalid-JSON message that does not say so: " + message;
            }
        } else if (!field.path().equals(a.field()) || !message.startsWith(field.path() + " ")) {
            return "expected field " + field.path() + ", got " + abbreviate(text);
        }
        try {
            h.assertNothingPersisted(field + " = " + abbreviate(value.json()));
        } catch (AssertionError e) {
            return e.getMessage();
        }
        return null;
    }

    /** What a correct reading of the value gives, computed without the code under test. */
    private static Expected oracle(NumberField field, String json) {
        JsonNode v;
        try {
            v = Json.MAPPER.readTree("{\"v\":" + json + "}").get("v");
        } catch (IOException e) {
            return new Expected(SubmitService.INVALID_JSON, null);
        }
        if (v.isTextual()) {
            String t = v.asText().trim();
            if (t.length() > 100) {
                return invalid();
            }
            if (t.equals("Infinity") || t.equals("+Infinity") || t.equals("-Infinity")) {
                return outOfRange();
            }
            if (!DECIMAL.matcher(t).matches()) {
                return invalid();
            }
            return field.integer() ? wholeFromText(field, t) : fromDouble(field, Double.parseDouble(t));
        }
        if (!v.isNumber()) {
            return invalid();
        }
        if (!field.integer()) {
            return fromDouble(field, v.doubleValue());
        }
        if (v.isIntegralNumber()) {
            return whole(field, new BigDecimal(v.bigIntegerValue()));
        }
        double d = v.doubleValue();
        if (Double.isInfinite(d)) {
            return outOfRange();
        }
        return d == Math.rint(d) ? whole(field, new BigDecimal(d)) : invalid();
    }

    private static Expected fromDouble(NumberField field, double d) {
        if (Double.isInfinite(d) || new BigDecimal(d).compareTo(field.min()) < 0
                || new BigDecimal(d).compareTo(field.max()) > 0) {
            return outOfRange();
        }
        return new Expected(null, Json.MAPPER.getNodeFactory().numberNode(d + 0.0));
    }

    private static Expected wholeFromText(NumberField field, String text) {
        BigDecimal value;
        try {
            value = new BigDecimal(text);
        } catch (NumberFormatException exponentBeyondInt) {
            String mantissa = text.split("[eE]")[0];
            if (!mantissa.matches("[+-]?[0.]*")) {
                return text.split("[eE]")[1].startsWith("-") ? invalid() : outOfRange();
            }
            value = BigDecimal.ZERO;
        }
        if (value.signum() != 0 && value.stripTrailingZeros().scale() > 0) {
            return invalid();
        }
        return whole(field, value);
    }

    private static Expected whole(NumberField field, BigDecimal value) {
        if (value.compareTo(field.min()) < 0 || value.compareTo(field.max()) > 0) {
            return outOfRange();
        }
        return new Expected(null, IntNode.valueOf(value.intValueExact()));
    }

    private static Expected invalid() {
        return new Expected(FieldError.INVALID_FIELD, null);
    }

    private static Expected outOfRange() {
        return new Expected(FieldError.OUT_OF_RANGE, null);
    }

    // ------------------------------------------------------------------ bodies and spellings

    private static SubmitHarness.Answer send(Form form, List<String> keys, JsonNode value) {
        ObjectNode body = (ObjectNode) Json.parse(form.base());
        put(body, keys, value);
        return new SubmitHarness().call(form.path(), SubmitHarness.auth(SubmitHarness.KEY), Json.write(body));
    }

    /** The form's body with {@code json} (any text, valid JSON or not) as the value at {@code keys}. */
    private static byte[] body(Form form, List<String> keys, String json) {
        ObjectNode body = (ObjectNode) Json.parse(form.base());
        put(body, keys, new TextNode(HOLE));
        return Json.write(body).replace("\"" + HOLE + "\"", json).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void put(ObjectNode root, List<String> keys, JsonNode value) {
        ObjectNode at = root;
        for (int i = 0; i < keys.size() - 1; i++) {
            JsonNode next = at.get(keys.get(i));
            at = next instanceof ObjectNode o ? o : at.putObject(keys.get(i));
        }
        at.set(keys.get(keys.size() - 1), value);
    }

    /** Where the accepted value sits in the canonical request: generationConfig's camelCase fields. */
    private static String canonicalPointer(NumberField field) {
        List<String> keys = field.keys().subList(field.form().container().size(), field.keys().size());
        List<String> camel = new ArrayList<>();
        if (field.form().name().equals("simple")) {
            camel.add("generationConfig"); // the simple form's numbers go there
        }
        keys.forEach(k -> camel.add(camel(k)));
        return "/" + String.join("/", camel);
    }

    private static String camelPath(List<String> keys) {
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            out.add(camel(k));
        }
        return String.join(".", out);
    }

    /** The keys below the envelope in camelCase ({@code camel}) or snake_case; "payload" and "model" stay. */
    private static List<String> respell(List<String> keys, boolean camel) {
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            out.add(k.equals("payload") ? k : camel ? camel(k) : snake(k));
        }
        return out;
    }

    private static String camel(String name) {
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

    private static String snake(String name) {
        return name.replaceAll("([A-Z])", "_$1").toLowerCase(Locale.ROOT);
    }

    private static List<String> append(List<String> keys, String key) {
        List<String> out = new ArrayList<>(keys);
        out.add(key);
        return out;
    }

    private static String j(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…(" + s.length() + " chars)";
    }

    @Test
    void theOracleAgreesWithHandPickedAnswers() {
        NumberField seed = new NumberField(FORMS.get(2), List.of("generationConfig", "seed"), true,
                BigDecimal.valueOf(Integer.MIN_VALUE), BigDecimal.valueOf(Integer.MAX_VALUE));
        NumberField temperature = new NumberField(FORMS.get(0), List.of("payload", "temperature"), false,
                BigDecimal.ZERO, BigDecimal.valueOf(2));
        Map<String, String> seedCases = new LinkedHashMap<>();
        seedCases.put("\"1e10000000\"", FieldError.OUT_OF_RANGE);
        seedCases.put("99999999999", FieldError.OUT_OF_RANGE);
        seedCases.put("\"1e-999999999\"", FieldError.INVALID_FIELD);
        seedCases.put("\"0e9999999999\"", null);
        seedCases.put("9".repeat(101), SubmitService.INVALID_JSON);
        seedCases.forEach((json, code) -> assertEquals(code, oracle(seed, json).code(), json));
        assertEquals(FieldError.OUT_OF_RANGE, oracle(temperature, "\"1e999999999\"").code());
        assertEquals(FieldError.OUT_OF_RANGE, oracle(temperature, "1e400").code());
        assertEquals(0.0, oracle(temperature, "-0.0").stored().doubleValue());
        assertFalse(oracle(temperature, "\"1e-999999999\"").code() != null);
    }
}
