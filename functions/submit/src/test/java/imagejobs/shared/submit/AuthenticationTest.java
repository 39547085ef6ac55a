package imagejobs.shared.submit;

import static imagejobs.shared.submit.SubmitHarness.REQUESTS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import imagejobs.shared.log.StructuredLog;

/** Who may submit: API keys in Authorization Bearer, x-api-key, x-goog-api-key or ?key=, looked up by hash. */
class AuthenticationTest {
    private static final String BODY = "{\"model\":\"gemini-2.5-flash-image\",\"payload\":{\"prompt\":\"a fox\"}}";
    private final SubmitHarness harness = new SubmitHarness();

    private SubmitHarness.Answer post(Map<String, String> headers, String body) {
        return harness.call(REQUESTS, headers, body);
    }

    @Test
    void noKeyIs401AndNothingIsStored() {
        SubmitHarness.Answer answer = post(Map.of("content-type", "application/json"), BODY);
        assertEquals(401, answer.status());
        assertEquals("UNAUTHENTICATED", answer.code());
        assertTrue(answer.message().contains("Authorization: Bearer"), answer.message());
        assertNull(answer.field());
        harness.assertNothingPersisted("unauthenticated");
    }

    @Test
    void authenticationComesBeforeTheBody() {
        // A stranger learns nothing about validation (and costs no parsing) before showing a key.
        SubmitHarness.Answer answer = post(Map.of(), "{not json");
        assertEquals(401, answer.status());
        assertEquals("UNAUTHENTICATED", answer.code());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "ij_test_key_tenant_a", "Token ij_test_key_tenant_a",
            "Bearer two words"})
    void malformedAuthorizationIs401(String header) {
        SubmitHarness.Answer answer = post(Map.of("authorization", header), BODY);
        assertEquals(401, answer.status(), header);
        assertEquals("UNAUTHENTICATED", answer.code());
        assertTrue(answer.message().contains("Bearer <api key>"), answer.message());
        harness.assertNothingPersisted(header);
    }

    @Test
    void unknownKeyIs401WithoutEchoingIt() {
        SubmitHarness.Answer answer = post(SubmitHarness.auth("ij_not_a_real_key"), BODY);
        assertEquals(401, answer.status());
        assertEquals("UNAUTHENTICATED", answer.code());
        assertEquals("the API key is not valid", answer.message());
        assertFalse(answer.toString().contains("ij_not_a_real_key"));
        harness.assertNothingPersisted("unknown key");
    }

    @Test
    void disabledKeyIs403() {
        SubmitHarness.Answer answer = post(SubmitHarness.auth(SubmitHarness.DISABLED_KEY), BODY);
        assertEquals(403, answer.status());
        assertEquals("KEY_DISABLED", answer.code());
        harness.assertNothingPersisted("disabled key");
    }

    @Test
    void emptyApiKeyHeaderIs401() {
        SubmitHarness.Answer answer = post(Map.of("x-api-key", "  "), BODY);
        assertEquals(401, answer.status());
        assertTrue(answer.message().contains("x-api-key"), answer.message());
    }

    @ParameterizedTest
    @ValueSource(strings = {"authorization:Bearer ", "authorization:bearer ", "authorization:BEARER  ", "x-api-key:",
            "X-Api-Key:", "x-goog-api-key:"})
    void everyAcceptedSpellingFindsTheTenant(String spelling) {
        String[] headerAndPrefix = spelling.split(":", 2);
        SubmitHarness.Answer answer = post(Map.of(headerAndPrefix[0], headerAndPrefix[1] + SubmitHarness.KEY), BODY);
        assertEquals(202, answer.status(), answer::toString);
        assertEquals(SubmitHarness.TENANT, harness.jobs.get(answer.requestId()).orElseThrow().tenant());
    }

    @Test
    void theKeyDecidesTheTenant() {
        SubmitHarness.Answer answer = post(SubmitHarness.auth(SubmitHarness.OTHER_KEY), BODY);
        assertEquals(202, answer.status());
        assertEquals(SubmitHarness.OTHER_TENANT, harness.jobs.get(answer.requestId()).orElseThrow().tenant());
    }

    @Test
    void theNativeRouteAuthenticatesAlike() {
        SubmitHarness.Answer answer = harness.call(SubmitHarness.generatePath("gemini-2.5-flash-image"), Map.of(),
                "{\"contents\":[{\"parts\":[{\"text\":\"a fox\"}]}]}");
        assertEquals(401, answer.status());
        harness.assertNothingPersisted("native route without a key");
    }

    @Test
    void aKeyInTheQueryFindsTheTenantAndIsNeverLogged() {
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        StructuredLog.redirect(new PrintStream(logged, true, StandardCharsets.UTF_8));
        SubmitHarness.Answer answer;
        try {
            answer = harness.call(REQUESTS, "alt=json&key=" + SubmitHarness.KEY,
                    Map.of("content-type", "application/json"), BODY.getBytes(StandardCharsets.UTF_8));
        } finally {
            StructuredLog.redirect(System.out);
        }
        assertEquals(202, answer.status(), answer::toString);
        assertEquals(SubmitHarness.TENANT, harness.jobs.get(answer.requestId()).orElseThrow().tenant());
        String log = logged.toString(StandardCharsets.UTF_8);
        assertFalse(log.isEmpty(), "the submit logs (and its metrics) were captured");
        assertFalse(log.contains(SubmitHarness.KEY), log);
    }

    @Test
    void theSameKeyInTwoPlacesIsAccepted() {
        Map<String, String> headers = new java.util.HashMap<>(SubmitHarness.auth(SubmitHarness.KEY));
        headers.put("x-goog-api-key", SubmitHarness.KEY);
        SubmitHarness.Answer answer = harness.call(REQUESTS, "key=" + SubmitHarness.KEY, headers,
                BODY.getBytes(StandardCharsets.UTF_8));
        assertEquals(202, answer.status(), answer::toString);
    }

    @Test
    void differentKeysAre401() {
        SubmitHarness.Answer answer = harness.call(REQUESTS, "key=" + SubmitHarness.OTHER_KEY,
                Map.of("x-goog-api-key", SubmitHarness.KEY), BODY.getBytes(StandardCharsets.UTF_8));
        assertEquals(401, answer.status(), answer::toString);
        assertTrue(answer.message().contains("more than one API key"), answer.message());
        assertFalse(answer.message().contains(SubmitHarness.KEY), answer.message());
        harness.assertNothingPersisted("two different keys");
    }

    @Test
    void aClientCannotSetTheInternalQueryKeyHeader() {
        SubmitHarness.Answer answer = post(Map.of(imagejobs.shared.auth.Credentials.QUERY_KEY_HEADER,
                SubmitHarness.KEY), BODY);
        assertEquals(401, answer.status(), answer::toString);
    }
}
