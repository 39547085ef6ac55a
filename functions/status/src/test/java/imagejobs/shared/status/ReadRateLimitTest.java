package imagejobs.shared.status;

import static imagejobs.shared.status.TestJobs.NOW;
import static imagejobs.shared.status.TestJobs.TENANT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import imagejobs.shared.webhooks.TenantWebhookSecrets;
import imagejobs.shared.webhooks.WebhookSecretQueries;
import imagejobs.status.StatusRouter;
import imagejobs.shared.auth.Authenticator;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.auth.RateCounter;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.config.Settings;
import imagejobs.shared.errors.Rejection;
import imagejobs.lambda.http.ApiRequest;
import imagejobs.lambda.http.ApiResponse;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.storage.PresignedUrl;
import imagejobs.testing.InMemoryJobStore;
import imagejobs.testing.InMemoryKeyStore;
import imagejobs.testing.MutableClock;

/**
 * The per-key read limit on the status routes: 429 RATE_LIMITED with Retry-After past it (the submit limit's
 * answer), its own counter apart from the submit budget, and a polling client at a sensible rate never meeting it.
 */
class ReadRateLimitTest {
    private static final String KEY = "ij_reader_one";
    private static final String OTHER_KEY = "ij_reader_two";

    private final InMemoryKeyStore keys = new InMemoryKeyStore();
    private final InMemoryJobStore store = new InMemoryJobStore();
    private final List<Job> jobs = new ArrayList<>();
    /** 08:00:30 UTC: the first one-minute window ends in 30 s. */
    private final MutableClock clock = new MutableClock(NOW.plusSeconds(30));
    private KeyRecord key;

    @BeforeEach
    void setUp() {
        key = keys.add(KEY, TENANT);
        keys.add(OTHER_KEY, TENANT);
        for (int i = 0; i < 20; i++) {
            Job job = TestJobs.queued(TestJobs.id(i), TENANT, NOW.minusSeconds(i));
            store.put(job);
            jobs.add(job);
        }
    }

    private StatusRouter router(int readsPerMinute) {
        JobQueries queries = new JobQueries(store, new JobView("bucket", k -> new PresignedUrl("https://u", NOW),
                k -> null), new ListCursors("a cursor key that is long enough".getBytes(StandardCharsets.UTF_8)), clock);
        return new StatusRouter(new Authenticator(keys), queries, new ModelQueries(ModelCatalog.load()),
                new WebhookSecretQueries(mock(TenantWebhookSecrets.class)), readsPerMinute, clock);
    }

    private static ApiRequest get(String apiKey, String path) {
        return get(apiKey, path, Map.of());
    }

    private static ApiRequest get(String apiKey, String path, Map<String, String> query) {
        return new ApiRequest("GET", path, Map.of("authorization", "Bearer " + apiKey), query, Map.of(), null,
                "1.2.3.4", "r");
    }

    @Test
    void pastTheLimitEveryStatusRouteIs429WithRetryAfterUntilTheNextMinute() {
        StatusRouter router = router(5);
        List<String> paths = List.of("/v1/requests/" + jobs.get(0).requestId(), "/v1/requests", "/v1/models",
                "/v1/models/gemini-2.5-flash-image");
        for (String path : paths) {
            assertEquals(200, router.route(get(KEY, path)).status(), path);
        }
        assertEquals(200, router.route(get(KEY, "/v1/requests", Map.of("limit", "1"))).status());
        for (String path : paths) {
            Rejection e = assertThrows(Rejection.class, () -> router.route(get(KEY, path)), path);
            assertEquals(Rejection.Kind.RATE_LIMITED, e.kind());
            assertEquals(Authenticator.RATE_LIMITED, e.code());
            assertEquals(Duration.ofSeconds(30), e.retryAfter());
            ApiResponse answer = ApiResponse.error(e);
            assertEquals("30", answer.headers().get("retry-after"));
            String message = e.getMessage();
            assertTrue(message.startsWith("read limit of 5 requests per minute for this API key exceeded; retry in"
                    + " 30 s; poll each job at most once a second"), message);
        }
        Rejection cancel = assertThrows(Rejection.class, () -> router.route(new ApiRequest("POST",
                "/v1/requests/" + jobs.get(0).requestId() + "/cancel", Map.of("authorization", "Bearer " + KEY),
                Map.of(), Map.of(), null, "1.2.3.4", "r")));
        assertEquals(429, ApiResponse.error(cancel).status());

        clock.advance(Duration.ofSeconds(30));
        assertEquals(200, router.route(get(KEY, "/v1/models")).status(), "a new minute, a new budget");
    }

