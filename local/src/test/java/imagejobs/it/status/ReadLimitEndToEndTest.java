package imagejobs.it.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import imagejobs.it.ServiceStack;
import imagejobs.local.Deadline;
import imagejobs.local.LocalStack;
import imagejobs.shared.auth.ApiKey;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.shared.auth.KeyRecord;

/**
 * The per-key read limit through the front door (the shared stack runs without it; each test sets the limit it
 * checks): with the template's default, a client polling several jobs once a
 * second (and listing now and then) never sees a 429; with READ_RATE_PER_MINUTE set low, a client hammering the
 * status routes gets 429 RATE_LIMITED with Retry-After after exactly the limit's worth of reads in a minute, and can
 * still submit (a budget of its own).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ReadLimitEndToEndTest {
    private static final int LIMIT = 40;
    private static final String STATUS = "StatusFunction";
    private static LocalStack stack;
    /** What the shared stack runs the status function with (it turns the limit off for its polling tests). */
    private static String shared;

    @BeforeAll
    static void start() {
        stack = ServiceStack.get();
        shared = stack.environment().build(stack.definition().function(STATUS).orElseThrow())
                .get("READ_RATE_PER_MINUTE");
    }

    /** READ_RATE_PER_MINUTE for the status function's next instances. */
    private static void readLimit(String perMinute) {
        stack.environment().set(STATUS, "READ_RATE_PER_MINUTE", perMinute);
        stack.function(STATUS).resetInstances();
    }

    @AfterEach
    void restore() {
        readLimit(shared);
    }

    /** A fresh tenant and key, put into KeysTable as an operator would (hash only). */
    private static ServiceStack.Api newClient(String purpose) {
        String key = ApiKey.PREFIX + "it_read_" + purpose + "_" + UUID.randomUUID().toString().replace("-", "");
        String hash = ApiKey.hash(key);
        new DynamoKeyStore(stack.dynamoDb(), stack.tableName("KeysTable")).put(new KeyRecord(hash,
                ApiKey.idForHash(hash), "it-read-" + purpose + "-" + UUID.randomUUID().toString().substring(0, 8), true,
                null, Instant.now(), "integration test"));
        return ServiceStack.api(new imagejobs.local.resources.LocalKey("unused", key));
    }

    @Test
    void aClientPollingItsJobsOnceASecondIsNeverRefusedUnderTheDefaultLimit() {
        String templateDefault = stack.definition().function(STATUS).orElseThrow().environment()
                .get("READ_RATE_PER_MINUTE");
        assertEquals("1200", templateDefault);
        readLimit(templateDefault);
        ServiceStack.Api client = newClient("poller");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(client.submit("gemini-2.5-flash-image", "a lighthouse, read limit poller " + i));
        }
        Set<String> done = new HashSet<>();
        List<Integer> statuses = new ArrayList<>();
        long[] nextRound = {0};
        int[] rounds = {0};
        // Each unfinished job polled once a second, and the list every fifth second.
        Deadline.await(Duration.ofSeconds(120), "the poller's jobs to finish", () -> {
            if (System.nanoTime() < nextRound[0]) {
                return false;
            }
            nextRound[0] = System.nanoTime() + 1_000_000_000L;
            for (String id : ids) {
                if (!done.contains(id)) {
                    ServiceStack.Response r = client.get("/v1/requests/" + id);
                    statuses.add(r.status());
                    if (r.status() == 200 && ServiceStack.TERMINAL.contains(r.body().path("status").asText())) {
                        done.add(id);
                    }
                }
            }
            if (rounds[0]++ % 5 == 0) {
                statuses.add(client.get("/v1/requests?limit=10").status());
            }
            return done.size() == ids.size();
        });
        assertTrue(statuses.stream().allMatch(s -> s == 200), "every poll answered 200: " + statuses);
    }

    @Test
    void aClientHammeringTheStatusRoutesGets429WithRetryAfterAndCanStillSubmit() {
        readLimit(Integer.toString(LIMIT));
        // Fixed one-minute windows: a window boundary inside the burst resets the count, so the burst is tried again
        // (at most once more) when the minute changed under it, with a new key whose budget is untouched.
        for (int attempt = 0; attempt < 2; attempt++) {
            ServiceStack.Api hammer = newClient("hammer" + attempt);
            String id = hammer.submit("gemini-2.5-flash-image", "a fox, read limit hammer");
            long minute = Instant.now().getEpochSecond() / 60;
            int answered = 0;
            ServiceStack.Response refused = null;
            for (int i = 0; i < 3 * LIMIT && refused == null; i++) {
                String path = i % 3 == 0 ? "/v1/requests/" + id : i % 3 == 1 ? "/v1/requests?limit=5" : "/v1/models";
                ServiceStack.Response r = hammer.get(path);
                if (r.status() == 429) {
                    refused = r;
                } else {
                    assertEquals(200, r.status(), path + ": " + r.raw().body());
                    answered++;
                }
            }
            if (Instant.now().getEpochSecond() / 60 != minute) {
                continue;
            }
            assertEquals(LIMIT, answered, "reads answered before the first 429 (this minute's budget)");
            assertEquals("RATE_LIMITED", refused.body().path("error").path("code").asText(), refused.raw().body());
            assertTrue(refused.body().path("error").path("message").asText().startsWith("read limit of " + LIMIT
                    + " requests per minute for this API key exceeded; retry in "), refused.raw().body());
            int retryAfter = Integer.parseInt(refused.header("retry-after"));
            assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
            // Submits have their own budget.
            hammer.submit("gemini-2.5-flash-image", "a fox, submitted while reads are refused");
            return;
        }
        throw new AssertionError("two bursts in a row straddled a minute boundary");
    }
}
