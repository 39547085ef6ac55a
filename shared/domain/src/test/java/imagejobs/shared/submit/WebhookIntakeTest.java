package imagejobs.shared.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.errors.Rejection;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.json.Json;
import imagejobs.shared.status.JobView;
import imagejobs.shared.validation.CanonicalRequest;
import imagejobs.shared.validation.FieldError;
import imagejobs.shared.validation.ImageReferences;
import imagejobs.shared.validation.RequestValidator;
import imagejobs.shared.webhooks.DeliveryRecord;
import imagejobs.shared.webhooks.WebhookEvent;
import imagejobs.shared.webhooks.WebhookSubscription;
import imagejobs.testing.InMemoryJobQueue;
import imagejobs.testing.InMemoryJobStore;
import imagejobs.testing.InMemoryObjectStore;
import imagejobs.testing.MutableClock;

/** A request's webhook, from the body (either form) to the stored job and its view. */
class WebhookIntakeTest {
    private static final String BUCKET = "imagejobs-images-test";
    private static final String TENANT = "tenant-a";
    private static final RequestValidator VALIDATOR = new RequestValidator(ModelCatalog.load(),
            new ImageReferences(BUCKET));

    private final InMemoryJobStore jobs = new InMemoryJobStore();
    private final InMemoryJobQueue queue = new InMemoryJobQueue();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-02T10:15:30.250Z"));
    private final JobIntake intake = new JobIntake(new InputSpiller(new InMemoryObjectStore(BUCKET)), jobs, queue,
            new Settings(new Environment(Map.of())), clock);

    private static CanonicalRequest simple(String extra) {
        return VALIDATOR.validateRequestQueue(Json.parse("{\"model\":\"gemini-2.5-flash-image\",\"payload\":"
                + "{\"prompt\":\"a fox\"}" + extra + "}"), TENANT);
    }

    private static CanonicalRequest nativeForm(String extra) {
        return VALIDATOR.validateNative("gemini-2.5-flash-image", Json.parse(
                "{\"contents\":[{\"parts\":[{\"text\":\"a fox\"}]}]" + extra + "}"), TENANT);
    }

    private static FieldError refused(Runnable validation) {
        return assertThrows(FieldError.class, validation::run);
    }

    @Test
    void theRequestQueueFormTakesAWebhookAndItsFilter() {
        CanonicalRequest request = simple(",\"webhook\":\"https://hooks.example.com/in?token=abc\","
                + "\"webhook_events_filter\":[\"start\",\"completed\"]");
        assertEquals(WebhookSubscription.of("https://hooks.example.com/in?token=abc",
                List.of(WebhookEvent.START, WebhookEvent.COMPLETED)), request.webhook());
        assertEquals(WebhookSubscription.DEFAULT_EVENTS,
                simple(",\"webhook\":\"https://hooks.example.com/\"").webhook().events(), "completed by default");
        assertNull(simple("").webhook());
        assertNull(simple(",\"webhook\":null").webhook());
        assertFalse(Json.write(request.gemini()).contains("hooks.example.com"), "the webhook is not sent to Gemini");
    }

    @Test
    void theNativeFormTakesItBesideGooglesFieldsInEitherSpelling() {
        CanonicalRequest snake = nativeForm(",\"webhook\":\"https://hooks.example.com/\","
                + "\"webhook_events_filter\":[\"start\"]");
        CanonicalRequest camel = nativeForm(",\"webhook\":\"https://hooks.example.com/\","
                + "\"webhookEventsFilter\":[\"start\"]");
        assertEquals(snake.webhook(), camel.webhook());
        assertEquals(java.util.Set.of(WebhookEvent.START), camel.webhook().events());
        assertEquals(Json.write(nativeForm("").gemini()), Json.write(camel.gemini()), "Gemini's request is unchanged");
        FieldError twice = refused(() -> nativeForm(",\"webhook\":\"https://hooks.example.com/\","
                + "\"webhookEventsFilter\":[\"start\"],\"webhook_events_filter\":[\"start\"]"));
        assertEquals("webhookEventsFilter", twice.field());
    }

