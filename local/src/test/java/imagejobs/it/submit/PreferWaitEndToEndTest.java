package imagejobs.it.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.it.ServiceStack;
import imagejobs.shared.json.Json;

/**
 * {@code Prefer: wait=N} on {@code POST /v1/requests} through the whole local stack (front door, submit, queue, worker,
 * Gemini simulator): a job the worker finishes within N seconds comes back with 200 and the whole job, images
 * downloadable, as {@code GET /v1/requests/{id}} shows it; a slower one is the usual 202 and carries on.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PreferWaitEndToEndTest {
    private static final String FLASH = "gemini-2.5-flash-image";

    private static ServiceStack.Response submit(String prompt, String prefer) {
        String body = Json.write(Json.object().put("model", FLASH).set("payload", Json.object().put("prompt",
                prompt + " #" + UUID.randomUUID())));
        HttpRequest.Builder request = HttpRequest.newBuilder(ServiceStack.get().apiUrl().resolve("/v1/requests"))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + ServiceStack.TENANT_A.key())
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (prefer != null) {
            request.header("Prefer", prefer);
        }
        return ServiceStack.send(request);
    }

    @Test
    void aJobFinishedWithinTheWaitIsAnsweredWithTheImage() {
        ServiceStack.Response r = submit("a red fox in the snow", "wait=8");

        assertEquals(200, r.status(), r.raw().body());
        assertEquals("wait=8", r.header("Preference-Applied"));
        JsonNode job = r.body();
        String id = job.path("request_id").asText();
        assertEquals("/v1/requests/" + id, r.header("Location"));
        assertEquals("success", job.path("status").asText());
        String url = job.at("/outcome/images/0/url").asText();
        var image = ServiceStack.download(url);
        assertEquals(200, image.statusCode(), url);
        assertEquals(job.at("/outcome/images/0/bytes").asLong(), image.body().length);
        assertTrue(job.at("/outcome/next_turn_contents").isArray(), job.toString());

        JsonNode polled = ServiceStack.api(ServiceStack.TENANT_A).get("/v1/requests/" + id).body();
        assertEquals(polled.path("status"), job.path("status"));
        assertEquals(polled.path("completed_at"), job.path("completed_at"));
        assertEquals(polled.at("/outcome/images/0/s3_uri"), job.at("/outcome/images/0/s3_uri"));
    }

    @Test
    void aJobSlowerThanTheWaitIsTheUsual202AndCarriesOn() {
        ServiceStack.Response r = submit("a lighthouse at dusk [sim:delay=8000]", "wait=2");

        assertEquals(202, r.status(), r.raw().body());
        assertEquals("wait=2", r.header("Preference-Applied"));
        String id = r.body().path("request_id").asText();
        assertEquals("queued", r.body().path("status").asText());
        JsonNode done = ServiceStack.api(ServiceStack.TENANT_A).awaitTerminal(id, Duration.ofSeconds(90));
        assertEquals("success", done.path("status").asText(), done.toString());
    }

    @Test
    void aWaitLongerThanTheBoundIsCutAndABadOneIgnored() {
        ServiceStack.Response capped = submit("a quiet harbour [sim:delay=1500]", "wait=3600");
        assertEquals(200, capped.status(), capped.raw().body());
        assertEquals("wait=" + ServiceStack.API_SYNC_WAIT_SECONDS, capped.header("Preference-Applied"),
                "cut to API_SYNC_WAIT_SECONDS (the shared stack's)");

        ServiceStack.Response ignored = submit("a quiet harbour", "wait=soon");
        assertEquals(202, ignored.status(), ignored.raw().body());
        assertNull(ignored.header("Preference-Applied"));
    }
}