    @Test
    void eachKeyHasItsOwnReadBudgetAndReadsNeverSpendTheSubmitBudget() {
        StatusRouter router = router(2);
        router.route(get(KEY, "/v1/models"));
        router.route(get(KEY, "/v1/models"));
        assertEquals(Rejection.Kind.RATE_LIMITED, assertThrows(Rejection.class, () -> router.route(get(KEY, "/v1/models"))).kind());
        assertEquals(200, router.route(get(OTHER_KEY, "/v1/models")).status());
        // The submit counter of the same key is untouched: a submit still fits its own per-minute rate of 1.
        new Authenticator(keys).checkRate(key, 1, clock);
        assertEquals(List.of(RateCounter.READS, RateCounter.READS, RateCounter.READS, RateCounter.READS,
                RateCounter.SUBMITS), keys.counted);
    }

    @Test
    void aRefusedRequestReadsNoJob() {
        StatusRouter router = router(1);
        router.route(get(KEY, "/v1/models"));
        Job cancelledBehindTheLimit = jobs.get(3);
        assertEquals(Rejection.Kind.RATE_LIMITED, assertThrows(Rejection.class, () -> router.route(new ApiRequest("POST",
                "/v1/requests/" + cancelledBehindTheLimit.requestId() + "/cancel",
                Map.of("authorization", "Bearer " + KEY), Map.of(), Map.of(), null, "1.2.3.4", "r"))).kind());
        assertEquals("queued", store.get(cancelledBehindTheLimit.requestId()).orElseThrow().status().wire());
    }

    @Test
    void unauthenticatedRequestsCountAgainstNoKey() {
        StatusRouter router = router(1);
        assertEquals(Rejection.Kind.UNAUTHENTICATED, assertThrows(Rejection.class, () -> router.route(get("ij_unknown", "/v1/models")))
                .kind());
        assertEquals(List.of(), keys.counted);
    }

    @Test
    void zeroTurnsTheReadLimitOff() {
        StatusRouter router = router(0);
        for (int i = 0; i < 500; i++) {
            assertEquals(200, router.route(get(KEY, "/v1/models")).status());
        }
        assertEquals(List.of(), keys.counted, "no counter is written at all");
    }

    /**
     * The default limit against the clients it is meant for: ten jobs each polled once a second plus a listing every
     * five seconds, for five minutes, never sees a 429; a client polling 50 times a second is stopped within its
     * first minute.
     */
    @Test
    void aClientPollingSeveralJobsOnceASecondNeverMeetsTheDefaultLimit() {
        StatusRouter router = router(Settings.DEFAULT_READ_RATE);
        int answered = 0;
        for (int second = 0; second < 300; second++) {
            for (int j = 0; j < 10; j++) {
                assertEquals(200, router.route(get(KEY, "/v1/requests/" + jobs.get(j).requestId())).status(),
                        "second " + second + ", job " + j);
                answered++;
            }
            if (second % 5 == 0) {
                assertEquals(200, router.route(get(KEY, "/v1/requests",
                        Map.of("status", "queued", "limit", "100"))).status());
                answered++;
            }
            clock.advance(Duration.ofSeconds(1));
        }
        assertEquals(3060, answered);

        int firstRefusal = -1;
        for (int call = 0; call < 50 * 60 && firstRefusal < 0; call++) {
            try {
                router.route(get(OTHER_KEY, "/v1/requests/" + jobs.get(call % 20).requestId()));
            } catch (Rejection e) {
                assertEquals(Rejection.Kind.RATE_LIMITED, e.kind());
                firstRefusal = call;
            }
            clock.advance(Duration.ofMillis(20));
        }
        assertTrue(firstRefusal >= 0 && firstRefusal < 50 * 60, "a client at 50 polls a second is refused within a"
                + " minute; first refusal at call " + firstRefusal);
    }
}
