package imagejobs.shared.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.errors.Rejection;
import imagejobs.shared.json.Json;
import imagejobs.shared.validation.FieldError;

class WebhookFieldsTest {
    private final WebhookFields production = new WebhookFields(false);
    private final WebhookFields local = new WebhookFields(true);

    private static JsonNode body(String json) {
        return Json.parse(json);
    }

    @Test
    void aWebhookAloneAsksForCompletedAndIsStoredCanonical() throws Exception {
        WebhookSubscription s = production.fromJson(body("{\"model\":\"m\",\"webhook\":"
                + "\"HTTPS://Hooks.Example.com.:443/in?t=1#frag\"}"), "").orElseThrow();
        assertEquals("https://hooks.example.com/in?t=1", s.url());
        assertEquals(Set.of(WebhookEvent.COMPLETED), s.events());
        assertEquals(java.util.List.of("completed"), s.eventNames());
    }

    @Test
    void theFilterNamesStartAndCompleted() throws Exception {
        WebhookSubscription s = production.fromJson(body("{\"webhook\":\"https://h.example.com/\","
                + "\"webhook_events_filter\":[\"completed\",\"start\",\"start\"]}"), "").orElseThrow();
        assertEquals(java.util.List.of("start", "completed"), s.eventNames());
        assertTrue(s.wants(WebhookEvent.START));
    }