    @Test
    void badWebhooksAre400sNamingTheField() {
        for (String url : List.of("http://hooks.example.com/", "https://10.0.0.7/hook", "https://169.254.169.254/",
                "https://user:pw@hooks.example.com/", "https://127.0.0.1:3030/", "ftp://hooks.example.com/")) {
            FieldError e = refused(() -> simple(",\"webhook\":\"" + url + "\""));
            assertEquals(FieldError.INVALID_WEBHOOK, e.code(), url);
            assertEquals("webhook", e.field(), url);
            assertEquals(Rejection.Kind.INVALID, e.kind(), url);
        }
        FieldError unknown = refused(() -> simple(",\"webhook\":\"https://hooks.example.com/\","
                + "\"webhook_events_filter\":[\"completed\",\"finished\"]"));
        assertEquals("webhook_events_filter[1]", unknown.field());
        FieldError orphan = refused(() -> simple(",\"webhook_events_filter\":[\"completed\"]"));
        assertEquals("webhook_events_filter", orphan.field());
        FieldError nativeBad = refused(() -> nativeForm(",\"webhook\":\"https://192.168.1.1/\""));
        assertEquals("webhook", nativeBad.field());
        assertEquals(FieldError.INVALID_WEBHOOK, nativeBad.code());
    }

    @Test
    void loopbackWebhooksOnlyWhereLoopbackReferencesAre() {
        RequestValidator local = new RequestValidator(ModelCatalog.load(), new ImageReferences(BUCKET, true));
        CanonicalRequest request = local.validateRequestQueue(Json.parse("{\"model\":\"gemini-2.5-flash-image\","
                + "\"payload\":{\"prompt\":\"a fox\"},\"webhook\":\"http://127.0.0.1:3030/\"}"), TENANT);
        assertEquals("http://127.0.0.1:3030/", request.webhook().url());
    }

    @Test
    void theJobKeepsTheWebhookAndItsViewShowsTheDeliveryState() {
        Job job = intake.accept(new JobIntake.Submission(TENANT, simple(",\"webhook\":\"https://hooks.example.com/\""),
                Job.SOURCE_API, null)).job();
        Job stored = jobs.get(job.requestId()).orElseThrow();
        assertEquals("https://hooks.example.com/", stored.webhook().url());

        JobView view = new JobView(BUCKET, null, null);
        JsonNode pending = view.full(stored).path("webhook");
        assertEquals("https://hooks.example.com/", pending.path("url").asText());
        assertEquals("[\"completed\"]", pending.path("events").toString());
        assertEquals("pending", pending.path("state").asText());
        assertEquals(0, pending.path("attempts").asInt());
        assertTrue(pending.path("last_status").isNull());

        Instant at = Instant.parse("2026-03-02T10:16:00Z");
        jobs.recordWebhook(job.requestId(), WebhookEvent.COMPLETED,
                new DeliveryRecord(DeliveryRecord.State.DELIVERED, 3, 200, at, null));
        JsonNode delivered = view.full(jobs.get(job.requestId()).orElseThrow()).path("webhook");
        assertEquals("delivered", delivered.path("state").asText());
        assertEquals(3, delivered.path("attempts").asInt());
        assertEquals(200, delivered.path("last_status").asInt());
        assertEquals("2026-03-02T10:16:00.000Z", delivered.path("last_attempt_at").asText());
        assertFalse(view.summary(stored).has("webhook"), "listings leave it out");
        assertFalse(view.full(intake.accept(new JobIntake.Submission(TENANT, simple(""), Job.SOURCE_API, null)).job())
                .has("webhook"), "no webhook, no object");
    }

    @Test
    void theWebhookIsPartOfWhatAnIdempotencyKeyBinds() {
        String plain = JobIntake.requestHash(simple(""));
        String hooked = JobIntake.requestHash(simple(",\"webhook\":\"https://hooks.example.com/\""));
        String other = JobIntake.requestHash(simple(",\"webhook\":\"https://hooks.example.com/other\""));
        String start = JobIntake.requestHash(simple(",\"webhook\":\"https://hooks.example.com/\","
                + "\"webhook_events_filter\":[\"start\",\"completed\"]"));
        assertEquals(4, java.util.Set.of(plain, hooked, other, start).size());
        assertEquals(hooked, JobIntake.requestHash(nativeForm(",\"webhook\":\"https://hooks.example.com/\"")),
                "either form, the same request");
        assertNotEquals(plain, hooked);
    }
}
