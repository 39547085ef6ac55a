package imagejobs.shared.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import imagejobs.shared.auth.Authenticator;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.errors.Rejection;
import imagejobs.testing.InMemoryKeyStore;
import imagejobs.testing.MutableClock;

/** Per-key submit rate: requests per minute, the key's own or the default; 429 with Retry-After past it. */
class RateLimitTest {
    private static final String BODY = "{\"model\":\"gemini-2.5-flash-image\",\"payload\":{\"prompt\":\"a fox\"}}";

    @Test
    void pastTheKeysRateIs429WithRetryAfterAndNothingStored() {
        SubmitHarness harness = new SubmitHarness();
        // 10:15:30.250: the window ends at 10:16:00.
        assertEquals(202, harness.call(SubmitHarness.REQUESTS, SubmitHarness.auth(SubmitHarness.SLOW_KEY), BODY).status());
        assertEquals(202, harness.call(SubmitHarness.REQUESTS, SubmitHarness.auth(SubmitHarness.SLOW_KEY), BODY).status());
        int jobsBefore = harness.jobs.jobs.size();

        SubmitHarness.Answer third = harness.call(SubmitHarness.REQUESTS, SubmitHarness.auth(SubmitHarness.SLOW_KEY), BODY);

        assertEquals(429, third.status());
        assertEquals("RATE_LIMITED", third.code());
        assertEquals("30", third.headers().get("retry-after"));
        assertEquals("rate limit of 2 requests per minute exceeded; retry in 30 s", third.message());
        assertEquals(jobsBefore, harness.jobs.jobs.size());
        assertEquals(2, harness.queue.sent.size());
    }

    @Test
    void theNextMinuteHasAFreshBudget() {
        SubmitHarness harness = new SubmitHarness();
        for (int i = 0; i < 2; i++) {
            harness.call(SubmitHarness.REQUESTS, SubmitHarness.auth(SubmitHarness.SLOW_KEY), BODY);
        }
        assertEquals(429, harness.call(SubmitHarness.REQUESTS, SubmitHarness.auth(SubmitHarness.SLOW_KEY), BODY).status());
        harness.clock.advance(Duration.ofSeconds(30));
        assertEquals(202, harness.call(SubmitHarness.REQUESTS, SubmitHarness.auth(SubmitHarness.SLOW_KEY), BODY).status());
    }

    @Test
    void keysAreLimitedSeparately() {
        SubmitHarness harness = new SubmitHarness();
        for (int i = 0; i < 3; i++) {
            harness.call(SubmitHarness.REQUESTS, SubmitHarness.auth(SubmitHarness.SLOW_KEY), BODY);
        }
        assertEquals(202, harness.submit(BODY).status());
    }

    @Test
    void keysWithoutTheirOwnRateGetTheDefault() {
        InMemoryKeyStore keys = new InMemoryKeyStore();
        KeyRecord key = keys.add("ij_default_rate", "tenant-c", true, null);
        Authenticator authenticator = new Authenticator(keys);
        MutableClock clock = new MutableClock(Instant.parse("2026-03-02T10:15:59.500Z"));
        authenticator.checkRate(key, 1, clock);
        Rejection e = assertThrows(Rejection.class, () -> authenticator.checkRate(key, 1, clock));
        assertEquals(Rejection.Kind.RATE_LIMITED, e.kind());
        // Never "retry in 0 s": half a second before the window ends, the client waits a second.
        assertEquals(java.time.Duration.ofSeconds(1), e.retryAfter());
    }
}
