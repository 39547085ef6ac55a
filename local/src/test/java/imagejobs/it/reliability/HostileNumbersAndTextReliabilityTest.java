package imagejobs.it.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.local.LocalStack;
import imagejobs.local.resources.LocalKey;
import imagejobs.shared.auth.ApiKey;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.json.Json;
import imagejobs.shared.queue.JobMessage;
import imagejobs.shared.validation.Utf16;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.paginators.ScanIterable;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Suite 6b, hostile numbers and text, through the real front door (HTTP to the local API Gateway, the submit
 * function's jar, DynamoDB Local, ElasticMQ): issue 14's requests that cost seconds and gigabytes or answered 500, a
 * fuzz of every number field (discovered from the validator's own answers, as {@code NumberFieldsFuzzTest} does in
 * shared) with huge exponents and digit counts, infinities, NaN, negative zero and other syntaxes, as JSON numbers
 * and as strings, and unpaired UTF-16 surrogates in values, keys, raw bytes and the Idempotency-Key header.
 *
 * <p>Every answer: no 5xx, the one error shape, at most {@link #MAX_BODY_CHARS} characters, valid Unicode, none of
 * {@link HostileInputReliabilityTest#LEAKS}; where the case says so, the code and the field's path. The submit
 * function enqueues to a queue of this suite's own, which must then hold exactly the accepted jobs, as the table
 * must; and no item anywhere in the jobs table may hold an unpaired surrogate (the AWS CLI cannot scan a table that
 * does). Time per request is printed by class of input, and the issue's three requests one by one; never asserted.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class HostileNumbersAndTextReliabilityTest {
    private static final String SUITE = "numbers-text";
    private static final LocalKey KEY = new LocalKey("relNumText", "ij_rel_relnumtext_k3y");
    private static final String FLASH = "gemini-2.5-flash-image";
    private static final String REQUESTS = "/v1/requests";
    private static final String GENERATE = "/v1beta/models/" + FLASH + ":generateContent";
    private static final String PROBE = "zz_probe";
    private static final String HOLE = "@@value@@";
    /** No answer to any of these inputs needs more (the issue's first request answered with 100 MB). */
    static final int MAX_BODY_CHARS = 1000;

    private final Map<String, List<Long>> nanos = new LinkedHashMap<>();
    private final Map<String, Integer> answers = new TreeMap<>();
    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private final Set<String> accepted = new HashSet<>();
    /**
     * Jobs Google's generateContent ran and answered (200, the finished job): stored like accepted ones, but queued by
     * the Google function (its delayed insurance message on the jobs queue), not on this suite's queue.
     */
    private final Set<String> answered = new HashSet<>();
    private final List<String> issueFigures = new ArrayList<>();
    private ApiClient api;
    private ReliabilityStack rs;

    /** One request: route, raw body bytes, extra headers, and what must come back (null: not checked). */
    record Case(String name, String inputClass, String path, byte[] body, Map<String, String> headers,
                Integer status, String code, String field) {
    }

    @Test
    void hostileNumbersAndInvalidTextAre400sNamingTheFieldAndNothingIsQueued() {
        rs = ReliabilityStack.get();
        LocalStack stack = rs.stack();
        new DynamoKeyStore(stack.dynamoDb(), stack.tableName("KeysTable")).put(new KeyRecord(ApiKey.hash(KEY.key()),
                ApiKey.idForHash(ApiKey.hash(KEY.key())), KEY.tenant(), true, ReliabilityStack.RATE_PER_MINUTE,
                Instant.now(), "reliability"));
        api = new ApiClient(stack.apiUrl(), KEY.key());
        String queue = stack.sqs().createQueue(r -> r.queueName("reliability-numbers-text")).queueUrl();
        stack.environment().set("SubmitFunction", "JOBS_QUEUE_URL", queue);
        stack.function("SubmitFunction").resetInstances();
        HttpEvents events = new HttpEvents(stack);
        // The first call after the reset is a cold start of the submit function: not one of the measured requests.
        api.send("POST", REQUESTS, Map.of("content-type", "application/json"), ascii("{}"));
        long t0 = System.nanoTime();
        int sent = 0;
        try {
            for (Case c : issueCases()) {
                long before = System.nanoTime();
                ApiClient.Response r = run(c);
                long http = System.nanoTime() - before;
                // The same request invoked in-process, as the front door invokes the function: its own time.
                long inProcess = System.nanoTime();
                HttpEvents.Answer direct = events.call("POST", c.path(), null, Map.of("authorization", "Bearer "
                        + KEY.key(), "content-type", "application/json"), c.body()).orElseThrow();
                inProcess = System.nanoTime() - inProcess;
                if (direct.status() == 202) {
                    accepted.add(direct.json().path("request_id").asText());
                } else if (direct.status() == 200) {
                    answered.add(direct.json().path("responseId").asText());
                }
                if (direct.status() != r.status()) {
                    problems.add(c.name() + ": " + r.status() + " through the front door, " + direct.status()
                            + " in-process");
                }
                issueFigures.add(String.format(Locale.ROOT, "%s: %d bytes sent -> %d %s, answer %d bytes; %.1f ms"
                        + " through the front door, %.1f ms invoked in-process", c.name(), c.body().length,
                        r.status(), String.valueOf(ApiClient.errorCode(r.json())),
                        r.body().getBytes(StandardCharsets.UTF_8).length, http / 1e6, inProcess / 1e6));
                sent++;
            }
            sent += fuzzNumberFields();
            sent += invalidText();
            sent += rawHeaderCases(stack.apiUrl());
        } finally {
            stack.environment().set("SubmitFunction", "JOBS_QUEUE_URL", stack.queueUrl("JobsQueue"));
            stack.function("SubmitFunction").resetInstances();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;

        List<String> enqueued = drain(stack, queue);
        stack.sqs().deleteQueue(r -> r.queueUrl(queue));
        Set<String> inTable = new HashSet<>();
        rs.tenantJobs(KEY.tenant()).forEach(j -> inTable.add(j.requestId()));
        for (String id : accepted) {
            rs.jobs().failUnfinished(id, new JobError("FUZZ_CLEANUP", "fuzz input, never processed", false),
                    Instant.now());
        }
        List<String> unpaired = unpairedSurrogatesInTable(stack);

        issueFigures.forEach(line -> ReliabilityStack.figure(SUITE, "issue 14: " + line));
        nanos.forEach((inputClass, list) -> ReliabilityStack.figure(SUITE, timing(inputClass, list)));
        ReliabilityStack.figure(SUITE, String.format(Locale.ROOT, "requests=%d in %.1f s answers %s", sent, seconds,
                answers));
        ReliabilityStack.figure(SUITE, "accepted=" + accepted.size() + " enqueued=" + enqueued.size()
                + " jobs_in_table=" + inTable.size() + " items_with_unpaired_surrogates=" + unpaired.size()
                + " problems=" + problems.size());

        assertTrue(problems.isEmpty(), problems.size() + " problems:\n" + String.join("\n",
                problems.subList(0, Math.min(40, problems.size()))));
        assertEquals(accepted, new HashSet<>(enqueued), "exactly the accepted jobs are queued, once each");
        assertEquals(accepted.size(), enqueued.size(), "one message per accepted job");
        Set<String> stored = new HashSet<>(accepted);
        stored.addAll(answered);
        assertEquals(stored, inTable, "exactly the accepted (and answered) jobs are stored");
        assertTrue(unpaired.isEmpty(), "items with unpaired surrogates: " + unpaired);
        assertTrue(sent >= 500, "requests sent: " + sent);
        rs.assertLogsClean(SUITE);
    }

    // ------------------------------------------------------------------ the issue's requests

    private static List<Case> issueCases() {
        List<Case> cases = new ArrayList<>();
        cases.add(simple("temperature \"1e100000000\"", "'temperature':'1e100000000'", "OUT_OF_RANGE",
                "payload.temperature"));
        cases.add(simple("temperature \"1e999999999\"", "'temperature':'1e999999999'", "OUT_OF_RANGE",
                "payload.temperature"));
        cases.add(native_("native seed \"1e10000000\"", "'seed':'1e10000000'", "OUT_OF_RANGE", "generationConfig.seed"));
        for (String seed : List.of("99999999999", "-99999999999")) {
            cases.add(native_("native seed " + seed, "'seed':" + seed, "OUT_OF_RANGE", "generationConfig.seed"));
        }
        for (String count : List.of("2147483648", "99999999999999999999")) {
            cases.add(native_("native candidateCount " + count, "'candidateCount':" + count, "OUT_OF_RANGE",
                    "generationConfig.candidateCount"));
        }
        for (String t : List.of("1e400", "-1e400", "'1e400'")) {
            cases.add(native_("native temperature " + t, "'temperature':" + t, "OUT_OF_RANGE",
                    "generationConfig.temperature"));
            cases.add(simple("temperature " + t, "'temperature':" + t, "OUT_OF_RANGE", "payload.temperature"));
        }
        cases.add(new Case("a lone surrogate in the prompt", "issue 14", REQUESTS,
                ascii("{\"model\":\"" + FLASH + "\",\"payload\":{\"prompt\":\"\\ud800\"}}"), Map.of(), 400,
                "INVALID_FIELD", "payload.prompt"));
        return cases;
    }

    private static Case simple(String name, String field, String code, String path) {
        return new Case(name, "issue 14", REQUESTS, ascii(("{'model':'" + FLASH + "','payload':{'prompt':'x'," + field
                + "}}").replace('\'', '"')), Map.of(), 400, code, path);
    }

    private static Case native_(String name, String field, String code, String path) {
        return new Case(name, "issue 14", GENERATE, ascii(("{'contents':[{'parts':[{'text':'x'}]}],"
                + "'generationConfig':{" + field + "}}").replace('\'', '"')), Map.of(), 400, code, path);
    }

    // ------------------------------------------------------------------ every number field

    /** Where fields go: a route, a valid body, and the object its fields belong to. */
    private record Form(String name, String path, String base, List<String> container) {
    }

    private static final String CONTENTS = "'contents':[{'role':'user','parts':[{'text':'a fox'}]}]";
    private static final List<Form> FORMS = List.of(
            new Form("simple", REQUESTS, ("{'model':'" + FLASH + "','payload':{'prompt':'a fox'}}").replace('\'', '"'),
                    List.of("payload")),
            new Form("request-queue native", REQUESTS, ("{'model':'" + FLASH + "','payload':{" + CONTENTS + "}}")
                    .replace('\'', '"'), List.of("payload")),
            new Form("native", GENERATE, ("{" + CONTENTS + "}").replace('\'', '"'), List.of()));

    private static final Map<String, List<String>> VALUES = new LinkedHashMap<>();

    static {
        VALUES.put("huge exponents", List.of("\"1e100000000\"", "\"1e999999999\"", "\"-1e999999999\"",
                "\"1e9999999999999999999\"", "\"1e-999999999\"", "1e999999999", "-1e400", "1e-999999999",
                "1e" + "9".repeat(98)));
        VALUES.put("huge digit counts", List.of("9".repeat(101), "\"" + "9".repeat(101) + "\"", "9".repeat(1_000_000),
                "\"" + "9".repeat(1_000_000) + "\"", "2147483648", "99999999999999999999", "\"-99999999999\""));
        VALUES.put("infinities and NaN", List.of("\"Infinity\"", "\"-Infinity\"", "\"NaN\"", "NaN", "Infinity"));
        VALUES.put("negative zero", List.of("-0", "-0.0", "\"-0\""));
        VALUES.put("hexadecimal and other syntaxes", List.of("\"0x10\"", "\"0x1p3\"", "\"1_000\"", "\"１\"", "0x10",
                "+1", "\"\""));
        VALUES.put("ordinary values", List.of("1", "\"0.5\""));
    }

    /** Discovers the number fields, then sends each one every value; returns how many requests were sent. */
    private int fuzzNumberFields() {
        List<List<String>> fields = new ArrayList<>();
        Map<List<String>, Form> formOf = new LinkedHashMap<>();
        for (Form form : FORMS) {
            for (List<String> keys : discover(form, form.container())) {
                fields.add(keys);
                formOf.put(keys, form);
            }
        }
        ReliabilityStack.figure(SUITE, "number fields discovered through the front door: " + fields.size() + " "
                + fields.stream().map(k -> formOf.get(k).name() + " " + String.join(".", k)).toList());
        if (fields.size() < 22) {
            problems.add("discovery found " + fields.size() + " number fields, fewer than the 22 of today");
        }
        int sent = 0;
        for (List<String> keys : fields) {
            Form form = formOf.get(keys);
            String path = String.join(".", keys);
            for (Map.Entry<String, List<String>> values : VALUES.entrySet()) {
                for (String json : values.getValue()) {
                    run(new Case(form.name() + " " + path + " = " + abbreviate(json), values.getKey(), form.path(),
                            body(form, keys, json), Map.of(), null, null, path));
                    sent++;
                }
            }
        }
        return sent;
    }

    private List<List<String>> discover(Form form, List<String> container) {
        List<List<String>> out = new ArrayList<>();
        ApiClient.Response unknown = send(form, append(container, PROBE), "1");
        String message = unknown.json().at("/error/message").asText("");
        if (!message.contains("allowed: ")) {
            problems.add("discovery: no list of allowed fields for " + container + ": " + abbreviate(unknown.body()));
            return out;
        }
        String list = message.substring(message.indexOf("allowed: ") + "allowed: ".length());
        list = list.contains(" (") ? list.substring(0, list.indexOf(" (")) : list;
        for (String name : list.split(", ")) {
            List<String> keys = append(container, name);
            String path = String.join(".", keys);
            ApiClient.Response half = send(form, keys, "0.5");
            String field = String.valueOf(ApiClient.errorField(half.json()));
            if (half.status() == 202 || half.status() == 200 || (path.equals(field) && ("OUT_OF_RANGE".equals(ApiClient.errorCode(half.json())) || half.json().at("/error/message").asText("").contains("must be a whole number")))) {
                out.add(keys);
                if (half.status() == 202) {
                    accepted.add(half.json().path("request_id").asText());
                }
                continue;
            }
            ApiClient.Response nested = send(form, append(keys, PROBE), "1");
            if ("UNKNOWN_FIELD".equals(ApiClient.errorCode(nested.json()))
                    && String.join(".", append(keys, PROBE)).equals(ApiClient.errorField(nested.json()))) {
                out.addAll(discover(form, keys));
            }
        }
        return out;
    }

    private ApiClient.Response send(Form form, List<String> keys, String json) {
        ApiClient.Response r = api.send("POST", form.path(), Map.of("content-type", "application/json"),
                body(form, keys, json));
        if (r.status() == 202) {
            accepted.add(r.json().path("request_id").asText());
        } else if (r.status() == 200) {
            answered.add(r.json().path("responseId").asText());
        }
        return r;
    }

    private static byte[] body(Form form, List<String> keys, String json) {
        ObjectNode root = (ObjectNode) Json.parse(form.base());
        ObjectNode at = root;
        for (int i = 0; i < keys.size() - 1; i++) {
            JsonNode next = at.get(keys.get(i));
            at = next instanceof ObjectNode o ? o : at.putObject(keys.get(i));
        }
        at.put(keys.get(keys.size() - 1), HOLE);
        return Json.write(root).replace("\"" + HOLE + "\"", json).getBytes(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ text

    private int invalidText() {
        List<Case> cases = new ArrayList<>();
        Map<String, String> patterns = Map.of("lone high surrogate", "\\ud800", "lone low surrogate", "\\udc00",
                "reversed pair", "\\udc00\\ud800", "emoji cut in half", "\\ud83d");
        String png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
        for (Map.Entry<String, String> p : patterns.entrySet()) {
            String bad = p.getValue();
            String c = p.getKey();
            String shown = bad.length() > 6 ? "\uFFFD\uFFFD" : "\uFFFD"; // how a bad key is named: U+FFFD each
            cases.add(rq(c, "{'model':'" + FLASH + "','payload':{'prompt':'a " + bad + " fox'}}", "payload.prompt"));
            cases.add(rq(c, "{'model':'" + FLASH + bad + "','payload':{'prompt':'a fox'}}", "model"));
            cases.add(rq(c, "{'model':'" + FLASH + "','payload':{'prompt':'a fox','aspect_ratio':'1:1" + bad + "'}}",
                    "payload.aspect_ratio"));
            cases.add(rq(c, "{'model':'" + FLASH + "','payload':{'prompt':'a fox','image':['https://a.example.com/"
                    + bad + ".png']}}", "payload.image[0]"));
            cases.add(rq(c, "{'model':'" + FLASH + "','payload':{'pro" + bad + "mpt':'a fox'}}",
                    "payload.pro" + shown + "mpt"));
            cases.add(rq(c, "{'model':'" + FLASH + "','payload':{'contents':[{'parts':[{'text':'a'},{'inline_data':"
                    + "{'mime_type':'image/png" + bad + "','data':'" + png + "'}}]}]}}",
                    "payload.contents[0].parts[1].inline_data.mime_type"));
            cases.add(gen(c, "{'contents':[{'parts':[{'text':'" + bad + "'}]}]}", "contents[0].parts[0].text"));
            cases.add(gen(c, "{'contents':[{'parts':[{'text':'a'}]}],'systemInstruction':{'parts':[{'text':'x" + bad
                    + "'}]}}", "systemInstruction.parts[0].text"));
            cases.add(gen(c, "{'contents':[{'parts':[{'text':'a'}]}],'generationConfig':{'stopSequences':['" + bad
                    + "']}}", "generationConfig.stopSequences[0]"));
            cases.add(gen(c, "{'contents':[{'parts':[{'text':'a'}]}],'generationConfig':{'responseSchema':"
                    + "{'type':'object','properties':{'k" + bad + "':{'type':'string'}}}}}",
                    "generationConfig.responseSchema.properties.k" + shown));
            cases.add(gen(c, "{'contents':[{'role':'us" + bad + "er','parts':[{'text':'a'}]}]}", "contents[0].role"));
        }
        Map<String, byte[]> raw = Map.of("UTF-8 of a surrogate (ED A0 80)", new byte[] {(byte) 0xed, (byte) 0xa0,
                (byte) 0x80}, "UTF-8 past U+10FFFF (F4 90 80 80)", new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80,
                (byte) 0x80});
        List<Case> replaced = new ArrayList<>();
        for (Map.Entry<String, byte[]> r : raw.entrySet()) {
            byte[] prompt = concat(ascii("{\"model\":\"" + FLASH + "\",\"payload\":{\"prompt\":\"a "), r.getValue(),
                    ascii(" fox\"}}"));
            byte[] part = concat(ascii("{\"contents\":[{\"parts\":[{\"text\":\""), r.getValue(), ascii("\"}]}]}"));
            // As bytes (a binary content type: the function gets them base64), the JSON parser decodes these into
            // unpaired surrogates, which the intake check refuses.
            Map<String, String> binary = Map.of("content-type", "application/octet-stream");
            cases.add(new Case(r.getKey() + " in the prompt, sent as bytes", r.getKey(), REQUESTS, prompt, binary, 400,
                    "INVALID_FIELD", "payload.prompt"));
            cases.add(new Case(r.getKey() + " in a text part, sent as bytes", r.getKey(), GENERATE, part, binary, 400,
                    "INVALID_FIELD", "contents[0].parts[0].text"));
            // As JSON text, API Gateway (and the local front door) hand the function the body decoded as UTF-8, the
            // bad bytes already replaced by U+FFFD: valid text, which may be stored as it is.
            replaced.add(new Case(r.getKey() + " in the prompt, sent as JSON text", r.getKey(), REQUESTS, prompt,
                    Map.of(), null, null, "payload.prompt"));
            replaced.add(new Case(r.getKey() + " in a text part, sent as JSON text", r.getKey(), GENERATE, part,
                    Map.of(), null, null, "contents[0].parts[0].text"));
        }
        for (Case c : replaced) {
            ApiClient.Response r = run(c);
            if (r.status() == 202 || r.status() == 200) {
                String id = r.status() == 202 ? r.json().path("request_id").asText() : r.json().path("responseId").asText();
                String stored = rs.jobs().get(id).map(Job::request).orElse("");
                if (!stored.contains("\uFFFD") || Utf16.firstUnpaired(stored) >= 0) {
                    problems.add(c.name() + ": accepted, but the stored request does not hold U+FFFD in its place: "
                            + abbreviate(stored));
                }
            }
        }
        cases.forEach(this::run);
        return cases.size() + replaced.size();
    }

    private static Case rq(String inputClass, String singleQuoted, String field) {
        return new Case(inputClass + " at " + field, inputClass, REQUESTS, ascii(singleQuoted.replace('\'', '"')),
                Map.of(), 400, "INVALID_FIELD", field);
    }

    private static Case gen(String inputClass, String singleQuoted, String field) {
        return new Case(inputClass + " at " + field, inputClass, GENERATE, ascii(singleQuoted.replace('\'', '"')),
                Map.of(), 400, "INVALID_FIELD", field);
    }

    /** Header bytes only a raw socket sends: an Idempotency-Key holding the UTF-8 of a surrogate, and a NUL. */
    private int rawHeaderCases(URI base) {
        byte[] body = ascii("{\"model\":\"" + FLASH + "\",\"payload\":{\"prompt\":\"a fox\"}}");
        List<byte[]> keys = List.of(new byte[] {'k', (byte) 0xed, (byte) 0xa0, (byte) 0x80},
                new byte[] {'k', (byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, new byte[] {'k', 0, 'k'});
        int sent = 0;
        for (byte[] key : keys) {
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.writeBytes(ascii("POST " + REQUESTS + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    + "Authorization: Bearer " + KEY.key() + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length + "\r\nIdempotency-Key: "));
            request.writeBytes(key);
            request.writeBytes(ascii("\r\n\r\n"));
            request.writeBytes(body);
            long t0 = System.nanoTime();
            String[] answer = rawHttp(base, request.toByteArray());
            time("headers", System.nanoTime() - t0);
            sent++;
            if (answer == null) {
                count("connection closed");
                continue;
            }
            int status = Integer.parseInt(answer[0]);
            if (status == 400 && answer[1].startsWith("<h1>400 Bad Request</h1>")) {
                count("400 (the local HTTP parser, before any route)");
                continue;
            }
            judge("raw Idempotency-Key " + java.util.HexFormat.of().formatHex(key), status, answer[1], 400,
                    "INVALID_IDEMPOTENCY_KEY", "Idempotency-Key");
        }
        return sent;
    }

    // ------------------------------------------------------------------ running and judging

    private ApiClient.Response run(Case c) {
        Map<String, String> headers = new LinkedHashMap<>(Map.of("content-type", "application/json"));
        headers.putAll(c.headers());
        long t0 = System.nanoTime();
        ApiClient.Response r = api.send("POST", c.path(), headers, c.body());
        time(c.inputClass(), System.nanoTime() - t0);
        judge(c.name(), r.status(), r.body(), c.status(), c.code(), c.field());
        return r;
    }

    private void judge(String what, int status, String body, Integer expectedStatus, String code, String field) {
        JsonNode json;
        try {
            json = Json.parse(body);
        } catch (RuntimeException e) {
            problems.add(what + ": " + status + " with a body that is not JSON: " + abbreviate(body));
            return;
        }
        String gotCode = ApiClient.errorCode(json);
        count(status + (gotCode == null ? "" : " " + gotCode));
        String problem = null;
        if (status >= 500) {
            problem = status + " " + abbreviate(body);
        } else if (status != 200 && body.length() > MAX_BODY_CHARS) {
            // (A 200 is generateContent's finished job, images included: large by nature.)
            problem = "an answer of " + body.length() + " characters";
        } else if (Utf16.firstUnpaired(body) >= 0) {
            problem = "the answer holds an unpaired surrogate: " + abbreviate(body);
        } else if (status >= 400 && (gotCode == null || !json.at("/error/message").isTextual())) {
            problem = "no error shape: " + abbreviate(body);
        } else if (expectedStatus != null && (status != expectedStatus || !code.equals(gotCode)
                || !field.equals(ApiClient.errorField(json)))) {
            problem = "expected " + expectedStatus + " " + code + " at " + field + ", got " + status + " "
                    + abbreviate(body);
        } else if (expectedStatus == null && status == 400 && !"INVALID_JSON".equals(gotCode)
                && !field.equals(ApiClient.errorField(json))) {
            problem = "expected the field " + field + ", got " + abbreviate(body);
        } else if (expectedStatus == null && status != 202 && status != 200 && status != 400) {
            problem = "expected 200, 202 or 400, got " + status + " " + abbreviate(body);
        }
        for (String leak : HostileInputReliabilityTest.LEAKS) {
            if (problem == null && body.contains(leak)) {
                problem = "'" + leak + "' in " + abbreviate(body);
            }
        }
        if (problem != null) {
            problems.add(what + ": " + problem);
        }
        if (status == 202) {
            accepted.add(json.path("request_id").asText());
        } else if (status == 200) {
            answered.add(json.path("responseId").asText());
        }
    }

    private void time(String inputClass, long elapsed) {
        nanos.computeIfAbsent(inputClass, k -> new ArrayList<>()).add(elapsed);
    }

    private void count(String answer) {
        answers.merge(answer, 1, Integer::sum);
    }

    private static String timing(String inputClass, List<Long> list) {
        List<Long> sorted = new ArrayList<>(list);
        Collections.sort(sorted);
        long p50 = sorted.get(Math.max(0, (int) Math.ceil(0.50 * sorted.size()) - 1));
        long p99 = sorted.get(Math.max(0, (int) Math.ceil(0.99 * sorted.size()) - 1));
        return String.format(Locale.ROOT, "%s: n=%d p50=%.1f ms p99=%.1f ms max=%.1f ms", inputClass, sorted.size(),
                p50 / 1e6, p99 / 1e6, sorted.get(sorted.size() - 1) / 1e6);
    }

    /** Every string in every item of the jobs table that holds an unpaired surrogate, as table:key:attribute. */
    private static List<String> unpairedSurrogatesInTable(LocalStack stack) {
        List<String> found = new ArrayList<>();
        ScanIterable pages = stack.dynamoDb().scanPaginator(r -> r.tableName(stack.tableName("JobsTable")));
        pages.items().forEach(item -> item.forEach((name, value) -> {
            if (unpaired(value)) {
                found.add(item.get("request_id") == null ? "?" : item.get("request_id").s() + ":" + name);
            }
        }));
        return found;
    }

    private static boolean unpaired(AttributeValue v) {
        if (v.s() != null && Utf16.firstUnpaired(v.s()) >= 0) {
            return true;
        }
        if (v.hasSs() && v.ss().stream().anyMatch(s -> Utf16.firstUnpaired(s) >= 0)) {
            return true;
        }
        if (v.hasM() && v.m().values().stream().anyMatch(HostileNumbersAndTextReliabilityTest::unpaired)) {
            return true;
        }
        return v.hasL() && v.l().stream().anyMatch(HostileNumbersAndTextReliabilityTest::unpaired);
    }

    private static List<String> drain(LocalStack stack, String queueUrl) {
        List<String> ids = new ArrayList<>();
        int empty = 0;
        while (empty < 2) {
            List<Message> batch = stack.sqs().receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .waitTimeSeconds(1).visibilityTimeout(60)).messages();
            if (batch.isEmpty()) {
                empty++;
                continue;
            }
            for (Message m : batch) {
                ids.add(JobMessage.requestId(m.body()).orElse("?"));
                stack.sqs().deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
            }
        }
        return ids;
    }

    /** Sends bytes, reads until the server closes (30 s at most); {status, body}, or null without an answer. */
    private static String[] rawHttp(URI base, byte[] request) {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            socket.shutdownOutput();
            InputStream in = socket.getInputStream();
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!text.startsWith("HTTP/1.")) {
                return null;
            }
            int bodyAt = text.indexOf("\r\n\r\n");
            String body = bodyAt < 0 ? "" : text.substring(bodyAt + 4);
            if (text.substring(0, Math.max(0, bodyAt)).toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
                body = unchunk(body);
            }
            return new String[] {text.substring(9, 12), body};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String unchunk(String body) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (at < body.length()) {
            int eol = body.indexOf("\r\n", at);
            if (eol < 0) {
                break;
            }
            int size = Integer.parseInt(body.substring(at, eol).trim(), 16);
            if (size == 0) {
                break;
            }
            out.append(body, eol + 2, Math.min(body.length(), eol + 2 + size));
            at = eol + 2 + size + 2;
        }
        return out.toString();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static List<String> append(List<String> keys, String key) {
        List<String> out = new ArrayList<>(keys);
        out.add(key);
        return out;
    }

    private static String abbreviate(String s) {
        return HostileInputReliabilityTest.abbreviate(s);
    }
}
