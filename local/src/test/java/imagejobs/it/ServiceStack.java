package imagejobs.it;

import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import imagejobs.adapters.dynamo.DynamoGateStore;
import imagejobs.local.Deadline;
import imagejobs.local.LocalStack;
import imagejobs.local.LocalStackConfig;
import imagejobs.local.TestPaths;
import imagejobs.local.gemini.GeminiSimulator;
import imagejobs.local.resources.LocalKey;
import imagejobs.shared.json.Json;

/**
 * The whole service as {@code ./run-local} runs it: the repository's template.yaml, the packaged function jars, the
 * emulators and the Gemini simulator, on ephemeral ports. One stack per test JVM (starting one costs seconds), shared
 * by the end-to-end test classes; tests keep apart by tenant and request id, and clear the simulator's request log
 * before they count calls.
 *
 * <p>The functions run with the production defaults except: a short retry backoff (RETRY_BASE_MILLIS) so retried
 * jobs finish in test time, ALLOW_LOOPBACK_REFERENCES so tests can serve reference images from 127.0.0.1, and no
 * per-key read limit (READ_RATE_PER_MINUTE=0): the tests' wait loops poll 20 times a second, far above any client's
 * pace, with two keys for many test classes (ReadLimitEndToEndTest sets the limit it checks), and the shortest
 * MAX_QUEUE_SECONDS (60): a job the simulator answers 429 on every call waits for the model's cool-downs without
 * spending attempts and fails with QUEUE_TIMEOUT a minute after its submit instead of six hours. Tests that inject
 * 429s do it on {@link #THROTTLED_MODEL}, which no other test uses: a 429 cools its model down for every worker.
 */
public final class ServiceStack {
    public static final LocalKey TENANT_A = new LocalKey("tenantA", "ij_test_key_tenant_a");
    public static final LocalKey TENANT_B = new LocalKey("tenantB", "ij_test_key_tenant_b");
    public static final Set<String> TERMINAL = Set.of("success", "failed", "cancelled");
    /** The model fault tests send their 429s to (the upstream gate pauses the whole model after one). */
    public static final String THROTTLED_MODEL = "gemini-2.5-flash-image-preview-hd";

    /** The API routes' bound on the shared stack (25 s deployed): short, so a 504 and a cut wait are quick to reach. */
    public static final int API_SYNC_WAIT_SECONDS = 10;
    private static LocalStack stack;
    private static CapturedOutput output;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ServiceStack() {
    }

