package imagejobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.gemini.GeminiSimulator;
import imagejobs.local.gemini.SimQuotas;

/** What ./run-local's environment does to the simulator it starts. */
class GeminiSimulatorLauncherTest {

    @Test
    void theQuotaVariablesReachTheSimulatorOfRunLocal() throws Exception {
        Map<String, String> env = Map.of(SimQuotas.RPM_ENV, "*:30,gemini-3-pro-image-preview:1",
                SimQuotas.CONCURRENCY_ENV, "*:2");
        LocalStackConfig config = LocalStackConfig.fromEnvironment(TestPaths.root(), env).build();
        try (GeminiBackend backend = config.geminiStarter().start(0, "key")) {
            assertEquals(200, generate(backend, "gemini-3-pro-image-preview"));
            assertEquals(429, generate(backend, "gemini-3-pro-image-preview"));
            assertEquals(200, generate(backend, "gemini-2.5-flash-image"));
            JsonNode pro = ((GeminiSimulator) backend.handle()).stats().path("models")
                    .path("gemini-3-pro-image-preview");
            assertEquals(1, pro.path("rpm_limit").asInt());
            assertEquals(2, pro.path("concurrency_limit").asInt());
            assertEquals(1, pro.path("throttled_rpm").asInt());
        }
    }

    private static int generate(GeminiBackend backend, String model) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(backend.baseUrl() + "/v1beta/models/" + model
                        + ":generateContent"))
                .header("x-goog-api-key", "key").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a fox\"}]}]}"))
                .build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void aMalformedQuotaStopsTheStartNamingTheVariable() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new GeminiSimulatorLauncher(Map.of(SimQuotas.RPM_ENV, "gemini-3-pro-image-preview")).start(0,
                        "key"));

        assertTrue(e.getMessage().startsWith("IMAGEJOBS_GEMINI_SIM_RPM entry 1"), e.getMessage());
    }

    @Test
    void withoutTheVariablesThereIsNoLimit() throws Exception {
        try (GeminiBackend backend = new GeminiSimulatorLauncher().start(0, "key")) {
            assertEquals(0, ((GeminiSimulator) backend.handle()).stats().path("models").size());
        }
    }
}
