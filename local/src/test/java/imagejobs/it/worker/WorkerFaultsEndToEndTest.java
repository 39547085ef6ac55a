package imagejobs.it.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.it.ServiceStack;
import imagejobs.local.Deadline;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Every fault the Gemini simulator can inject, through the whole stack: the job's final status, error code and
 * message, attempts, and how many times Gemini was called. Retryable faults really go back to SQS (the worker sets
 * the message's visibility to the backoff and reports it as a batch item failure; ElasticMQ delivers it again), so
 * they either succeed on a later delivery or fail after MAX_ATTEMPTS (4, the template's default) calls.
 *
 * <p>Every job is submitted before the first case runs; the cases then only wait for their own job.
 * {@code [sim:hang]} is left out: only the per-model timeout (120 s and more, from the catalog) ends it.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WorkerFaultsEndToEndTest {
    private static final int MAX_ATTEMPTS = 4;
    private static final String MODEL = "gemini-2.5-flash-image";
    /** Gemini's RetryInfo / Retry-After in the 429 case: the model's cool-down, far above the 20 ms backoff base. */
    private static final int RETRY_AFTER_SECONDS = 2;
    private static final String RATE_LIMITED = "[sim:status=429] [sim:retry-after=" + RETRY_AFTER_SECONDS + "]";

    private static final List<String> FAILURES = List.of(
            "[sim:status=400]", "[sim:status=401]", "[sim:status=403]", "[sim:status=404]", "[sim:status=409]",
            "[sim:status=499]", "[sim:status=501]", RATE_LIMITED, "[sim:status=500]", "[sim:status=502]",
            "[sim:status=503]", "[sim:status=504]", "[sim:malformed]", "[sim:fail-times=4]", "[sim:fail-times=9]",
            "[sim:finish=SAFETY]", "[sim:finish=IMAGE_SAFETY]", "[sim:finish=PROHIBITED_CONTENT]",
            "[sim:finish=IMAGE_PROHIBITED_CONTENT]", "[sim:finish=BLOCKLIST]", "[sim:finish=SPII]",
            "[sim:finish=RECITATION]", "[sim:finish=IMAGE_RECITATION]", "[sim:finish=NO_IMAGE]",
            "[sim:finish=IMAGE_OTHER]", "[sim:finish=MAX_TOKENS]", "[sim:finish=OTHER]", "[sim:finish=LANGUAGE]",
            "[sim:finish=MISSING_THOUGHT_SIGNATURE]", "[sim:block=SAFETY]", "[sim:block=PROHIBITED_CONTENT]",
            "[sim:block=BLOCKLIST]", "[sim:block=IMAGE_SAFETY]", "[sim:block=OTHER]", "[sim:no-image]");
    private static final List<String> SUCCESSES = List.of(
            "[sim:fail-times=1]", "[sim:fail-times=2]", "[sim:fail-times=3]", "[sim:delay=1500]",
            "[sim:slow-body=1000]", "[sim:images=3]", "[sim:noise]");

    private static WorkerStack.Tenant tenant;
    private static final Map<String, String> IDS = new ConcurrentHashMap<>();
    private static final Map<String, String> MARKERS = new ConcurrentHashMap<>();
    /** The 429 job as a client saw it while it waited for the model's cool-down. */
    private static JsonNode betweenAttempts;

    @BeforeAll
    static void submitEveryFault() {
        tenant = WorkerStack.tenant("wfaults");
        // The status function's cold start, out of the way of the watch below.
        assertEquals(200, tenant.api().get("/v1/requests?limit=1").status());
        // The rate-limited job goes last, so the watch below starts right after its submit.
        List<String> order = new java.util.ArrayList<>(concat(FAILURES, SUCCESSES));
        order.remove(RATE_LIMITED);
        order.add(RATE_LIMITED);
        for (String directive : order) {
            String marker = WorkerStack.marker("a cat");
            MARKERS.put(directive, marker);
            // 429s pause their model for every worker: on a model of their own, the other faults run unhindered.
            IDS.put(directive, WorkerStack.submit(tenant, WorkerStack.simple(
                    directive.equals(RATE_LIMITED) ? ServiceStack.THROTTLED_MODEL : MODEL, marker + " " + directive,
                    "aspect_ratio", "1:1")));
        }
        // While the others run: the rate-limited job waits in the queue for the model's cool-down, and says so.
        String id = IDS.get(RATE_LIMITED);
        JsonNode[] seen = new JsonNode[1];
        Deadline.await(Duration.ofSeconds(30), "the 429 job to wait for the cool-down", () -> {
            seen[0] = tenant.api().get("/v1/requests/" + id).body();
            return seen[0].has("waiting") || ServiceStack.TERMINAL.contains(seen[0].path("status").asText());
        });
        betweenAttempts = seen[0];
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }

    @ParameterizedTest(name = "{0} → {1} after {2} call(s)")
    @CsvSource(delimiter = '|', value = {
            // directive                            | code                 | calls | retryable | message contains
            "[sim:status=400]                       | INVALID_REQUEST      | 1 | false | Request contains an invalid argument",
            "[sim:status=401]                       | UPSTREAM_AUTH        | 1 | false | invalid authentication credentials",
            "[sim:status=403]                       | UPSTREAM_AUTH        | 1 | false | The caller does not have permission",
            "[sim:status=404]                       | MODEL_UNAVAILABLE    | 1 | false | gemini-2.5-flash-image is not available",
            "[sim:status=409]                       | UPSTREAM_ERROR       | 1 | false | HTTP 409 ABORTED",
            "[sim:status=499]                       | UPSTREAM_ERROR       | 1 | false | HTTP 499 CANCELLED",
            "[sim:status=501]                       | UPSTREAM_ERROR       | 1 | false | HTTP 501 UNIMPLEMENTED",
            "[sim:status=500]                       | UPSTREAM_UNAVAILABLE | 4 | true  | HTTP 500 INTERNAL",
            "[sim:status=502]                       | UPSTREAM_UNAVAILABLE | 4 | true  | HTTP 502 UNAVAILABLE",
            "[sim:status=503]                       | UPSTREAM_UNAVAILABLE | 4 | true  | The model is overloaded",
            "[sim:status=504]                       | TIMEOUT              | 4 | true  | HTTP 504 DEADLINE_EXCEEDED",
            "[sim:malformed]                        | UPSTREAM_UNAVAILABLE | 4 | true  | gave up after 4 attempts",
            "[sim:fail-times=4]                     | UPSTREAM_UNAVAILABLE | 4 | true  | The model is overloaded",
            "[sim:fail-times=9]                     | UPSTREAM_UNAVAILABLE | 4 | true  | The model is overloaded",
            "[sim:finish=SAFETY]                    | SAFETY_BLOCKED       | 1 | false | SAFETY",
            "[sim:finish=IMAGE_SAFETY]              | SAFETY_BLOCKED       | 1 | false | IMAGE_SAFETY",
            "[sim:finish=PROHIBITED_CONTENT]        | SAFETY_BLOCKED       | 1 | false | PROHIBITED_CONTENT",
            "[sim:finish=IMAGE_PROHIBITED_CONTENT]  | SAFETY_BLOCKED       | 1 | false | IMAGE_PROHIBITED_CONTENT",
            "[sim:finish=BLOCKLIST]                 | SAFETY_BLOCKED       | 1 | false | BLOCKLIST",
            "[sim:finish=SPII]                      | SAFETY_BLOCKED       | 1 | false | SPII",
            "[sim:finish=RECITATION]                | RECITATION           | 1 | false | RECITATION",
            "[sim:finish=IMAGE_RECITATION]          | RECITATION           | 1 | false | IMAGE_RECITATION",
            "[sim:finish=NO_IMAGE]                  | NO_IMAGE             | 1 | false | NO_IMAGE",
            "[sim:finish=IMAGE_OTHER]               | NO_IMAGE             | 1 | false | IMAGE_OTHER",
            "[sim:finish=MAX_TOKENS]                | NO_IMAGE             | 1 | false | before the token limit",
            "[sim:finish=OTHER]                     | UPSTREAM_ERROR       | 1 | false | OTHER",
            "[sim:finish=LANGUAGE]                  | UPSTREAM_ERROR       | 1 | false | LANGUAGE",
            "[sim:finish=MISSING_THOUGHT_SIGNATURE] | UPSTREAM_ERROR       | 1 | false | thoughtSignature",
            "[sim:block=SAFETY]                     | SAFETY_BLOCKED       | 1 | false | blocked the prompt: SAFETY",
            "[sim:block=PROHIBITED_CONTENT]         | SAFETY_BLOCKED       | 1 | false | blocked the prompt: PROHIBITED_CONTENT",
            "[sim:block=BLOCKLIST]                  | SAFETY_BLOCKED       | 1 | false | blocked the prompt: BLOCKLIST",
            "[sim:block=IMAGE_SAFETY]               | SAFETY_BLOCKED       | 1 | false | blocked the prompt: IMAGE_SAFETY",
            "[sim:block=OTHER]                      | SAFETY_BLOCKED       | 1 | false | blocked the prompt: OTHER",
            "[sim:no-image]                         | NO_IMAGE             | 1 | false | without an image"})
    void theJobFailsWithTheFaultsCode(String directive, String code, int calls, boolean retryable, String message) {
        String id = IDS.get(directive);
        assertNotNull(id, "case not submitted: " + directive);
        JsonNode job = WorkerStack.awaitTerminal(tenant, id);

        assertEquals("failed", job.path("status").asText(), job::toString);
        assertEquals(code, job.at("/error/code").asText(), job::toString);
        assertTrue(job.at("/error/message").asText().contains(message), job::toString);
        assertEquals(retryable, job.at("/error/retryable").asBoolean(), job::toString);
        assertEquals(calls, job.path("attempts").asInt(), "attempts");
        assertEquals(calls, WorkerStack.upstreamCalls(MARKERS.get(directive)), "calls to Gemini");
        if (retryable) {
            assertTrue(job.at("/error/message").asText().contains("gave up after " + MAX_ATTEMPTS + " attempts"),
                    job::toString);
        }
        assertFalse(job.has("outcome"), job::toString);
        assertFalse(job.has("last_error"), "a finished job shows its error, not the last retry's");
        assertEquals(List.of(), WorkerStack.imageKeys(tenant.name(), id), "nothing stored for a failure");

        Map<String, AttributeValue> item = WorkerStack.item(id).orElseThrow();
        assertEquals("failed", item.get("status").s());
        assertEquals(code, item.get("error_code").s());
        assertEquals(String.valueOf(calls), item.get("attempts").n());
    }

    @ParameterizedTest(name = "{0} → success after {1} call(s)")
    @CsvSource(delimiter = '|', value = {
            // directive           | calls | images | least Gemini latency (ms)
            "[sim:fail-times=1]    | 2     | 1      | 0",
            "[sim:fail-times=2]    | 3     | 1      | 0",
            "[sim:fail-times=3]    | 4     | 1      | 0",
            "[sim:delay=1500]      | 1     | 1      | 1500",
            "[sim:slow-body=1000]  | 1     | 1      | 900",
            "[sim:images=3]        | 1     | 3      | 0",
            "[sim:noise]           | 1     | 1      | 0"})
    void theJobSucceeds(String directive, int calls, int images, long leastLatencyMs) {
        String id = IDS.get(directive);
        assertNotNull(id, "case not submitted: " + directive);
        JsonNode job = WorkerStack.awaitTerminal(tenant, id);

        assertEquals("success", job.path("status").asText(), job::toString);
        assertFalse(job.has("error"), job::toString);
        assertEquals(calls, job.path("attempts").asInt(), "attempts");
        assertEquals(calls, job.at("/outcome/attempts").asInt(), "the outcome's attempts");
        assertEquals(calls, WorkerStack.upstreamCalls(MARKERS.get(directive)), "calls to Gemini");
        assertTrue(job.at("/outcome/timings/gemini_latency_ms").asLong() >= leastLatencyMs, job::toString);

        JsonNode mediaUrls = job.at("/outcome/media_urls");
        assertEquals(images, mediaUrls.size(), job::toString);
        List<String> expectedKeys = new java.util.ArrayList<>();
        for (int n = 0; n < images; n++) {
            assertEquals(String.valueOf(n), mediaUrls.get(n).path("id").asText());
            assertEquals(200, ServiceStack.download(mediaUrls.get(n).path("url").asText()).statusCode());
            expectedKeys.add(WorkerStack.outputPrefix(tenant.name(), id) + n + ".png");
        }
        assertEquals(expectedKeys, WorkerStack.imageKeys(tenant.name(), id));
    }

    @Test
    void a429SpendsNoAttemptPausesTheModelForItsRetryDelayAndEndsInQueueTimeout() {
        // Seen while it waited: queued, why (the model's cool-down), no attempt counted.
        assertEquals("queued", betweenAttempts.path("status").asText(), betweenAttempts::toString);
        assertEquals(0, betweenAttempts.path("attempts").asInt(), betweenAttempts::toString);
        assertEquals("UPSTREAM_QUOTA", betweenAttempts.at("/waiting/reason").asText(), betweenAttempts::toString);
        assertEquals("COOL_DOWN", betweenAttempts.at("/waiting/detail").asText(), betweenAttempts::toString);
        assertEquals(ServiceStack.THROTTLED_MODEL, betweenAttempts.at("/waiting/model").asText());

        // Every call came no sooner than the RetryInfo / Retry-After Gemini sent; the job gave up only after
        // MAX_QUEUE_SECONDS (60 s on the test stack), never after MAX_ATTEMPTS.
        JsonNode job = WorkerStack.awaitTerminal(tenant, IDS.get(RATE_LIMITED));
        assertEquals("failed", job.path("status").asText(), job::toString);
        assertEquals("QUEUE_TIMEOUT", job.at("/error/code").asText(), job::toString);
        assertTrue(job.at("/error/retryable").asBoolean(), job::toString);
        assertTrue(job.at("/error/message").asText().startsWith("waited 1 min in the queue for "
                + ServiceStack.THROTTLED_MODEL), job::toString);
        assertEquals(0, job.path("attempts").asInt(), job::toString);
        List<JsonNode> calls = ServiceStack.simulatorCalls(MARKERS.get(RATE_LIMITED));
        // Called again after the cool-down (how often depends on the rate the gate learned from the 429s).
        assertTrue(calls.size() >= 2, "called again after the cool-down: " + calls.size());
        for (int i = 1; i < calls.size(); i++) {
            Duration gap = Duration.between(Instant.parse(calls.get(i - 1).path("received_at").asText()),
                    Instant.parse(calls.get(i).path("received_at").asText()));
            assertTrue(gap.compareTo(Duration.ofSeconds(RETRY_AFTER_SECONDS)) >= 0, "retry " + i + " after " + gap);
        }
    }
}
