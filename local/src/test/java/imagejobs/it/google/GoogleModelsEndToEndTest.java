package imagejobs.it.google;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.genai.Client;
import com.google.genai.errors.ClientException;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;
import com.google.genai.types.Model;

import imagejobs.it.ServiceStack;
import imagejobs.local.resources.LocalKey;

/**
 * google-genai's {@code models.list} and {@code models.get} against the whole local stack, the way a user calls them
 * with only the base URL and key changed. Runs with google-genai 1.70.0 (calls {@code /v1beta/models}) in the
 * {@code end-to-end} execution and with 2.3.0 (calls {@code /v1/models}) in {@code google-genai-2}; each test also
 * pins the other API version explicitly, so both routes are driven by both SDK lines.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GoogleModelsEndToEndTest {
    private static final String FLASH = "gemini-2.5-flash-image";
    private static final String PRO = "gemini-3-pro-image-preview";

    /** The SDK's default API version ("default"), or one set as a user would with HttpOptions.apiVersion. */
    private static Client client(LocalKey key, String apiVersion) {
        HttpOptions.Builder options = HttpOptions.builder()
                .baseUrl(ServiceStack.get().apiUrl().toString())
                // One attempt: a refusal must reach the test as the SDK's exception, not after five retries.
                .retryOptions(HttpRetryOptions.builder().attempts(1).build());
        if (!apiVersion.equals("default")) {
            options.apiVersion(apiVersion);
        }
        return Client.builder().apiKey(key.key()).httpOptions(options.build()).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "v1beta", "v1"})
    void listShowsEveryCatalogModelWithItsLimits(String apiVersion) {
        try (Client client = client(ServiceStack.TENANT_A, apiVersion)) {
            List<Model> models = new ArrayList<>();
            client.models.list(null).forEach(models::add);
            List<String> names = models.stream().map(m -> m.name().orElseThrow()).toList();
            assertEquals(List.of("models/gemini-2.5-flash-image", "models/gemini-2.5-flash-image-preview-hd",
                    "models/gemini-3-pro-image-preview", "models/gemini-3.1-flash-image-preview"), names);
            Model flash = models.get(0);
            assertEquals("Gemini 2.5 Flash Image", flash.displayName().orElseThrow());
            assertEquals(32768, flash.inputTokenLimit().orElseThrow());
            assertEquals(32768, flash.outputTokenLimit().orElseThrow());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "v1beta", "v1"})
    void getShowsOneModelAndItsMethods(String apiVersion) {
        try (Client client = client(ServiceStack.TENANT_A, apiVersion)) {
            Model pro = client.models.get(PRO, null);
            assertEquals("models/" + PRO, pro.name().orElseThrow());
            assertEquals("Gemini 3 Pro Image Preview", pro.displayName().orElseThrow());
            assertEquals(65536, pro.inputTokenLimit().orElseThrow());
            assertTrue(pro.supportedActions().orElseThrow().containsAll(
                    List.of("generateContent", "streamGenerateContent", "batchGenerateContent")),
                    pro.supportedActions().toString());
            // The "models/" prefix a user may write is the SDK's own form too.
            assertEquals("models/" + FLASH, client.models.get("models/" + FLASH, null).name().orElseThrow());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "v1beta", "v1"})
    void anUnknownModelIsGoogles404NotFound(String apiVersion) {
        try (Client client = client(ServiceStack.TENANT_A, apiVersion)) {
            ClientException e = assertThrows(ClientException.class, () -> client.models.get("gemini-0-image", null));
            assertEquals(404, e.code());
            assertEquals("NOT_FOUND", e.status());
            assertTrue(e.message().contains("gemini-0-image") && e.message().contains(PRO), e.message());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "v1beta", "v1"})
    void aWrongKeyIsUnauthenticated(String apiVersion) {
        try (Client client = client(new LocalKey("nobody", "ij_not_a_key"), apiVersion)) {
            ClientException e = assertThrows(ClientException.class, () -> client.models.get(PRO, null));
            assertEquals(401, e.code());
            assertEquals("UNAUTHENTICATED", e.status());
        }
    }

    @Test
    void restCallersGetGooglesErrorBodyAndMayPassTheKeyAsAQueryParameter() {
        String base = ServiceStack.get().apiUrl().toString().replaceAll("/$", "");
        ServiceStack.Response unknown = ServiceStack.send(HttpRequest.newBuilder(
                java.net.URI.create(base + "/v1beta/models/gemini-0-image?key=" + ServiceStack.TENANT_A.key()))
                .timeout(Duration.ofSeconds(30)).GET());
        assertEquals(404, unknown.status(), unknown.raw().body());
        JsonNode error = unknown.body().path("error");
        assertEquals(404, error.path("code").asInt());
        assertTrue(error.path("code").isInt(), "Google's code is the HTTP status as a number");
        assertEquals("NOT_FOUND", error.path("status").asText());
        assertEquals("type.googleapis.com/google.rpc.ErrorInfo", error.at("/details/0/@type").asText());
        assertEquals("UNKNOWN_MODEL", error.at("/details/0/reason").asText());
        assertFalse(unknown.raw().body().contains(ServiceStack.TENANT_A.key()), "the key is never echoed");

        ServiceStack.Response page = ServiceStack.send(HttpRequest.newBuilder(java.net.URI.create(
                base + "/v1beta/models?pageSize=3&key=" + ServiceStack.TENANT_A.key()))
                .timeout(Duration.ofSeconds(30)).GET());
        assertEquals(200, page.status(), page.raw().body());
        assertEquals(3, page.body().path("models").size());
        String token = page.body().path("nextPageToken").asText();
        ServiceStack.Response last = ServiceStack.send(HttpRequest.newBuilder(java.net.URI.create(
                base + "/v1beta/models?pageSize=3&pageToken=" + token)).header("x-goog-api-key",
                ServiceStack.TENANT_A.key()).timeout(Duration.ofSeconds(30)).GET());
        assertEquals(1, last.body().path("models").size());
        assertTrue(last.body().path("nextPageToken").isMissingNode(), "no token on the last page");
    }
}