    /** The shared stack, started on first use and stopped when the test JVM exits. */
    public static synchronized LocalStack get() {
        if (stack == null) {
            requireFunctionJars();
            output = CapturedOutput.install();
            stack = LocalStack.start(LocalStackConfig.builder(TestPaths.root())
                    .keys(List.of(TENANT_A, TENANT_B))
                    .startGeminiSimulator(true)
                    .functionEnvironment("RETRY_BASE_MILLIS", "20")
                    .functionEnvironment("ALLOW_LOOPBACK_REFERENCES", "true")
                    .functionEnvironment("READ_RATE_PER_MINUTE", "0")
                    .functionEnvironment("MAX_QUEUE_SECONDS", "60")
                    // Webhook retries a second apart (honoured only with loopback allowed), so retries are testable.
                    .functionEnvironment("WEBHOOK_TEST_RETRY_WAITS", "1s,1s,1s")
                    // The Google routes' bound on the API URL (25 s deployed): short, so a 504 is quick to reach.
                    .functionEnvironment("API_SYNC_WAIT_SECONDS", Integer.toString(API_SYNC_WAIT_SECONDS))
                    .out(Boolean.getBoolean("imagejobs.verbose") ? System.out
                            : new PrintStream(OutputStream.nullOutputStream()))
                    .build());
            Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "service-stack-stop"));
        }
        return stack;
    }

    /**
     * Forgets what the upstream gate learned about {@code model} (cool-down, learned rate, reservations) on the shared
     * stack (keyed by the upstream model id): the fault suites' 429 storms on {@link #THROTTLED_MODEL} teach the gate a pace of about one call a
     * minute, which a later test of the same model would otherwise wait out. Deleting the model's gate record is
     * what a fresh stack starts from.
     */
    public static void forgetUpstreamState(String model) {
        LocalStack s = get();
        s.dynamoDb().deleteItem(r -> r.tableName(s.tableName("LimitsTable"))
                .key(Map.of(DynamoGateStore.PK, AttributeValue.fromS("gate#" + model))));
    }

    /** True when anything the shared stack printed or its functions logged (stdout) contains {@code text}. */
    public static boolean logsMention(String text) {
        get();
        return output.contains(text);
    }

    public static GeminiSimulator simulator() {
        return get().geminiSimulator().orElseThrow();
    }

    /** The upstream calls whose body mentions {@code marker} (tests put a unique marker in each prompt). */
    public static List<JsonNode> simulatorCalls(String marker) {
        return simulator().requests().stream().filter(r -> Json.write(r.path("body")).contains(marker)).toList();
    }

    public static String bucket() {
        return get().bucketName("ImagesBucket");
    }

    /** The API as a client with {@code key} sees it. */
    public static Api api(LocalKey key) {
        return new Api(get().apiUrl(), key.key());
    }

    /** The jars come from the function modules' package phase: `./mvnw verify` builds them before these tests. */
    private static void requireFunctionJars() {
        for (String name : List.of("submit", "worker", "status", "google", "edit-trigger", "webhooks")) {
            Path jar = TestPaths.root().resolve("functions/" + name + "/target/" + name + ".jar");
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is missing: the end-to-end tests run the packaged functions; "
                        + "run them with ./mvnw -B verify (package comes before these tests), not ./mvnw test");
            }
        }
    }

    public record Response(int status, JsonNode body, HttpResponse<String> raw) {
        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    /** A small HTTP client for the front door, authenticated as one tenant. */
    public static final class Api {
        private final URI base;
        private final String key;

        Api(URI base, String key) {
            this.base = base;
            this.key = key;
        }

        public Response get(String path) {
            return send(request(path).GET());
        }

        public Response post(String path, String json) {
            return send(request(path).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json)));
        }

        public Response post(String path, JsonNode json) {
            return post(path, Json.write(json));
        }

        /** Submits a simple request-queue job and returns its request id (asserting 202). */
        public String submit(String model, String prompt) {
            Response r = post("/v1/requests", Json.write(Json.object().put("model", model)
                    .set("payload", Json.object().put("prompt", prompt))));
            if (r.status() != 202) {
                throw new AssertionError("submit answered " + r.status() + ": " + r.raw().body());
            }
            return r.body().path("request_id").asText();
        }

        /** Polls GET /v1/requests/{id} until the job is terminal; returns the last view. */
        public JsonNode awaitTerminal(String requestId, Duration limit) {
            JsonNode[] last = new JsonNode[1];
            Deadline.await(limit, "request " + requestId + " to finish", () -> {
                Response r = get("/v1/requests/" + requestId);
                last[0] = r.body();
                return r.status() == 200 && TERMINAL.contains(r.body().path("status").asText());
            });
            return last[0];
        }

        /** Polls until the job shows {@code status}. */
        public JsonNode awaitStatus(String requestId, String status, Duration limit) {
            JsonNode[] last = new JsonNode[1];
            Deadline.await(limit, "request " + requestId + " to reach " + status, () -> {
                last[0] = get("/v1/requests/" + requestId).body();
                return status.equals(last[0].path("status").asText());
            });
            return last[0];
        }

        private HttpRequest.Builder request(String path) {
            HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
            return key == null ? b : b.header("Authorization", "Bearer " + key);
        }
    }

    /** Sends a request to the front door: its status, its body as JSON (empty: {}), and the raw response. */
    public static Response send(HttpRequest.Builder builder) {
        try {
            HttpResponse<String> response = HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = response.body().isEmpty() ? Json.object() : Json.parse(response.body());
            return new Response(response.statusCode(), body, response);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Downloads a URL (a presigned one, say) as bytes with its status. */
    public static HttpResponse<byte[]> download(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
