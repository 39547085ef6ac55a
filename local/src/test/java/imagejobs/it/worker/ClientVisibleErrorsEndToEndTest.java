package imagejobs.it.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.adapters.http.SafeUrlFetcher;
import imagejobs.it.ServiceStack;
import imagejobs.local.runtime.FunctionEnvironment;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.gemini.GeminiClient;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.json.Json;
import imagejobs.shared.queue.JobQueue;
import imagejobs.shared.status.JobView;
import imagejobs.shared.log.Metrics;
import imagejobs.shared.worker.Backoff;
import imagejobs.shared.worker.JobProcessor;
import imagejobs.shared.worker.WorkerPolicy;
import imagejobs.shared.worker.WorkerPorts;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import imagejobs.adapters.gemini.HttpGeminiClient;
import imagejobs.adapters.aws.AwsFailures;
import imagejobs.shared.errors.DependencyFailure;
import imagejobs.testing.InMemoryJobStore;
import imagejobs.testing.InMemoryObjectStore;
import imagejobs.testing.MutableClock;

/**
 * Every way the worker can fail a job, and every text a client can read about it: the job's {@code error.message}
 * (one job and the listing) and the {@code last_error} a poller sees between attempts. None may name a Java class
 * (ConnectException, SSLHandshakeException, IllegalStateException, …) or a package; the log keeps those (issue 14,
 * item 7).
 *
 * <p>Two halves: reference downloads and Gemini's answers through the whole stack (a scripted raw image server on
 * 127.0.0.1, the simulator's fault directives, S3 objects that are missing or no image); and what only an
 * in-process worker can provoke (Gemini's connection refused, reset or cut; S3, DynamoDB and plain bugs failing an
 * attempt), with the production JobProcessor and GeminiClient on in-memory stores, the texts rendered by the status
 * API's own JobView.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ClientVisibleErrorsEndToEndTest {
    /** A Java class name (…Exception, …Error) or a dotted package name, or a stack frame. */
    static final Pattern JAVA_NAME = Pattern.compile(
            "\\b[A-Z][A-Za-z0-9]*(Exception|Error)\\b"
                    + "|\\b(java|javax|jdk|sun|com\\.fasterxml|com\\.amazonaws|software\\.amazon|imagejobs|org)\\.[a-z]"
                    + "|\\tat |\\.java:\\d");
    private static final String MODEL = "gemini-2.5-flash-image";

    private static WorkerStack.Tenant tenant;
    private static SsrfFixtures.ImageHost host;
    private static final ExecutorService THREADS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "scripted-server");
        t.setDaemon(true);
        return t;
    });
    private static final List<ServerSocket> SERVERS = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        tenant = WorkerStack.tenant("wclienterr");
        host = new SsrfFixtures.ImageHost();
    }

    @AfterAll
    static void stop() throws IOException {
        host.close();
        for (ServerSocket s : SERVERS) {
            s.close();
        }
        THREADS.shutdownNow();
    }

    @Test
    void stackFailuresNameNoJavaClass() throws IOException {
        Map<String, String> references = new LinkedHashMap<>();
        for (String script : List.of("close", "reset", "not-http", "huge-headers", "long-line", "short-body",
                "bad-chunk", "silent")) {
            references.put(script, "http://127.0.0.1:" + scripted(script, true) + "/cat.png");
        }
        references.put("tls-to-plain", "https://127.0.0.1:" + scripted("plain", false) + "/cat.png");
        references.put("refused", "http://127.0.0.1:" + closedPort() + "/cat.png");
        references.put("404", "http://127.0.0.1:" + host.port() + "/missing.png");
        references.put("redirect-loop", host.redirect("loop", "/r/loop"));
        String own = "inputs/" + tenant.name() + "/errors/";
        WorkerStack.stack().s3().putObject(r -> r.bucket(ServiceStack.bucket()).key(own + "text.png"),
                RequestBody.fromString("not an image"));
        references.put("s3-not-an-image", "s3://" + ServiceStack.bucket() + "/" + own + "text.png");
        references.put("s3-missing", "s3://" + ServiceStack.bucket() + "/" + own + "missing.png");

        Map<String, String> ids = new TreeMap<>();
        references.forEach((name, url) -> ids.put("reference " + name,
                WorkerStack.submit(tenant, WorkerStack.simple(MODEL, WorkerStack.marker("a cat"), "image", url))));
        for (String directive : List.of("[sim:status=400]", "[sim:status=401]", "[sim:status=403]",
                "[sim:status=404]", "[sim:status=409]", "[sim:status=499]", "[sim:status=500]", "[sim:status=501]",
                "[sim:status=502]", "[sim:status=503]", "[sim:status=504]", "[sim:status=429]", "[sim:malformed]",
                "[sim:fail-times=2]", "[sim:finish=OTHER]", "[sim:finish=MISSING_THOUGHT_SIGNATURE]",
                "[sim:block=SAFETY]", "[sim:no-image]")) {
            // A 429 pauses its model for every worker: it goes to a model of its own (it ends in QUEUE_TIMEOUT).
            ids.put("gemini " + directive, WorkerStack.submit(tenant, WorkerStack.simple(
                    directive.equals("[sim:status=429]") ? ServiceStack.THROTTLED_MODEL : MODEL,
                    WorkerStack.marker("a cat") + " " + directive)));
        }

        List<String> texts = new ArrayList<>();
        Map<String, String> seen = new TreeMap<>();
        ids.forEach((name, id) -> {
            JsonNode job = WorkerStack.awaitTerminal(tenant, id);
            String message = job.at("/error/message").asText("");
            seen.put(name, job.path("status").asText() + " " + job.at("/error/code").asText("") + ": " + message);
            texts.add(name + " → error.message: " + message);
            // The last_error a poller saw while the job waited for its next attempt stays in the item.
            WorkerStack.item(id).map(item -> item.get("last_error")).map(AttributeValue::s)
                    .ifPresent(last -> texts.add(name + " → last_error: " + last));
        });
        for (JsonNode listed : tenant.api().get("/v1/requests?limit=100").body().path("data")) {
            texts.add("listing → " + listed.path("error").path("message").asText(""));
        }
        seen.forEach((name, outcome) -> System.out.println("CLIENT-ERRORS | " + name + " | " + outcome));

        // The sweep is worth something only if the failures happened as scripted.
        assertTrue(seen.get("reference refused").contains("refused the connection"), seen::toString);
        assertTrue(seen.get("reference reset").contains("reset the connection"), seen::toString);
        assertTrue(seen.get("reference silent").contains("did not answer within 10 s"), seen::toString);
        assertTrue(seen.get("reference tls-to-plain").contains("failed the TLS handshake"), seen::toString);
        assertTrue(seen.get("gemini [sim:malformed]").contains("Gemini's answer could not be read"), seen::toString);
        assertTrue(seen.values().stream().filter(s -> s.startsWith("failed")).count() >= ids.size() - 1,
                seen::toString);
        assertNoJavaNames(texts);
    }

    @Test
    void inProcessFailuresNameNoJavaClass() throws IOException {
        List<String> texts = new ArrayList<>();
        int closed = closedPort();
        Map<String, String> geminiBases = new LinkedHashMap<>();
        geminiBases.put("refused", "http://127.0.0.1:" + closed);
        for (String script : List.of("close", "reset", "not-http", "cut-body")) {
            geminiBases.put(script, "http://127.0.0.1:" + scripted("gemini-" + script, true));
        }
        Map<String, String> outcomes = new TreeMap<>();
        geminiBases.forEach((name, base) -> {
            Worker w = new Worker(base, null, null);
            Job job = w.run();
            outcomes.put("gemini " + name, job.status().wire() + " " + job.error().code() + ": " + job.error().message());
            texts.addAll(w.texts(job));
        });

        String sim = ServiceStack.simulator().baseUrl();
        Map<String, Supplier<RuntimeException>> failures = new LinkedHashMap<>();
        failures.put("s3 unreachable", () -> new UncheckedIOException("PutObject outputs/x/0.png: no answer from S3"
                + " after 3 attempts", new SocketTimeoutException("Read timed out")));
        failures.put("sdk client", () -> SdkClientException.create("Unable to execute HTTP request: Connection refused"));
        // What DynamoJobStore throws for the SDK's exception (adapters translate; the worker sees DependencyFailure).
        failures.put("dynamodb", () -> AwsFailures.translate(DependencyFailure.Dependency.JOBS_TABLE,
                DynamoDbException.builder().message("Throughput exceeds the current capacity").statusCode(400).build()));
        failures.put("bug", () -> new NullPointerException("Cannot invoke \"String.length()\" because \"s\" is null"));
        failures.put("state", () -> new IllegalStateException("request document inputs/t/x.json is missing"));
        failures.forEach((name, failure) -> {
            Worker w = name.equals("dynamodb") ? new Worker(sim, null, failure) : new Worker(sim, failure, null);
            Job job = w.run();
            outcomes.put("store " + name, job.status().wire() + " " + job.error().code() + ": " + job.error().message());
            texts.addAll(w.texts(job));
        });
        outcomes.forEach((name, outcome) -> System.out.println("CLIENT-ERRORS | " + name + " | " + outcome));

        assertEquals("failed UPSTREAM_UNAVAILABLE: gave up after 3 attempts: Gemini refused the connection",
                outcomes.get("gemini refused"));
        assertTrue(outcomes.get("store bug").endsWith("last error: an internal error in the worker (logged with the"
                + " job's id)"), outcomes::toString);
        assertTrue(outcomes.get("store dynamodb").contains("the jobs table (DynamoDB)"), outcomes::toString);
        assertNoJavaNames(texts);
    }

    private static void assertNoJavaNames(List<String> texts) {
        List<String> leaks = texts.stream().filter(t -> JAVA_NAME.matcher(t).find()).toList();
        System.out.println("RELIABILITY | client-errors | texts=" + texts.size() + " leaks=" + leaks.size());
        assertTrue(texts.size() > 20, "the sweep read what clients read: " + texts);
        assertEquals(List.of(), leaks, "client-visible texts naming Java classes");
    }

    /**
     * The production JobProcessor with its GeminiClient on {@code geminiBase}, in-memory stores (failing with
     * {@code putFailure} on image uploads or {@code completeFailure} on the final write, on every attempt), and a
     * clock moved over each backoff. Keeps every {@code last_error} it wrote.
     */
    private static final class Worker {
        private static final int MAX_ATTEMPTS = 3;
        private final MutableClock clock = new MutableClock(Instant.parse("2026-01-10T12:00:00Z"));
        private final List<String> lastErrors = new CopyOnWriteArrayList<>();
        private final InMemoryJobStore jobs;
        private final JobProcessor processor;
        private final String id = "01CLIENTERR" + Long.toString(System.nanoTime(), 36).toUpperCase();

        Worker(String geminiBase, Supplier<RuntimeException> uploadFailure, Supplier<RuntimeException> completeFailure) {
            jobs = new InMemoryJobStore() {
                @Override
                public synchronized boolean requeue(String requestId, int attempt, String lastError, Instant retryAt,
                                                    Instant now) {
                    lastErrors.add(lastError);
                    return super.requeue(requestId, attempt, lastError, retryAt, now);
                }

                @Override
                public synchronized boolean complete(String requestId, int attempt, ObjectNode outcome,
                                                     int imageCount, Instant now) {
                    if (completeFailure != null) {
                        throw completeFailure.get();
                    }
                    return super.complete(requestId, attempt, outcome, imageCount, now);
                }
            };
            InMemoryObjectStore store = new InMemoryObjectStore() {
                @Override
                public void put(String key, Path file, String contentType, Map<String, String> metadata) {
                    if (uploadFailure != null) {
                        throw uploadFailure.get();
                    }
                    super.put(key, file, contentType, metadata);
                }
            };
            JobQueue queue = new JobQueue() {
                @Override
                public void send(String requestId) {
                }

                @Override
                public void retryAfter(String receiptHandle, Duration delay) {
                }
            };
            GeminiClient gemini = new HttpGeminiClient(HttpGeminiClient.defaultHttpClient(), geminiBase,
                    HttpGeminiClient.AUTH_GOOGLE, () -> FunctionEnvironment.SIMULATOR_API_KEY);
            processor = new JobProcessor(new WorkerPorts(jobs, store, queue, gemini, SafeUrlFetcher.standard(false),
                    ModelCatalog.load(), Metrics.NONE, clock),
                    new WorkerPolicy(MAX_ATTEMPTS, Duration.ofSeconds(360), new Backoff(Duration.ofMillis(20), Backoff.DEFAULT_CAP)));
            ObjectNode request = Json.object();
            request.putArray("contents").addObject().put("role", "user").putArray("parts").addObject()
                    .put("text", WorkerStack.marker("a cat"));
            jobs.put(Job.queued(id, "tenant-e", MODEL, Job.SOURCE_API, null, Json.write(request), null, "h",
                    clock.instant(), clock.instant().plus(Duration.ofDays(30))));
        }

        Job run() {
            for (int delivery = 0; delivery < 10; delivery++) {
                JobProcessor.Result result = processor.process(id, null, Duration.ofSeconds(60));
                if (result instanceof JobProcessor.Result.Done) {
                    Job job = jobs.job(id);
                    assertEquals("failed", job.status().wire(), () -> String.valueOf(job.outcome()));
                    return job;
                }
                clock.advance(((JobProcessor.Result.RetryLater) result).delay());
            }
            throw new AssertionError("job " + id + " never finished");
        }

        /** What the status API shows of the job, and every last_error it showed on the way. */
        List<String> texts(Job job) {
            List<String> out = new ArrayList<>();
            out.add(new JobView("bucket", null, null).full(job).toString());
            JobError error = job.error();
            out.add(error.message());
            out.addAll(lastErrors); // shown verbatim as last_error while the job waits for its next attempt
            return out;
        }
    }

    /** A port nothing listens on (bound, then closed at once). */
    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A raw server on 127.0.0.1 that treats every connection by {@code script}. */
    private static int scripted(String script, boolean readRequestFirst) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        SERVERS.add(server);
        Consumer<Socket> behaviour = behaviour(script);
        THREADS.submit(() -> {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return;
                }
                THREADS.submit(() -> {
                    try (s) {
                        if (readRequestFirst) {
                            readHead(s.getInputStream());
                        }
                        behaviour.accept(s);
                    } catch (IOException ignored) {
                        // the client hung up
                    }
                });
            }
        });
        return server.getLocalPort();
    }

    private static void readHead(InputStream in) throws IOException {
        int matched = 0;
        int c;
        while (matched < 4 && (c = in.read()) >= 0) {
            matched = (c == "\r\n\r\n".charAt(matched)) ? matched + 1 : (c == '\r' ? 1 : 0);
        }
    }

    private static void write(Socket s, String text) {
        try {
            OutputStream out = s.getOutputStream();
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        } catch (IOException ignored) {
            // the client may have hung up first
        }
    }

    private static Consumer<Socket> behaviour(String script) {
        return switch (script) {
            case "close", "gemini-close" -> s -> { };
            case "reset", "gemini-reset" -> s -> {
                try {
                    s.setSoLinger(true, 0); // close() sends RST
                } catch (IOException ignored) {
                    // best effort
                }
            };
            case "not-http", "gemini-not-http" -> s -> write(s, "SSH-2.0-OpenSSH_9.6\r\n\r\n");
            case "huge-headers" -> s -> write(s, "HTTP/1.1 200 OK\r\n"
                    + ("X-Filler: " + "a".repeat(1000) + "\r\n").repeat(40) + "\r\n");
            case "long-line" -> s -> write(s, "HTTP/1.1 200 OK\r\nX-Long: " + "a".repeat(9000) + "\r\n\r\n");
            case "short-body" -> s -> write(s, "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 5000"
                    + "\r\n\r\n\u0089PNG\r\n");
            case "bad-chunk" -> s -> write(s, "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nTransfer-Encoding:"
                    + " chunked\r\n\r\nzz\r\n");
            case "silent" -> s -> {
                try {
                    s.getInputStream().read(); // until the fetcher gives up and closes
                } catch (IOException ignored) {
                    // closed
                }
            };
            case "plain" -> s -> write(s, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
            case "gemini-cut-body" -> s -> {
                write(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                        + "{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"data\":\"iVBO");
                try {
                    s.setSoLinger(true, 0);
                } catch (IOException ignored) {
                    // best effort
                }
            };
            default -> throw new IllegalArgumentException(script);
        };
    }
}
