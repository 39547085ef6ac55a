package imagejobs.it.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.LocalStack;
import imagejobs.local.TestPaths;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;
import imagejobs.shared.queue.JobMessage;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Suite 6, hostile input. A seeded mutation fuzzer over the seed examples (shared/domain/src/test/resources/seeds) and a
 * table of bad inputs sends at least 5,000 inputs per run to the submit and status routes, in-process through the
 * functions exactly as the front door would invoke them (same event builder and route table), then a set of
 * abuses through the real front door: oversized bodies, deep nesting, huge strings, invalid UTF-8, wrong content
 * types, header abuse, broken HTTP framing.
 *
 * <p>Never a 5xx, never a stack trace or internal class name in a body, every error in the one JSON error shape,
 * and nothing enqueued but what was answered 202: during the run the submit function enqueues to a queue of its own,
 * whose messages must be exactly the accepted jobs, as the table's jobs of the fuzz tenant must be. As an oracle for
 * "accepted means valid", a sample of the accepted jobs then goes through the real worker and Gemini simulator
 * (which checks requests as Gemini does): none may come back as a request Gemini refuses.
 *
 * <p>Reproduce a run with -Dimagejobs.fuzz.seed=N (the seed is printed).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class HostileInputReliabilityTest {
    private static final String SUITE = "fuzz";
    private static final int SUBMIT_INPUTS = 3200;
    private static final int STATUS_INPUTS = 1800;
    private static final int ORACLE_SAMPLE = 120;
    /** What must never appear in a body unless the input itself carried it. */
    static final List<String> LEAKS = List.of("Exception", "\tat ", ".java:", "imagejobs.", "java.", "javax.",
            "com.fasterxml", "software.amazon", "org.", "jdk.", "sun.", "StackTrace", "stackTrace", "Caused by",
            "Jackson", "StreamReadConstraints", "AttributeValue", "ConditionalCheck", "dynamodb", "DynamoDb");

    record Input(String route, String method, String path, String query, Map<String, String> headers, byte[] body) {
    }

    record Verdict(int status, String code, String problem) {
    }

    private final Map<String, Map<String, AtomicInteger>> statuses = new ConcurrentHashMap<>();
    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private final Set<String> accepted = ConcurrentHashMap.newKeySet();
    /**
     * Jobs Google's generateContent ran and answered (200, the finished job): stored, but queued by the Google
     * function on the jobs queue (its delayed insurance message), not on this suite's queue.
     */
    private final Set<String> answered = ConcurrentHashMap.newKeySet();
    private final List<String> frontDoorAnswers = Collections.synchronizedList(new ArrayList<>());

    @Test
    void noInputCausesA5xxALeakOrAnEnqueuedInvalidRequest() throws Exception {
        ReliabilityStack rs = ReliabilityStack.get();
        LocalStack stack = rs.stack();
        long seed = Long.getLong("imagejobs.fuzz.seed", 9_000_001L);
        String tenant = ReliabilityStack.FUZZ.tenant();
        String key = ReliabilityStack.FUZZ.key();
        HttpEvents events = new HttpEvents(stack);
        List<JsonNode[]> corpus = corpus(rs.bucket(), tenant);
        List<String> otherTenantIds = rs.tenantJobs(ReliabilityStack.FAULTS.tenant()).stream().map(Job::requestId)
                .limit(20).toList();

        // The submit function enqueues to a queue of its own while the fuzzer runs.
        String fuzzQueue = stack.sqs().createQueue(r -> r.queueName("reliability-fuzz-" + seed)).queueUrl();
        stack.environment().set("SubmitFunction", "JOBS_QUEUE_URL", fuzzQueue);
        stack.function("SubmitFunction").resetInstances();
        long t0 = System.nanoTime();
        AtomicInteger tried = new AtomicInteger();
        try {
            Mutator mutator = new Mutator(seed);
            List<Input> submits = new ArrayList<>();
            for (int i = 0; i < SUBMIT_INPUTS; i++) {
                submits.add(submitInput(mutator, corpus, key, i));
            }
            run(events, submits, tried);
            List<String> ownIds = new ArrayList<>(accepted);
            Collections.sort(ownIds);
            Mutator statusMutator = new Mutator(seed + 1);
            List<Input> reads = new ArrayList<>();
            for (int i = 0; i < STATUS_INPUTS; i++) {
                reads.add(statusInput(statusMutator, key, ownIds, otherTenantIds, i));
            }
            run(events, reads, tried);
        } finally {
            stack.environment().set("SubmitFunction", "JOBS_QUEUE_URL", stack.queueUrl("JobsQueue"));
            stack.function("SubmitFunction").resetInstances();
        }
        long fuzzed = System.nanoTime();

        // Through the front door: what only HTTP can carry.
        int frontDoor = frontDoorAbuse(rs, fuzzQueue);
        long abused = System.nanoTime();

        // Nothing enqueued but the accepted jobs, and every accepted job enqueued once.
        List<String> enqueued = drain(stack, fuzzQueue);
        Set<String> enqueuedSet = new HashSet<>(enqueued);
        List<Job> jobs = rs.tenantJobs(tenant);
        Set<String> tableIds = jobs.stream().map(Job::requestId).collect(Collectors.toSet());
        Set<String> notAccepted = new HashSet<>(tableIds);
        notAccepted.removeAll(accepted);
        notAccepted.removeAll(answered);
        Set<String> notEnqueued = new HashSet<>(accepted);
        notEnqueued.removeAll(enqueuedSet);
        Set<String> enqueuedNotAccepted = new HashSet<>(enqueuedSet);
        enqueuedNotAccepted.removeAll(accepted);

        // The oracle: accepted requests go through the real worker; Gemini (the simulator) must take every one.
        Set<String> stillQueued = jobs.stream().filter(j -> j.status() == JobStatus.QUEUED).map(Job::requestId)
                .collect(Collectors.toSet());
        int cancelledByFuzz = (int) jobs.stream().filter(j -> j.status() == JobStatus.CANCELLED).count();
        List<String> sample = new ArrayList<>(stillQueued);
        Collections.sort(sample);
        Collections.shuffle(sample, new Random(seed));
        sample = sample.subList(0, Math.min(ORACLE_SAMPLE, sample.size()));
        for (String id : sample) {
            stack.sqs().sendMessage(r -> r.queueUrl(stack.queueUrl("JobsQueue")).messageBody(JobMessage.body(id)));
        }
        Set<String> sampled = new HashSet<>(sample);
        Map<String, Integer> oracle = new TreeMap<>();
        List<String> refusedUpstream = new ArrayList<>();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        List<Job> sampledJobs;
        do {
            ReliabilityStack.sleep(500);
            sampledJobs = rs.tenantJobs(tenant).stream().filter(j -> sampled.contains(j.requestId())).toList();
        } while (sampledJobs.stream().anyMatch(j -> !j.status().terminal()) && System.nanoTime() < end);
        for (Job j : sampledJobs) {
            String outcome = j.status() == JobStatus.SUCCESS ? "success" : j.status().wire() + ":"
                    + (j.error() == null ? "?" : j.error().code());
            oracle.merge(outcome, 1, Integer::sum);
            boolean fine = j.status() == JobStatus.SUCCESS || (j.status() == JobStatus.FAILED
                    && Set.of("INVALID_REFERENCE", "NO_IMAGE").contains(j.error().code()));
            if (!fine) {
                refusedUpstream.add(j.requestId() + " " + outcome + ": " + (j.error() == null ? "" : j.error().message())
                        + "\n    request: " + abbreviate(rs.jobs().get(j.requestId()).map(Job::request).orElse("?")));
            }
        }
        // The rest never reach a worker: fail them so nothing of the fuzz tenant stays queued.
        for (String id : accepted) {
            if (!sampled.contains(id)) {
                rs.jobs().failUnfinished(id, new imagejobs.shared.jobs.JobError("FUZZ_CLEANUP",
                        "fuzz input, never processed", false), java.time.Instant.now());
            }
        }
        stack.sqs().deleteQueue(r -> r.queueUrl(fuzzQueue));

        int total = tried.get() + frontDoor;
        ReliabilityStack.figure(SUITE, "seed=" + seed + " inputs=" + total + " (in-process " + tried.get()
                + " in " + String.format("%.1f", (fuzzed - t0) / 1e9) + " s, front door " + frontDoor + " in "
                + String.format("%.1f", (abused - fuzzed) / 1e9) + " s) corpus=" + corpus.size() + " problems="
                + problems.size());
        statuses.forEach((route, byStatus) -> ReliabilityStack.figure(SUITE, route + " " + new TreeMap<>(
                byStatus.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get())))));
        ReliabilityStack.figure(SUITE, "accepted=" + accepted.size() + " jobs_in_table=" + tableIds.size()
                + " enqueued=" + enqueued.size() + " (distinct " + enqueuedSet.size() + ") enqueued_not_accepted="
                + enqueuedNotAccepted.size() + " jobs_not_accepted=" + notAccepted.size() + " accepted_not_enqueued="
                + notEnqueued.size());
        ReliabilityStack.figure(SUITE, "oracle: " + sampledJobs.size() + " accepted jobs through worker and simulator "
                + oracle + " refused_upstream=" + refusedUpstream.size() + " (accepted jobs the status fuzz "
                + "cancelled: " + cancelledByFuzz + ")");
        frontDoorAnswers.forEach(line -> ReliabilityStack.figure(SUITE, "  " + line));

        assertTrue(problems.isEmpty(), problems.size() + " problems:\n" + String.join("\n",
                problems.subList(0, Math.min(60, problems.size()))));
        assertEquals(accepted.size(), enqueued.size(), "one message per accepted job");
        assertTrue(enqueuedNotAccepted.isEmpty() && notAccepted.isEmpty() && notEnqueued.isEmpty(),
                "enqueued " + enqueuedNotAccepted + ", in table " + notAccepted + ", missing " + notEnqueued);
        assertTrue(tried.get() + frontDoor >= 5000, "at least 5,000 inputs");
        assertTrue(refusedUpstream.isEmpty(), "accepted but refused by Gemini:\n" + String.join("\n",
                refusedUpstream));
        rs.deleteObjects("outputs/" + tenant + "/", k -> true);
        rs.assertLogsClean(SUITE);
    }

    // ------------------------------------------------------------------ inputs

    /** The seed examples' bodies with their routes, and a table of bad inputs. */
    private static List<JsonNode[]> corpus(String bucket, String tenant) throws IOException {
        List<JsonNode[]> corpus = new ArrayList<>();
        Path dir = TestPaths.root().resolve("shared/domain/src/test/resources/seeds");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                JsonNode seed = Json.parse(Files.readString(p).replace("${bucket}", bucket)
                        .replace("${tenant}", tenant));
                corpus.add(new JsonNode[] {Json.object().put("route", seed.path("route").asText())
                        .put("model", seed.path("model").asText()), seed.get("body")});
            }
        }
        String flash = "gemini-2.5-flash-image";
        for (String bad : List.of(
                "{'model':'" + flash + "'}",
                "{'model':'" + flash + "','payload':{'prompt':'a fox','aspect_ratio':'1:4'}}",
                "{'model':'" + flash + "','payload':{'prompt':'a','image':['https://a.example.com/1.png',7]}}",
                "{'model':'" + flash + "','payload':{'prompt':'a','image':'s3://" + bucket + "/inputs/relAuthB/x.png'}}",
                "{'model':'" + flash + "','payload':{'prompt':'a','temperature':2.5,'top_p':1.5}}",
                "{'model':'" + flash + "','payload':{'prompt':'a','contents':[]}}",
                "{'model':42,'payload':{'prompt':'a fox'}}",
                "{'model':'gemini-9-ultra','payload':{'prompt':'a fox'}}",
                "{'model':'" + flash + "','payload':{'prompt':'a','response_modalities':['VIDEO']},'webhook':'x'}")) {
            corpus.add(new JsonNode[] {Json.object().put("route", "request-queue").put("model", flash),
                    Json.parse(bad.replace('\'', '"'))});
        }
        for (String bad : List.of(
                "{'contents':[{'role':'system','parts':[{'text':'a'}]}]}",
                "{'contents':[{'role':'user','parts':[{'text':'a'}]},{'role':'model','parts':[{'text':'b'}]}]}",
                "{'contents':[{'parts':[{'text':'a'}]}],'generationConfig':{'candidateCount':2,'topK':0}}",
                "{'contents':[{'parts':[{'text':'a'}]}],'tools':[{'googleSearch':{}}]}",
                "{'contents':[{'parts':[{'text':'edit'},{'inlineData':{'mimeType':'image/png','data':'bm90IGFuIGltYWdl'}}]}]}",
                "{'contents':[{'parts':[{'text':'a'}]}],'safetySettings':[{'category':'HARM_CATEGORY_MEDICAL','threshold':'BLOCK_NONE'}]}",
                "{'contents':[{'parts':[{'fileData':{'fileUri':'https://[fc00::1]/a.png'}},{'text':'a'}]}]}")) {
            corpus.add(new JsonNode[] {Json.object().put("route", "generate-content").put("model", flash),
                    Json.parse(bad.replace('\'', '"'))});
        }
        return corpus;
    }

    /**
     * Edge-case strings for URL paths, which the functions log (as the route): without the base64 image prefixes,
     * which the secrets scan would rightly find there.
     */
    private static final List<String> PATH_STRINGS = Mutator.STRINGS.stream()
            .filter(v -> !v.contains("iVBOR") && !v.contains("/9j/")).toList();

    private static final List<String> CONTENT_TYPES = List.of("application/json", "application/json",
            "application/json", "application/json; charset=utf-8", "text/plain", "application/octet-stream",
            "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/xml", "");

    private Input submitInput(Mutator m, List<JsonNode[]> corpus, String key, int i) {
        JsonNode[] seed = m.pick(corpus);
        String route = seed[0].path("route").asText();
        if (m.random().nextInt(10) == 0) {
            route = route.equals("request-queue") ? "generate-content" : "request-queue";
        }
        byte[] body = i % 25 == 0 ? Json.write(seed[1]).getBytes(StandardCharsets.UTF_8) : m.mutate(seed[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        String contentType = m.pick(CONTENT_TYPES);
        if (!contentType.isEmpty()) {
            headers.put("content-type", contentType);
        }
        headers.putAll(auth(m, key));
        if (m.random().nextInt(8) == 0) {
            headers.put("idempotency-key", m.pick(List.of("k-" + i, "same-key", "", " ", "x".repeat(300),
                    "ключ-" + i, "a\tb")));
        }
        if (m.random().nextInt(20) == 0) {
            headers.put(m.pick(List.of("x-amz-target", "x-forwarded-for", "x-http-method-override", "cookie",
                    "x-tenant", "x-api-tenant")), m.pick(Mutator.STRINGS));
        }
        String path;
        if (route.equals("request-queue")) {
            path = "/v1/requests";
        } else {
            String model = seed[0].path("model").asText();
            String action = switch (m.random().nextInt(10)) {
                case 0 -> m.pick(PATH_STRINGS) + ":generateContent";
                case 1 -> model + ":streamGenerateContent";
                case 2 -> model;
                case 3 -> model + ":countTokens";
                default -> model + ":generateContent";
            };
            path = "/v1beta/models/" + URLEncoder.encode(action, StandardCharsets.UTF_8).replace("+", "%20")
                    .replace("%3A", ":");
        }
        return new Input("submit " + (route.equals("request-queue") ? "/v1/requests" : "/v1beta/...:generateContent"),
                "POST", path, null, headers, body);
    }

    private Input statusInput(Mutator m, String key, List<String> own, List<String> others, int i) {
        Map<String, String> headers = new LinkedHashMap<>(auth(m, key));
        String id = switch (m.random().nextInt(8)) {
            case 0, 1 -> own.isEmpty() ? "01M8000000000000000000000" : m.pick(own);
            case 2 -> others.isEmpty() ? "01M8000000000000000000001" : m.pick(others);
            case 3 -> "01M8" + Long.toString(Math.abs(m.random().nextLong()), 32).toUpperCase();
            case 4 -> "x".repeat(1 + m.random().nextInt(3000));
            default -> m.pick(PATH_STRINGS);
        };
        String encoded = id.isEmpty() ? "%20" : URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
        return switch (i % 4) {
            case 0 -> new Input("status GET /v1/requests/{id}", "GET", "/v1/requests/" + encoded, null, headers, null);
            case 1 -> new Input("status POST /v1/requests/{id}/cancel", "POST", "/v1/requests/" + encoded + "/cancel",
                    null, headers, m.random().nextBoolean() ? null : m.mutate(Json.object().put("reason", "x")));
            case 2 -> new Input("status GET /v1/requests?...", "GET", "/v1/requests", listQuery(m), headers, null);
            default -> new Input("status GET /v1/models/{model}", "GET", "/v1/models/" + encoded, null, headers, null);
        };
    }

    private String listQuery(Mutator m) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < 1 + m.random().nextInt(4); i++) {
            String name = m.pick(List.of("status", "model", "limit", "cursor", "created_after", "created_before",
                    "status", "limit", "cursor", "order", "tenant", ""));
            String value = switch (name) {
                case "status" -> m.pick(List.of("queued", "success", "failed,processing", "cancelled", "QUEUED",
                        "bogus", "", "success,success,success"));
                case "limit" -> m.pick(List.of("0", "1", "-1", "100", "101", "1e3", "abc", "99999999999999999999",
                        " 5", "5.5"));
                case "cursor" -> cursor(m);
                case "created_after", "created_before" -> m.pick(List.of("2026-01-01T00:00:00Z", "2026-13-40",
                        "0", "-1", "9999-12-31T23:59:59.999999999Z", "yesterday"));
                default -> m.pick(Mutator.STRINGS);
            };
            parts.add(URLEncoder.encode(name, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(value,
                    StandardCharsets.UTF_8));
        }
        return String.join("&", parts);
    }

    private static String cursor(Mutator m) {
        byte[] bytes = new byte[m.pick(List.of(0, 1, 16, 40, 64, 200))];
        m.random().nextBytes(bytes);
        String c = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        return m.random().nextInt(5) == 0 ? c + "!!" : c;
    }

    private static Map<String, String> auth(Mutator m, String key) {
        return switch (m.random().nextInt(40)) {
            case 0 -> Map.of();
            case 1 -> Map.of("authorization", "Bearer " + key + "x");
            case 2 -> Map.of("authorization", "Basic " + Base64.getEncoder().encodeToString(key.getBytes()));
            case 3 -> Map.of("authorization", "Bearer " + key + "," + "Bearer ij_other");
            case 4 -> Map.of("x-api-key", key);
            case 5 -> Map.of("x-goog-api-key", key + " ");
            case 6 -> Map.of("authorization", "Bearer \u00e9" + key);
            default -> Map.of("authorization", "Bearer " + key);
        };
    }

    // ------------------------------------------------------------------ running and judging

    private void run(HttpEvents events, List<Input> inputs, AtomicInteger tried) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Input input : inputs) {
                futures.add(pool.submit(() -> {
                    Optional<HttpEvents.Answer> answer = events.call(input.method(), input.path(), input.query(),
                            input.headers(), input.body());
                    tried.incrementAndGet();
                    if (answer.isEmpty()) {
                        count(input.route(), "404 (no route: API Gateway answers)");
                        return;
                    }
                    judge(input, answer.get().status(), answer.get().body(), answer.get().functionError());
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    private void count(String route, String status) {
        statuses.computeIfAbsent(route, k -> new ConcurrentHashMap<>()).computeIfAbsent(status,
                k -> new AtomicInteger()).incrementAndGet();
    }

    private void judge(Input input, int status, String body, String functionError) {
        JsonNode json = null;
        try {
            json = body == null || body.isEmpty() ? null : Json.parse(body);
        } catch (RuntimeException ignored) {
            // judged below
        }
        String code = ApiClient.errorCode(json);
        count(input.route(), status + (code == null ? "" : " " + code));
        String inputText = new String(input.body() == null ? new byte[0] : input.body(), StandardCharsets.UTF_8)
                + input.path() + input.query() + input.headers();
        String what = input.method() + " " + abbreviate(input.path() + (input.query() == null ? "" : "?"
                + input.query())) + " " + abbreviate(new String(input.body() == null ? new byte[0] : input.body(),
                StandardCharsets.UTF_8));
        if (functionError != null) {
            problems.add("function error " + functionError + " for " + what);
            return;
        }
        if (status >= 500) {
            problems.add(status + " for " + what + ": " + abbreviate(body));
        }
        // Google's streamGenerateContent without alt=sse answers a JSON array of responses, as Google does.
        boolean streamArray = status == 200 && json != null && json.isArray()
                && input.path().contains(":streamGenerateContent");
        if (json == null || !(json.isObject() || streamArray)) {
            problems.add(status + " with a body that is not a JSON object for " + what + ": " + abbreviate(body));
            return;
        }
        if (status >= 400 && (code == null || !json.at("/error/message").isTextual())) {
            problems.add(status + " without the error shape for " + what + ": " + abbreviate(body));
        }
        for (String leak : LEAKS) {
            if (body.contains(leak) && !inputText.contains(leak)) {
                problems.add("'" + leak + "' in the body of " + status + " for " + what + ": " + abbreviate(body));
            }
        }
        if (status == 202) {
            accepted.add(json.path("request_id").asText());
        } else if (status == 200) {
            answered.add((json.isArray() ? json.path(0) : json).path("responseId").asText());
        } else if (json.at("/error/details").findValue("request_id") != null) {
            // A Google-shaped error about a job that was created and ran (it failed, e.g. INVALID_REFERENCE).
            answered.add(json.at("/error/details").findValue("request_id").asText());
        }
    }

    static String abbreviate(String s) {
        if (s == null) {
            return "null";
        }
        String flat = s.replace("\n", "\\n");
        return flat.length() <= 300 ? flat : flat.substring(0, 300) + "…(" + flat.length() + " chars)";
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

    // ------------------------------------------------------------------ the front door

    /** Abuses only HTTP can carry; each answer judged like the fuzz inputs. Returns how many were sent. */
    private int frontDoorAbuse(ReliabilityStack rs, String fuzzQueue) {
        LocalStack stack = rs.stack();
        // Through the front door the submit function must enqueue to the fuzz queue too.
        stack.environment().set("SubmitFunction", "JOBS_QUEUE_URL", fuzzQueue);
        stack.function("SubmitFunction").resetInstances();
        URI base = stack.apiUrl();
        String key = ReliabilityStack.FUZZ.key();
        String model = "gemini-2.5-flash-image";
        int sent = 0;
        try {
            Map<String, byte[]> bodies = new LinkedHashMap<>();
            bodies.put("7 MB body (over MAX_BODY_BYTES)", json(model, "x".repeat(7_000_000)));
            bodies.put("11 MB body (over API Gateway's 10 MB)", json(model, "y".repeat(11_000_000)));
            bodies.put("5 MB prompt", json(model, "z".repeat(5_000_000)));
            bodies.put("100,000 nested arrays", ("{\"model\":\"" + model + "\",\"payload\":" + "[".repeat(100_000)
                    + "]".repeat(100_000) + "}").getBytes(StandardCharsets.UTF_8));
            bodies.put("2,000 nested objects", ("{\"a\":".repeat(2000) + "1" + "}".repeat(2000))
                    .getBytes(StandardCharsets.UTF_8));
            bodies.put("a 1,000,000-digit number", ("{\"model\":\"" + model + "\",\"payload\":{\"prompt\":\"a\","
                    + "\"temperature\":" + "9".repeat(1_000_000) + "}}").getBytes(StandardCharsets.UTF_8));
            bodies.put("100,000 fields", ("{" + java.util.stream.IntStream.range(0, 100_000).mapToObj(i -> "\"f" + i
                    + "\":1").collect(Collectors.joining(",")) + "}").getBytes(StandardCharsets.UTF_8));
            byte[] invalid = json(model, "a fox QQ");
            int q = new String(invalid, StandardCharsets.ISO_8859_1).indexOf("QQ");
            invalid[q] = (byte) 0xc3;
            invalid[q + 1] = (byte) 0x28;
            bodies.put("invalid UTF-8 in the prompt", invalid);
            bodies.put("UTF-16 body", new String(json(model, "a fox"), StandardCharsets.UTF_8)
                    .getBytes(StandardCharsets.UTF_16));
            bodies.put("NUL bytes", new byte[] {0, 0, 0, '{', '}'});
            bodies.put("empty", new byte[0]);
            for (Map.Entry<String, byte[]> e : bodies.entrySet()) {
                for (String contentType : List.of("application/json", "text/plain", "application/octet-stream")) {
                    sent++;
                    judgeRaw("front door: " + e.getKey() + " as " + contentType, http(base, "POST", "/v1/requests",
                            Map.of("authorization", "Bearer " + key, "content-type", contentType), e.getValue()),
                            e.getValue());
                }
            }
            byte[] ok = json(model, "a fox on the front door");
            Map<String, Map<String, String>> headerAbuse = new LinkedHashMap<>();
            headerAbuse.put("no content type", Map.of("authorization", "Bearer " + key));
            headerAbuse.put("multipart", Map.of("authorization", "Bearer " + key, "content-type",
                    "multipart/form-data; boundary=----x"));
            headerAbuse.put("form", Map.of("authorization", "Bearer " + key, "content-type",
                    "application/x-www-form-urlencoded"));
            headerAbuse.put("xml", Map.of("authorization", "Bearer " + key, "content-type", "application/xml"));
            headerAbuse.put("json with a bogus charset", Map.of("authorization", "Bearer " + key, "content-type",
                    "application/json; charset=x-bogus"));
            headerAbuse.put("20 KB key", Map.of("authorization", "Bearer " + "k".repeat(20_000), "content-type",
                    "application/json"));
            headerAbuse.put("two keys, two tenants", Map.of("authorization", "Bearer " + key, "x-api-key",
                    ReliabilityStack.AUTH_B.key(), "content-type", "application/json"));
            headerAbuse.put("8 KB idempotency key", Map.of("authorization", "Bearer " + key, "idempotency-key",
                    "i".repeat(8_000), "content-type", "application/json"));
            headerAbuse.put("non-ASCII idempotency key", Map.of("authorization", "Bearer " + key, "idempotency-key",
                    "schl\u00fcssel-\u2603", "content-type", "application/json"));
            headerAbuse.put("content-encoding gzip (not gzipped)", Map.of("authorization", "Bearer " + key,
                    "content-encoding", "gzip", "content-type", "application/json"));
            headerAbuse.put("method override", Map.of("authorization", "Bearer " + key, "x-http-method-override",
                    "DELETE", "content-type", "application/json"));
            Map<String, String> many = new LinkedHashMap<>();
            many.put("authorization", "Bearer " + key);
            many.put("content-type", "application/json");
            for (int i = 0; i < 300; i++) {
                many.put("x-h" + i, "v".repeat(50));
            }
            headerAbuse.put("300 headers", many);
            for (Map.Entry<String, Map<String, String>> e : headerAbuse.entrySet()) {
                sent++;
                judgeRaw("front door: " + e.getKey(), http(base, "POST", "/v1/requests", e.getValue(), ok), ok);
            }
            // Broken framing, only a raw socket can send.
            List<String> raw = List.of(
                    "POST /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                            + "\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"model\":",
                    "POST /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                            + "\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n",
                    "POST /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                            + "\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}",
                    "GET /v1/requests/%00%ff%2e%2e HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\n\r\n",
                    "GET /v1/requests?cursor=%ZZ&limit=%%% HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                            + "\r\n\r\n",
                    "GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                            + "\r\nX-Folded: a\r\n b\r\n\r\n",
                    "GET /v1/../../etc/passwd HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\n\r\n",
                    "BREW /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\n\r\n");
            for (String request : raw) {
                sent++;
                RawAnswer answer = rawHttp(base, request);
                if (answer != null) {
                    judgeRaw("front door raw: " + abbreviate(request), answer,
                            request.getBytes(StandardCharsets.ISO_8859_1));
                } else {
                    count("front door", "connection closed without an answer");
                }
            }
        } finally {
            stack.environment().set("SubmitFunction", "JOBS_QUEUE_URL", stack.queueUrl("JobsQueue"));
            stack.function("SubmitFunction").resetInstances();
        }
        return sent;
    }

    record RawAnswer(int status, String body) {
    }

    /**
     * Judges an answer of the front door. Answers API Gateway gives itself, before any function runs (unknown
     * route, body over its 10 MB, broken HTTP), have its shape, {"message": "..."}; every other answer is the
     * functions' and is judged like the fuzz inputs.
     */
    private void judgeRaw(String what, RawAnswer answer, byte[] input) {
        if (answer == null) {
            count("front door", "connection closed without an answer");
            frontDoorAnswers.add(what + " -> connection closed");
            return;
        }
        frontDoorAnswers.add(what + " -> " + answer.status() + " " + abbreviate(answer.body()).replaceAll(
                "(\"request_id\":\"[^\"]*\").*", "$1…"));
        if (answer.status() == 400 && answer.body().startsWith("<h1>400 Bad Request</h1>")) {
            // The local stack's HTTP parser (the JDK's HttpServer) refusing a malformed request line or headers
            // before any route; in AWS, API Gateway parses HTTP and no function is involved either.
            count("front door", "400 (the local HTTP parser, before any route)");
            return;
        }
        JsonNode json = null;
        try {
            json = Json.parse(answer.body());
        } catch (RuntimeException ignored) {
            // judged below
        }
        if (json != null && json.isObject() && json.size() == 1 && json.path("message").isTextual()
                && answer.status() < 500) {
            count("front door", answer.status() + " (API Gateway's own answer)");
            for (String leak : LEAKS) {
                if (answer.body().contains(leak)) {
                    problems.add("'" + leak + "' in the front door's own answer for " + what + ": " + answer.body());
                }
            }
            return;
        }
        judge(new Input("front door", "?", what, null, Map.of(), input), answer.status(), answer.body(), null);
    }

    private static byte[] json(String model, String prompt) {
        return ("{\"model\":\"" + model + "\",\"payload\":{\"prompt\":\"" + prompt + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static RawAnswer http(URI base, String method, String path, Map<String, String> headers, byte[] body) {
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Connection: close\r\nContent-Length: " + body.length + "\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        head.append("\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return rawHttp(base, all);
    }

    private static RawAnswer rawHttp(URI base, String request) {
        return rawHttp(base, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Sends bytes, reads the answer until the server closes (or 30 s); null when it closed without one. */
    private static RawAnswer rawHttp(URI base, byte[] request) {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
                socket.shutdownOutput();
            } catch (IOException e) {
                // the server may stop reading (too large) and answer anyway
            }
            InputStream in = socket.getInputStream();
            byte[] response;
            try {
                response = in.readAllBytes();
            } catch (IOException e) {
                return null;
            }
            String text = new String(response, StandardCharsets.UTF_8);
            if (!text.startsWith("HTTP/1.")) {
                return null;
            }
            int status = Integer.parseInt(text.substring(9, 12));
            int bodyAt = text.indexOf("\r\n\r\n");
            String body = bodyAt < 0 ? "" : text.substring(bodyAt + 4);
            if (text.toLowerCase().contains("transfer-encoding: chunked")) {
                body = unchunk(body);
            }
            return new RawAnswer(status, body);
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
}
