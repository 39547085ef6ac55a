package imagejobs.it.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.it.ServiceStack;
import imagejobs.it.ServiceStack.Api;
import imagejobs.it.ServiceStack.Response;
import imagejobs.local.LocalStack;
import imagejobs.local.resources.LocalKey;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.RequestIds;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Two tenants on the running service, through the HTTP front door: neither can get, list or cancel the other's
 * jobs. Another tenant's job, an unknown id, a malformed id and an expired job (retention over, item not yet swept
 * by the TTL) all answer the same 404, byte for byte, so ids cannot be probed. Each tenant lists exactly its own.
 *
 * <p>The tenants are new ones (keys added to KeysTable), so "exactly its own" can be checked although the shared
 * stack holds other tests' jobs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TenantIsolationEndToEndTest {
    private static final String MODEL = "gemini-2.5-flash-image";
    private static final Duration FINISH = Duration.ofSeconds(60);

    private LocalStack stack;
    private Api x;
    private Api y;
    /** x's finished jobs, x's job that stays queued (never enqueued), x's expired job, y's job. */
    private String x1;
    private String x2;
    private String xQueued;
    private String xExpired;
    private String y1;

    @BeforeAll
    void twoTenantsWithJobs() {
        stack = ServiceStack.get();
        LocalKey keyX = StatusFixtures.newTenant(stack, "isox");
        LocalKey keyY = StatusFixtures.newTenant(stack, "isoy");
        x = ServiceStack.api(keyX);
        y = ServiceStack.api(keyY);
        String marker = "isolation " + UUID.randomUUID();
        x1 = x.submit(MODEL, marker + " x one");
        x2 = x.submit(MODEL, marker + " x two");
        xExpired = x.submit(MODEL, marker + " x expired");
        y1 = y.submit(MODEL, marker + " y one");
        for (String id : List.of(x1, x2, xExpired)) {
            assertEquals("success", x.awaitTerminal(id, FINISH).path("status").asText(), id);
        }
        assertEquals("success", y.awaitTerminal(y1, FINISH).path("status").asText());

        // A queued job no worker will take (it was never enqueued): cancellable by its owner, so a 404 to the other
        // tenant is isolation, not "cannot be cancelled".
        Instant now = Instant.now();
        xQueued = RequestIds.newId(now.toEpochMilli());
        assertTrue(StatusFixtures.jobStore(stack).create(Job.queued(xQueued, keyX.tenant(), MODEL, Job.SOURCE_API, null,
                "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"" + marker + " x queued\"}]}]}", null, "h",
                now, now.plus(Duration.ofDays(30)))));

        // Retention over a minute ago, and DynamoDB's TTL sweep has not deleted the item (it may lag by days).
        StatusFixtures.setExpiresAt(stack, xExpired, now.minusSeconds(60));
    }

    @Test
    void anotherTenantsJobAnUnknownIdAMalformedIdAndAnExpiredJobAreTheSame404() {
        Response reference = x.get("/v1/requests/" + RequestIds.newId(System.currentTimeMillis()));
        assertEquals(404, reference.status(), reference.raw().body());
        assertEquals("NOT_FOUND", reference.body().at("/error/code").asText(), reference.raw().body());

        Map<String, Response> probes = new LinkedHashMap<>();
        // Across tenants, both ways, every route that names a job.
        for (String id : List.of(x1, xQueued, xExpired)) {
            probes.put("y gets x's " + id, y.get("/v1/requests/" + id));
            probes.put("y cancels x's " + id, y.post("/v1/requests/" + id + "/cancel", ""));
        }
        probes.put("x gets y's", x.get("/v1/requests/" + y1));
        probes.put("x cancels y's", x.post("/v1/requests/" + y1 + "/cancel", ""));
        // Unknown and malformed ids.
        String unknown = RequestIds.newId(System.currentTimeMillis());
        probes.put("cancel unknown", x.post("/v1/requests/" + unknown + "/cancel", ""));
        for (String malformed : List.of("nope", x1.toLowerCase(), x1 + "0", x1.substring(1),
                "U" + x1.substring(1), "%20" + x1, "a".repeat(300))) {
            probes.put("get malformed " + malformed, x.get("/v1/requests/" + malformed));
            probes.put("cancel malformed " + malformed, x.post("/v1/requests/" + malformed + "/cancel", ""));
        }
        // Its own job, once its retention has passed.
        probes.put("x gets its expired", x.get("/v1/requests/" + xExpired));
        probes.put("x cancels its expired", x.post("/v1/requests/" + xExpired + "/cancel", ""));

        probes.forEach((what, r) -> {
            assertEquals(404, r.status(), what + ": " + r.raw().body());
            assertEquals(reference.raw().body(), r.raw().body(), what);
            assertEquals(reference.header("content-type"), r.header("content-type"), what);
        });
        // Nothing in the bodies names the id asked about.
        assertFalse(reference.raw().body().contains(x1));

        // The expired job is still in the table: the 404 came from its expiry, not from a deletion.
        Map<String, AttributeValue> expired = StatusFixtures.item(stack, xExpired);
        assertEquals("success", expired.get("status").s());
        assertTrue(Long.parseLong(expired.get("expires_at").n()) < Instant.now().getEpochSecond());
    }

    @Test
    void neitherTenantCanCancelTheOthersJobButItsOwnerCan() {
        assertEquals(404, y.post("/v1/requests/" + xQueued + "/cancel", "").status());
        assertEquals(404, x.post("/v1/requests/" + y1 + "/cancel", "").status());

        // Untouched by the other tenant's attempts.
        assertEquals("queued", x.get("/v1/requests/" + xQueued).body().path("status").asText());
        assertEquals("success", y.get("/v1/requests/" + y1).body().path("status").asText());

        Response own = x.post("/v1/requests/" + xQueued + "/cancel", "");
        assertEquals(200, own.status(), own.raw().body());
        assertEquals("cancelled", own.body().path("status").asText());
        assertEquals(xQueued, own.body().path("request_id").asText());
        // Still invisible to the other tenant once cancelled.
        assertEquals(404, y.get("/v1/requests/" + xQueued).status());
    }

    @Test
    void eachTenantListsExactlyItsOwnJobs() {
        assertEquals(Set.of(x1, x2, xQueued), listed(x, ""), "x: its live jobs, not the expired one, none of y's");
        assertEquals(Set.of(y1), listed(y, ""), "y: its one job");
        assertEquals(Set.of(x1, x2), listed(x, "&status=success"));
        assertEquals(Set.of(), listed(y, "&status=queued"), "x's queued job is not y's");

        // The owner sees its job whole; the summary in the listing agrees with it.
        JsonNode job = x.get("/v1/requests/" + x1).body();
        JsonNode summary = null;
        for (JsonNode item : x.get("/v1/requests?limit=100").body().path("data")) {
            if (x1.equals(item.path("request_id").asText())) {
                summary = item;
            }
        }
        assertEquals(job.path("status"), summary.path("status"));
        assertEquals(job.path("created_at"), summary.path("created_at"));
        assertEquals(MODEL, summary.path("model").asText());
    }

    private static Set<String> listed(Api api, String filters) {
        Response r = api.get("/v1/requests?limit=100" + filters);
        assertEquals(200, r.status(), r.raw().body());
        assertTrue(r.body().path("next_cursor").isNull(), "one page holds them all");
        List<String> ids = StatusFixtures.ids(r.body());
        assertEquals(ids.size(), Set.copyOf(ids).size(), "no job twice");
        return Set.copyOf(ids);
    }
}