    @Test
    void noWebhookIsNoSubscription() throws Exception {
        assertEquals(Optional.empty(), production.fromJson(body("{\"model\":\"m\"}"), ""));
        assertEquals(Optional.empty(), production.fromJson(body("{\"webhook\":null}"), ""));
        assertEquals(Optional.empty(), production.fromMetadata(null, null));
        assertEquals(Optional.empty(), production.fromMetadata("", " "));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "http://hooks.example.com/x | uses http://; webhooks are sent to https:// URLs only",
            "https://10.0.0.5/x | points at a private, loopback or link-local address",
            "https://169.254.169.254/latest/meta-data/ | points at a private, loopback or link-local address",
            "https://[fd00:ec2::254]/ | points at a private, loopback or link-local address",
            "https://127.0.0.1:8080/ | points at a private, loopback or link-local address",
            "https://localhost/hook | points at a private, loopback or link-local address",
            "https://user:pass@hooks.example.com/ | must not carry credentials",
            "https://hooks.example.com\\@evil/ | contains a backslash",
            "https://0x7f.1/ | is not an IPv4 address a.b.c.d",
            "s3://bucket/key | must be an https:// URL",
            "ftp://hooks.example.com/ | must be an https:// URL",
            "hooks.example.com/x | must be an https:// URL",
            "https://generativelanguage.googleapis.com/v1beta/files/abc | is on Gemini's API host",
            "https://generativelanguage.googleapis.com./x | is on Gemini's API host",
    })
    void urlsTheServiceDoesNotSendToAre400sNamingTheField(String url, String reason) {
        FieldError e = assertThrows(FieldError.class,
                () -> production.fromJson(body("{\"webhook\":" + Json.MAPPER.valueToTree(url) + "}"), ""));
        assertEquals(Rejection.Kind.INVALID, e.kind(), "a 400 at the edge");
        assertEquals(FieldError.INVALID_WEBHOOK, e.code());
        assertEquals("webhook", e.field());
        assertTrue(e.getMessage().startsWith("webhook '"), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void aSubdomainOfGeminisHostNameIsAnotherHost() throws Exception {
        assertEquals("https://generativelanguage.googleapis.com.hooks.example.com/x", production.url(
                "https://generativelanguage.googleapis.com.hooks.example.com/x", "webhook"));
    }

    @Test
    void theLocalStackTakesPlainHttpOnLoopback() throws Exception {
        assertEquals("http://127.0.0.1:3030/hook", local.url("http://127.0.0.1:3030/hook", "webhook"));
        assertEquals("http://localhost:3030/", local.url("http://localhost:3030", "webhook"));
        // Still never the metadata service or a private network.
        assertThrows(FieldError.class, () -> local.url("http://169.254.169.254/", "webhook"));
        assertThrows(FieldError.class, () -> local.url("http://192.168.1.1/", "webhook"));
    }

    @Test
    void aLongUrlIsQuotedShort() {
        String url = "https://hooks.example.com/" + "a".repeat(3000);
        FieldError e = assertThrows(FieldError.class, () -> production.url(url, "webhook"));
        assertTrue(e.getMessage().length() < 200, e.getMessage());
        assertTrue(e.getMessage().contains("the limit is 2048"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"webhook\":42} | webhook | webhook must be a string (an https:// URL), got a number",
            "{\"webhook\":\"https://h.example.com/\",\"webhook_events_filter\":\"completed\"} | webhook_events_filter"
                    + " | webhook_events_filter must be a list of event names (start, completed), got a string",
            "{\"webhook\":\"https://h.example.com/\",\"webhook_events_filter\":[]} | webhook_events_filter"
                    + " | webhook_events_filter is empty; name at least one event (start, completed), or leave it out"
                    + " for [\"completed\"]",
            "{\"webhook\":\"https://h.example.com/\",\"webhook_events_filter\":[\"start\",\"output\"]}"
                    + " | webhook_events_filter[1] | webhook_events_filter[1] 'output' is not an event this service"
                    + " sends; use start, completed",
            "{\"webhook\":\"https://h.example.com/\",\"webhook_events_filter\":[true]} | webhook_events_filter[0]"
                    + " | webhook_events_filter[0] must be an event name (start, completed), got a boolean",
            "{\"webhook_events_filter\":[\"start\"]} | webhook_events_filter"
                    + " | webhook_events_filter needs a webhook to send the events to",
    })
    void badFieldsAreInvalidFieldErrors(String json, String field, String message) {
        FieldError e = assertThrows(FieldError.class, () -> production.fromJson(body(json), ""));
        assertEquals(FieldError.INVALID_FIELD, e.code());
        assertEquals(field, e.field());
        assertEquals(message, e.getMessage());
    }

    @Test
    void aPrefixNamesNestedFields() {
        FieldError e = assertThrows(FieldError.class,
                () -> production.fromJson(body("{\"webhook\":\"http://h.example.com/\"}"), "config."));
        assertEquals("config.webhook", e.field());
    }

    @Test
    void aLongFilterIsRefused() {
        String many = "[" + "\"start\",".repeat(20) + "\"completed\"]";
        FieldError e = assertThrows(FieldError.class, () -> production.fromJson(body(
                "{\"webhook\":\"https://h.example.com/\",\"webhook_events_filter\":" + many + "}"), ""));
        assertTrue(e.getMessage().contains("has 21 entries"), e.getMessage());
    }

    @Test
    void s3EditMetadataNamesItsFields() throws Exception {
        WebhookSubscription s = production.fromMetadata("https://h.example.com/edits", "Start, completed")
                .orElseThrow();
        assertEquals(Set.of(WebhookEvent.START, WebhookEvent.COMPLETED), s.events());
        assertEquals(Set.of(WebhookEvent.COMPLETED), production.fromMetadata("https://h.example.com/", null)
                .orElseThrow().events());

        FieldError url = assertThrows(FieldError.class,
                () -> production.fromMetadata("https://10.1.2.3/", null));
        assertEquals("x-amz-meta-webhook", url.field());
        assertTrue(url.getMessage().startsWith("x-amz-meta-webhook 'https://10.1.2.3/' points at"), url.getMessage());
        FieldError event = assertThrows(FieldError.class,
                () -> production.fromMetadata("https://h.example.com/", "completed,logs"));
        assertEquals("x-amz-meta-webhook-events-filter", event.field());
        assertEquals("x-amz-meta-webhook-events-filter 'logs' is not an event this service sends; use start,"
                + " completed", event.getMessage());
        FieldError orphan = assertThrows(FieldError.class,
                () -> production.fromMetadata(null, "start"));
        assertEquals("x-amz-meta-webhook-events-filter", orphan.field());
    }
}
