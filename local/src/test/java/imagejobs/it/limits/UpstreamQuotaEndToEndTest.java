package imagejobs.it.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.it.ServiceStack;
import imagejobs.local.Deadline;
import imagejobs.local.GeminiSimulatorLauncher;
import imagejobs.local.LocalStack;
import imagejobs.local.LocalStackConfig;
import imagejobs.local.TestPaths;
import imagejobs.local.resources.LocalKey;
import imagejobs.shared.json.Json;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Issue 16's promise on the local stack: a burst of twice what the Gemini quota serves in a minute, from two
 * tenants, with the simulator enforcing the quota (HTTP 429 RESOURCE_EXHAUSTED with RetryInfo, as Gemini) and the
 * service <em>not</em> told it (GEMINI_LIMITS unset): every job succeeds, none spends an attempt on a 429, and every
 * 429 the simulator answered is one throttled attempt on a job. The packaged worker runs with its production wiring
 * (DynamoGateStore on the LimitsTable the template declares, re-sent delayed messages on ElasticMQ).
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class UpstreamQuotaEndToEndTest {
    private static final String MODEL = "gemini-2.5-flash-image";
    private static final int QUOTA_RPM = 8;
    private static final LocalKey HEAVY = new LocalKey("quotaHeavy", "ij_quota_heavy_k3y");
    private static final LocalKey LIGHT = new LocalKey("quotaLight", "ij_quota_light_k3y");
    private static LocalStack stack;

    @BeforeAll
    static void start() {
        stack = LocalStack.start(LocalStackConfig.builder(TestPaths.root())
                .keys(List.of(HEAVY, LIGHT))
                .startGeminiSimulator(true)
                .geminiStarter(new GeminiSimulatorLauncher(Map.of("IMAGEJOBS_GEMINI_SIM_RPM", MODEL + ":" + QUOTA_RPM)))
                .out(new PrintStream(OutputStream.nullOutputStream()))
                .build());
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aBurstOverTheSimulatorsQuotaFinishesEveryJobWithoutSpendingAttempts() {
        Map<String, LocalKey> submitted = new LinkedHashMap<>();
        for (int i = 0; i < 2 * QUOTA_RPM - 3; i++) {
            submitted.put(submit(HEAVY, "a paper boat " + i), HEAVY);
        }
        for (int i = 0; i < 3; i++) {
            submitted.put(submit(LIGHT, "a glass bird " + i), LIGHT);
        }

        List<JsonNode> finished = new ArrayList<>();
        for (Map.Entry<String, LocalKey> job : submitted.entrySet()) {
            JsonNode[] last = new JsonNode[1];
            Deadline.await(Duration.ofMinutes(10), "request " + job.getKey() + " to finish", () -> {
                last[0] = get(job.getValue(), "/v1/requests/" + job.getKey());
                return ServiceStack.TERMINAL.contains(last[0].path("status").asText());
            });
            finished.add(last[0]);
        }

        for (JsonNode job : finished) {
            assertEquals("success", job.path("status").asText(), job::toString);
            assertEquals(1, job.path("attempts").asInt(), "a 429 spends no attempt: " + job);
        }
        JsonNode stats = stack.geminiSimulator().orElseThrow().stats().path("models").path(MODEL);
        int answered429 = stats.path("answered_429").asInt();
        assertTrue(answered429 > 0, "the burst exceeded the simulator's quota: " + stats);
        assertEquals(submitted.size() + answered429, stats.path("calls").asInt(), stats::toString);
        int throttled = 0;
        for (String id : submitted.keySet()) {
            AttributeValue value = stack.dynamoDb().getItem(r -> r.tableName(stack.tableName("JobsTable"))
                    .key(Map.of("request_id", AttributeValue.fromS(id))).consistentRead(true)).item().get("throttled");
            throttled += value == null ? 0 : Integer.parseInt(value.n());
        }
        assertEquals(answered429, throttled, "every 429 is one throttled (uncounted) attempt");

        // The listing counts attempts as the job's own view does: throttled attempts left out there too.
        int listed = 0;
        for (LocalKey key : List.of(HEAVY, LIGHT)) {
            String cursor = null;
            do {
                JsonNode page = get(key, "/v1/requests?limit=100" + (cursor == null ? "" : "&cursor="
                        + java.net.URLEncoder.encode(cursor, java.nio.charset.StandardCharsets.UTF_8)));
                for (JsonNode summary : page.path("data")) {
                    if (submitted.containsKey(summary.path("request_id").asText())) {
                        assertEquals(1, summary.path("attempts").asInt(), "listed: " + summary);
                        listed++;
                    }
                }
                cursor = page.path("next_cursor").isTextual() ? page.path("next_cursor").asText() : null;
            } while (cursor != null);
        }
        assertEquals(submitted.size(), listed, "every job of the burst is listed");
    }

    private static String submit(LocalKey key, String prompt) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url("/v1/requests"))
                .header("Authorization", "Bearer " + key.key()).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(Json.object().put("model", MODEL)
                        .set("payload", Json.object().put("prompt", prompt)))));
        ServiceStack.Response response = ServiceStack.send(request);
        assertEquals(202, response.status(), () -> response.raw().body());
        return response.body().path("request_id").asText();
    }

    private static JsonNode get(LocalKey key, String path) {
        return ServiceStack.send(HttpRequest.newBuilder(url(path)).header("Authorization", "Bearer " + key.key())
                .GET()).body();
    }

    private static URI url(String path) {
        return stack.apiUrl().resolve(path);
    }
}
