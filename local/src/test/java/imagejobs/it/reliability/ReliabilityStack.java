package imagejobs.it.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.LocalStack;
import imagejobs.local.LocalStackConfig;
import imagejobs.local.GeminiBackend;
import imagejobs.local.TestPaths;
import imagejobs.local.gemini.GeminiSimulator;
import imagejobs.local.gemini.GeminiSimulatorConfig;
import imagejobs.local.resources.LocalKey;
import imagejobs.shared.auth.ApiKey;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.adapters.dynamo.DynamoJobStore;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.json.Json;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The stack the reliability suites share (one per test JVM, like {@code ServiceStack}, but its own, because these
 * suites need what the shared one must not have):
 * <ul>
 * <li>the repository's template with the worker's Timeout (and WORKER_TIMEOUT_SECONDS) cut from 300 to 31 s, so a
 * Gemini timeout costs 11 s per attempt instead of the catalog's 120 s. 31 s is the shortest timeout that works:
 * the worker keeps 20 s for uploads and the final write and wants at least 10 s for the call, so at 30 s (minus the
 * few milliseconds already spent) it never claims a job and every message ends in the dead-letter queue;</li>
 * <li>WorkerMaxConcurrency 16 instead of 5, for the 2,000-job load;</li>
 * <li>API keys of its own tenants with high per-minute rates (the fuzzer alone sends thousands of submits), one of
 * them disabled, and no per-key read limit (READ_RATE_PER_MINUTE=0: the status fuzz sends thousands of reads);</li>
 * <li>the functions reach DynamoDB, SQS and S3 through {@link FaultProxy}s, so a suite can take a service away;</li>
 * <li>everything the functions and the stack log is captured ({@link LogCapture}) for the secrets scan;</li>
 * <li>the Gemini simulator keeps up to 100,000 requests in its log, so upstream calls can be counted per job.</li>
 * </ul>
 * The functions otherwise run with the production defaults, plus RETRY_BASE_MILLIS=20, ALLOW_LOOPBACK_REFERENCES=true
 * and MAX_QUEUE_SECONDS=60 as on the shared stack (a job answered 429 on every call ends in QUEUE_TIMEOUT after a
 * minute; 429s pause their model for every worker, so suites send them to a model of their own).
 */
final class ReliabilityStack {
    static final String PREFIX = "RELIABILITY";
    static final int WORKER_TIMEOUT_SECONDS = 31;
    static final int WORKER_CONCURRENCY = 16;
    static final int MAX_ATTEMPTS = 4;
    static final int RATE_PER_MINUTE = 1_000_000;
    static final String GEMINI_KEY = "local-gemini-simulator-key";
    static final Set<String> TERMINAL = Set.of("success", "failed", "cancelled");

    static final LocalKey FAULTS = key("relFaults");
    static final LocalKey AWS = key("relAws");
    static final LocalKey DUPLICATES = key("relDup");
    static final LocalKey FUZZ = key("relFuzz");
    static final LocalKey AUTH_A = key("relAuthA");
    static final LocalKey AUTH_B = key("relAuthB");
    /** Tenant relAuthA's second key, disabled. */
    static final LocalKey AUTH_A_DISABLED = new LocalKey("relAuthA", "ij_rel_relautha_disabled_k3y");
    static final LocalKey SECRETS = key("relSecrets");
    static final List<LocalKey> LOAD = List.of(key("relLoad0"), key("relLoad1"), key("relLoad2"), key("relLoad3"),
            key("relLoad4"), key("relLoad5"), key("relLoad6"), key("relLoad7"));

    private static ReliabilityStack instance;

    private final LocalStack stack;
    private final LogCapture logs;
    private final FaultProxy dynamoDb;
    private final FaultProxy sqs;
    private final FaultProxy s3;
    private final DynamoJobStore jobs;
    private final Instant started;
    private final Duration startup;

    private static LocalKey key(String tenant) {
        return new LocalKey(tenant, "ij_rel_" + tenant.toLowerCase() + "_k3y");
    }

    static List<LocalKey> allKeys() {
        List<LocalKey> keys = new ArrayList<>(List.of(FAULTS, AWS, DUPLICATES, FUZZ, AUTH_A, AUTH_B, AUTH_A_DISABLED,
                SECRETS));
        keys.addAll(LOAD);
        return keys;
    }

