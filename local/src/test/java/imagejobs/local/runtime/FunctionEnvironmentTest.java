package imagejobs.local.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import imagejobs.local.emulators.LocalCredentials;
import imagejobs.local.template.FunctionDefinition;

class FunctionEnvironmentTest {
    private static final FunctionDefinition WORKER = new FunctionDefinition("WorkerFunction", "w.Handler",
            Path.of("w.jar"), Map.of("JOBS_TABLE", "JobsTable", "GEMINI_BASE_URL", "https://generativelanguage.googleapis.com",
            "GEMINI_AUTH_STYLE", "x-goog-api-key", "GEMINI_API_KEY_SECRET_ID", "imagejobs/gemini-api-key",
            "AWS_REGION", "eu-west-1"), 300, 2048, List.of(), List.of(), List.of());
    private static final FunctionDefinition SUBMIT = new FunctionDefinition("SubmitFunction", "s.Handler",
            Path.of("s.jar"), Map.of("JOBS_TABLE", "JobsTable"), 30, 1024, List.of(), List.of(), List.of());

    private static FunctionEnvironment environment(Map<String, String> user, String simulator) {
        return new FunctionEnvironment(URI.create("http://127.0.0.1:8000"), URI.create("http://127.0.0.1:9324"),
                URI.create("http://127.0.0.1:9000"), "us-east-1", simulator, user);
    }

    @Test
    void localWiringOverTheTemplate() {
        Map<String, String> env = environment(Map.of(), null).build(SUBMIT);
        assertEquals("JobsTable", env.get("JOBS_TABLE"));
        assertEquals("us-east-1", env.get("AWS_REGION"));
        assertEquals("us-east-1", env.get("AWS_DEFAULT_REGION"));
        assertEquals(LocalCredentials.ACCESS_KEY_ID, env.get("AWS_ACCESS_KEY_ID"));
        assertEquals(LocalCredentials.SECRET_ACCESS_KEY, env.get("AWS_SECRET_ACCESS_KEY"));
        assertEquals("http://127.0.0.1:8000", env.get("AWS_ENDPOINT_URL_DYNAMODB"));
        assertEquals("http://127.0.0.1:9324", env.get("AWS_ENDPOINT_URL_SQS"));
        assertEquals("http://127.0.0.1:9000", env.get("AWS_ENDPOINT_URL_S3"));
        assertEquals("WHEN_REQUIRED", env.get("AWS_REQUEST_CHECKSUM_CALCULATION"));
        assertEquals("WHEN_REQUIRED", env.get("AWS_RESPONSE_CHECKSUM_VALIDATION"));
        assertEquals("true", env.get("S3_FORCE_PATH_STYLE"));
        assertEquals("SubmitFunction", env.get("AWS_LAMBDA_FUNCTION_NAME"));
        assertEquals("1024", env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"));
        assertFalse(env.containsKey("GEMINI_API_KEY"), "only functions wired to Gemini get a key");
    }

    @Test
    void simulatorUnlessTheUserHasAKey() {
        Map<String, String> sim = environment(Map.of(), "http://127.0.0.1:8090").build(WORKER);
        assertEquals("http://127.0.0.1:8090", sim.get("GEMINI_BASE_URL"));
        assertEquals(FunctionEnvironment.SIMULATOR_API_KEY, sim.get("GEMINI_API_KEY"));
        assertEquals("x-goog-api-key", sim.get("GEMINI_AUTH_STYLE"));
        assertFalse(sim.containsKey("GEMINI_API_KEY_SECRET_ID"), "no Secrets Manager locally");

        FunctionEnvironment user = environment(Map.of("GEMINI_API_KEY", "real-key"), null);
        assertTrue(user.usesRealGemini());
        Map<String, String> real = user.build(WORKER);
        assertEquals("real-key", real.get("GEMINI_API_KEY"));
        assertEquals("https://generativelanguage.googleapis.com", real.get("GEMINI_BASE_URL"), "the template's");

        Map<String, String> reseller = environment(Map.of("GEMINI_API_KEY", "k", "GEMINI_BASE_URL",
                "https://reseller.example", "GEMINI_AUTH_STYLE", "bearer"), "http://127.0.0.1:8090").build(WORKER);
        assertEquals("https://reseller.example", reseller.get("GEMINI_BASE_URL"));
        assertEquals("bearer", reseller.get("GEMINI_AUTH_STYLE"));
    }

    @Test
    void functionsGivenTheWebhookKeySecretGetTheFixedLocalKeyInstead() {
        FunctionDefinition status = new FunctionDefinition("StatusFunction", "st.Handler", Path.of("st.jar"),
                Map.of("WEBHOOK_SECRETS_TABLE", "WebhookSecretsTable",
                        "WEBHOOK_SECRETS_KEY_SECRET_ID", "arn:aws:secretsmanager:x"), 30, 1024, List.of(), List.of(),
                List.of());
        Map<String, String> env = environment(Map.of(), null).build(status);
        assertEquals(LocalWebhookKeys.MATERIAL, env.get("WEBHOOK_SECRETS_KEY"));
        assertFalse(env.containsKey("WEBHOOK_SECRETS_KEY_SECRET_ID"), "no Secrets Manager locally");
        assertTrue(LocalWebhookKeys.MATERIAL.length() >= 32);
        assertFalse(environment(Map.of(), null).build(SUBMIT).containsKey("WEBHOOK_SECRETS_KEY"),
                "only functions the template gives the key");
    }

    @Test
    void overridesFromTheUserAndFromTestsComeLast() {
        FunctionEnvironment env = environment(Map.of("IMAGEJOBS_FUNCTION_ENV_ALLOW_LOOPBACK_REFERENCES", "true",
                "IMAGEJOBS_FUNCTION_ENV_JOBS_TABLE", "Other", "UNRELATED", "x"), null);
        assertEquals("true", env.build(SUBMIT).get("ALLOW_LOOPBACK_REFERENCES"));
        assertEquals("Other", env.build(SUBMIT).get("JOBS_TABLE"));
        assertFalse(env.build(SUBMIT).containsKey("UNRELATED"));

        env.setForAll("MAX_ATTEMPTS", "2").set("WorkerFunction", "MAX_ATTEMPTS", "1")
                .set("WorkerFunction", "JOBS_TABLE", null);
        assertEquals("2", env.build(SUBMIT).get("MAX_ATTEMPTS"));
        assertEquals("1", env.build(WORKER).get("MAX_ATTEMPTS"));
        assertFalse(env.build(WORKER).containsKey("JOBS_TABLE"), "null removes");
    }

    @Test
    void webhookTestRetryWaitsOnlyWhenRunLocalsEnvironmentSetsThem() {
        assertFalse(environment(Map.of(), null).build(SUBMIT).containsKey("WEBHOOK_TEST_RETRY_WAITS"),
                "real retry schedule by default");
        Map<String, String> env = environment(Map.of("WEBHOOK_TEST_RETRY_WAITS", "1s,1s"), null).build(SUBMIT);
        assertEquals("1s,1s", env.get("WEBHOOK_TEST_RETRY_WAITS"));
        assertFalse(env.containsKey("GEMINI_API_KEY"), "no other variable of the user's environment comes along");
    }
}