    private ReliabilityStack() {
        long t0 = System.nanoTime();
        this.started = Instant.now();
        this.logs = new LogCapture(Boolean.getBoolean("imagejobs.verbose") ? System.out : null);
        LocalStack[] holder = new LocalStack[1];
        long[] phases = new long[2];
        FaultProxy[] proxies = new FaultProxy[3];
        logs.captureStdoutWhile(() -> {
            LocalStack s = LocalStack.start(LocalStackConfig.builder(TestPaths.root())
                    .template(shortWorkerTemplate())
                    .parameter("WorkerMaxConcurrency", Integer.toString(WORKER_CONCURRENCY))
                    .keys(List.of())
                    .startGeminiSimulator(true)
                    .geminiStarter(ReliabilityStack::simulator)
                    .functionEnvironment("RETRY_BASE_MILLIS", "20")
                    .functionEnvironment("ALLOW_LOOPBACK_REFERENCES", "true")
                    .functionEnvironment("READ_RATE_PER_MINUTE", "0")
                    .functionEnvironment("MAX_QUEUE_SECONDS", "60")
                    .out(logs.stream())
                    .build());
            holder[0] = s;
            phases[0] = System.nanoTime();
            try {
                proxies[0] = FaultProxy.start("dynamodb", s.dynamoDbEndpoint());
                proxies[1] = FaultProxy.start("sqs", s.sqsEndpoint());
                proxies[2] = FaultProxy.start("s3", s.s3Endpoint());
                s.environment().setForAll("AWS_ENDPOINT_URL_DYNAMODB", proxies[0].endpoint().toString());
                s.environment().setForAll("AWS_ENDPOINT_URL_SQS", proxies[1].endpoint().toString());
                s.environment().setForAll("AWS_ENDPOINT_URL_S3", proxies[2].endpoint().toString());
                s.functions().values().forEach(f -> f.resetInstances());
                seedKeys(s);
                warmUp(s);
                phases[1] = System.nanoTime();
            } catch (RuntimeException e) {
                s.close();
                throw e;
            }
        });
        this.stack = holder[0];
        this.dynamoDb = proxies[0];
        this.sqs = proxies[1];
        this.s3 = proxies[2];
        this.jobs = new DynamoJobStore(stack.dynamoDb(), stack.tableName("JobsTable"));
        this.startup = Duration.ofNanos(System.nanoTime() - t0);
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "reliability-stack-stop"));
        figure("stack", "startup_ms=" + startup.toMillis() + " (emulators, resources, simulator: "
                + (phases[0] - t0) / 1_000_000 + " ms; proxies, keys, cold starts: " + (phases[1] - phases[0]) / 1_000_000
                + " ms) worker_timeout_s=" + WORKER_TIMEOUT_SECONDS
                + " worker_concurrency=" + WORKER_CONCURRENCY + " max_attempts=" + MAX_ATTEMPTS);
    }

    static synchronized ReliabilityStack get() {
        if (instance == null) {
            instance = new ReliabilityStack();
        }
        return instance;
    }

    private static GeminiBackend simulator(int port, String apiKey) {
        GeminiSimulator simulator = GeminiSimulator.start(GeminiSimulatorConfig.defaults().withPort(port)
                .withApiKey(apiKey).withRequestLog(100_000, 256L << 20).withHangLimit(Duration.ofSeconds(15)));
        return new GeminiBackend() {
            @Override
            public String baseUrl() {
                return simulator.baseUrl();
            }

            @Override
            public int port() {
                return simulator.port();
            }

            @Override
            public Object handle() {
                return simulator;
            }

            @Override
            public void close() {
                simulator.close();
            }
        };
    }

    /** template.yaml with absolute CodeUris and a 30 s worker; fails loudly should the template change shape. */
    private static Path shortWorkerTemplate() {
        Path root = TestPaths.root();
        try {
            String text = Files.readString(TestPaths.template(), StandardCharsets.UTF_8);
            String changed = replaceOnce(text, "      Timeout: 300\n", "      Timeout: " + WORKER_TIMEOUT_SECONDS + "\n");
            changed = replaceOnce(changed, "WORKER_TIMEOUT_SECONDS: 300", "WORKER_TIMEOUT_SECONDS: "
                    + WORKER_TIMEOUT_SECONDS);
            Matcher m = Pattern.compile("CodeUri: (functions/\\S+)").matcher(changed);
            StringBuilder out = new StringBuilder();
            int codeUris = 0;
            while (m.find()) {
                m.appendReplacement(out, Matcher.quoteReplacement("CodeUri: " + root.resolve(m.group(1))));
                codeUris++;
            }
            m.appendTail(out);
            if (codeUris < 4) {
                throw new IllegalStateException("template.yaml has " + codeUris + " CodeUris; expected 5");
            }
            Path dir = Files.createTempDirectory("imagejobs-reliability-");
            Path template = dir.resolve("template.yaml");
            Files.writeString(template, out.toString(), StandardCharsets.UTF_8);
            template.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return template;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String replaceOnce(String text, String from, String to) {
        int at = text.indexOf(from);
        if (at < 0 || text.indexOf(from, at + 1) >= 0) {
            throw new IllegalStateException("template.yaml no longer has exactly one '" + from.strip()
                    + "'; update ReliabilityStack");
        }
        return text.replace(from, to);
    }

    private static void seedKeys(LocalStack s) {
        DynamoKeyStore keys = new DynamoKeyStore(s.dynamoDb(), s.tableName("KeysTable"));
        Instant now = Instant.now();
        for (LocalKey k : allKeys()) {
            String hash = ApiKey.hash(k.key());
            boolean active = k != AUTH_A_DISABLED;
            keys.put(new KeyRecord(hash, ApiKey.idForHash(hash), k.tenant(), active, RATE_PER_MINUTE, now,
                    "reliability"));
        }
    }

    /** One call per function, so each one's logger is created while System.out is captured. */
    private static void warmUp(LocalStack s) {
        HttpEvents events = new HttpEvents(s);
        Map<String, String> firstEvents = Map.of(
                "StatusFunction", events.event("GET", "/v1/models", null, Map.of(), (String) null),
                "SubmitFunction", events.event("POST", "/v1/requests", null, Map.of(), "{}"),
                "WorkerFunction", "{\"Records\":[]}",
                "DeadLetterFunction", "{\"Records\":[]}",
                "EditTriggerFunction", "{\"Records\":[]}");
        firstEvents.entrySet().parallelStream().forEach(e -> s.function(e.getKey()).invoke(e.getValue()));
    }

    LocalStack stack() {
        return stack;
    }

    LogCapture logs() {
        return logs;
    }

    FaultProxy dynamoDbProxy() {
        return dynamoDb;
    }

    FaultProxy sqsProxy() {
        return sqs;
    }

    FaultProxy s3Proxy() {
        return s3;
    }

    JobStore jobs() {
        return jobs;
    }

    Duration startup() {
        return startup;
    }

    GeminiSimulator simulator() {
        return stack.geminiSimulator().orElseThrow();
    }

    String bucket() {
        return stack.bucketName("ImagesBucket");
    }

    ApiClient api(LocalKey key) {
        return new ApiClient(stack.apiUrl(), key == null ? null : key.key());
    }

    /** Every job of a tenant (summaries from the listing index), newest first. */
    List<Job> tenantJobs(String tenant) {
        List<Job> all = new ArrayList<>();
        JobStore.Position after = null;
        do {
            JobStore.JobPage page = jobs.list(tenant, new JobStore.ListQuery(Set.of(), null, null, null, 1000, after));
            all.addAll(page.jobs());
            after = page.next();
        } while (after != null);
        return all;
    }

    /** Waits until {@code expected} jobs of the tenant exist and all are terminal; returns them. */
    List<Job> awaitTerminal(String tenant, int expected, Duration limit) {
        long end = System.nanoTime() + limit.toNanos();
        List<Job> last = List.of();
        while (System.nanoTime() < end) {
            last = tenantJobs(tenant);
            if (last.size() >= expected && last.stream().allMatch(j -> j.status().terminal())) {
                return last;
            }
            sleep(250);
        }
        Map<String, Long> byStatus = new LinkedHashMap<>();
        last.forEach(j -> byStatus.merge(j.status().wire(), 1L, Long::sum));
        throw new AssertionError("after " + limit.toSeconds() + " s, tenant " + tenant + " has " + last.size()
                + " of " + expected + " jobs, by status " + byStatus + "; not terminal: "
                + last.stream().filter(j -> !j.status().terminal()).limit(5).map(j -> j.requestId() + " "
                + j.status().wire() + " attempts=" + j.attempts() + " last_error=" + j.lastError()).toList());
    }

    /** Upstream calls grouped by the marker each prompt carries (a regex with one group), oldest first. */
    Map<String, List<JsonNode>> upstreamCalls(Pattern marker) {
        Map<String, List<JsonNode>> calls = new HashMap<>();
        for (JsonNode request : simulator().requests()) {
            Matcher m = marker.matcher(Json.write(request.path("body")));
            if (m.find()) {
                calls.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(request);
            }
        }
        return calls;
    }

    /** Keys under a prefix of the images bucket. */
    List<String> objects(String prefix) {
        List<String> keys = new ArrayList<>();
        String token = null;
        do {
            String t = token;
            ListObjectsV2Response page = stack.s3().listObjectsV2(r -> r.bucket(bucket()).prefix(prefix)
                    .continuationToken(t));
            page.contents().stream().map(S3Object::key).forEach(keys::add);
            token = page.isTruncated() ? page.nextContinuationToken() : null;
        } while (token != null);
        return keys;
    }

    /** Frees the in-memory S3 of a suite's objects once it has checked them (S3Proxy keeps every byte on the heap). */
    int deleteObjects(String prefix, Predicate<String> which) {
        int n = 0;
        for (String key : objects(prefix)) {
            if (which.test(key)) {
                stack.s3().deleteObject(r -> r.bucket(bucket()).key(key));
                n++;
            }
        }
        return n;
    }

    /**
     * What must never appear in a log line: every API key the suites present (each also ends up inside the wrong
     * keys they derive from it), the Gemini key, the emulators' AWS secret, base64 image data (PNG, JPEG, WebP,
     * GIF magic numbers as base64) and presigned URL signatures.
     */
    static List<String> secrets() {
        List<String> needles = new ArrayList<>();
        allKeys().forEach(k -> needles.add(k.key()));
        needles.add("ij_rel_not_a_key");
        needles.add(GEMINI_KEY);
        needles.add(imagejobs.local.emulators.LocalCredentials.SECRET_ACCESS_KEY);
        needles.addAll(List.of("iVBORw0KGgo", "/9j/", "UklGR", "R0lGOD", "X-Amz-Signature", "X-Amz-Credential",
                "sekrit-"));
        return needles;
    }

    /** Scans everything captured so far for {@link #secrets()}; prints the figures and fails on any hit. */
    void assertLogsClean(String suite) {
        String text = logs.text();
        long lines = text.chars().filter(c -> c == '\n').count();
        long jsonLines = text.lines().filter(l -> l.startsWith("{")).count();
        Map<String, List<String>> found = LogCapture.find(text, secrets(), 3);
        figure(suite, "logs scanned: " + text.length() + " chars, " + lines + " lines (" + jsonLines
                + " JSON), secrets looked for: " + secrets().size() + ", found: " + found.keySet());
        if (!found.isEmpty()) {
            throw new AssertionError("secrets in the logs:\n" + found.entrySet().stream().map(e -> e.getKey()
                    + ":\n  " + String.join("\n  ", e.getValue())).collect(java.util.stream.Collectors.joining("\n")));
        }
    }

    /** Prints one line of figures with a prefix that makes them easy to find and copy. */
    static void figure(String suite, String text) {
        System.out.println(PREFIX + " | " + suite + " | " + text);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops everything; the captured log stays in local/target/reliability/stack.log for a look after a failure. */
    private synchronized void close() {
        try {
            Path dir = TestPaths.root().resolve("local/target/reliability");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("stack.log"), logs.text(), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            System.err.println("could not keep the reliability stack's log: " + e);
        }
        stack.close();
        dynamoDb.close();
        sqs.close();
        s3.close();
    }
}
