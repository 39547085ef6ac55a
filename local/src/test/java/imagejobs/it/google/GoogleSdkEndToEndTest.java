package imagejobs.it.google;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.genai.Chat;
import com.google.genai.Client;
import com.google.genai.ResponseStream;
import com.google.genai.errors.ClientException;
import com.google.genai.errors.ServerException;
import com.google.genai.types.Content;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;
import com.google.genai.types.ImageConfig;
import com.google.genai.types.Model;
import com.google.genai.types.Part;

import imagejobs.it.ServiceStack;
import imagejobs.local.Deadline;
import imagejobs.local.resources.LocalKey;

/**
 * Issue 17 end to end: Google's Java SDK, configured the way its users configure it for Google with only the base
 * URL and the key changed, against the whole local stack (front door, functions, emulators, Gemini simulator), on both
 * model families. Runs with google-genai 1.70.0 (calls {@code /v1beta/...}) and again in the {@code google-genai-2}
 * execution with 2.3.0 (calls {@code /v1/...}).
 *
 * <p>Every call below is written as a user writes it and compiles against both SDK lines; the batch API has its own
 * suite ({@link GoogleBatchesEndToEndTest}), the models routes theirs ({@link GoogleModelsEndToEndTest}). Each asserts what the user sees (the SDK's objects and
 * exceptions) and what the service recorded (the job behind it, its images in S3).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class GoogleSdkEndToEndTest {
    private static final String FLASH = "gemini-2.5-flash-image";
    private static final String PRO = "gemini-3-pro-image-preview";

    /** A client as the README tells a user to build it: the service's base URL and an imagejobs API key. */
    private static Client client(LocalKey key) {
        return Client.builder()
                .apiKey(key.key())
                .httpOptions(HttpOptions.builder().baseUrl(ServiceStack.get().apiUrl().toString()).build())
                .build();
    }

    /**
     * The same, for calls that may outlast API Gateway's 30 s: the base URL of the function URL the template declares
     * for long synchronous calls (SYNC_WAIT_SECONDS); the local stack serves it on a port of its own.
     */
    private static Client longCallClient(LocalKey key) {
        return Client.builder()
                .apiKey(key.key())
                .httpOptions(HttpOptions.builder().baseUrl(GoogleStack.longCallBaseUrl()).build())
                .build();
    }

    private static String marker() {
        return " #" + UUID.randomUUID();
    }

    private static BufferedImage decode(byte[] bytes) throws Exception {
        return ImageIO.read(new ByteArrayInputStream(bytes));
    }

    @Test
    void generateContentAnswersWithTheImageInlineAndAJobBehindIt() throws Exception {
        String prompt = "a red fox" + marker();
        try (Client client = client(ServiceStack.TENANT_A)) {
            GenerateContentResponse response = client.models.generateContent(FLASH, prompt,
                    GenerateContentConfig.builder()
                            .responseModalities("TEXT", "IMAGE")
                            .imageConfig(ImageConfig.builder().aspectRatio("16:9").build())
                            .build());

            byte[] png = response.parts().stream().filter(p -> p.inlineData().isPresent()).findFirst().orElseThrow()
                    .inlineData().orElseThrow().data().orElseThrow();
            BufferedImage image = decode(png);
            assertEquals(1344, image.getWidth());
            assertEquals(768, image.getHeight());
            String requestId = response.responseId().orElseThrow();
            assertEquals(requestId, GoogleStack.header(response, "x-request-id"));

            JsonNode job = ServiceStack.api(ServiceStack.TENANT_A).get("/v1/requests/" + requestId).body();
            assertEquals("success", job.path("status").asText());
            assertEquals(png.length, job.at("/outcome/images/0/bytes").asLong());
            assertTrue(job.at("/outcome/next_turn_contents").isArray());
            assertEquals(1, ServiceStack.simulatorCalls(prompt).size(), "one Gemini call for one SDK call");
        }
    }

    @Test
    void aFourKImageFromGemini3ProTakingAMinuteArrivesAsAPresignedFileUri() throws Exception {
        // [sim:noise]: incompressible pixels, so the 4K JPEG is over the 6 MB an inline answer may carry.
        String prompt = "a lighthouse at dusk [sim:delay=60000][sim:noise]" + marker();
        try (Client client = longCallClient(ServiceStack.TENANT_A)) {
            GenerateContentResponse response = client.models.generateContent(PRO, prompt,
                    GenerateContentConfig.builder()
                            .responseModalities("IMAGE")
                            .imageConfig(ImageConfig.builder().aspectRatio("1:1").imageSize("4K").build())
                            .build());

            Part part = response.parts().stream().filter(p -> p.fileData().isPresent()).findFirst().orElseThrow();
            String uri = part.fileData().orElseThrow().fileUri().orElseThrow();
            assertEquals("image/jpeg", part.fileData().orElseThrow().mimeType().orElseThrow());
            assertTrue(part.thoughtSignature().isPresent());
            byte[] jpeg = ServiceStack.download(uri).body();
            assertEquals(4096, decode(jpeg).getWidth());
        }
    }

    @Test
    void generateContentStreamYieldsTheSameAnswerAsEvents() throws Exception {
        String prompt = "a harbour" + marker();
        List<GenerateContentResponse> chunks = new ArrayList<>();
        try (Client client = client(ServiceStack.TENANT_A);
             ResponseStream<GenerateContentResponse> stream = client.models.generateContentStream(FLASH, prompt,
                     null)) {
            for (GenerateContentResponse chunk : stream) {
                chunks.add(chunk);
            }
        }

        assertFalse(chunks.isEmpty());
        byte[] png = chunks.stream().flatMap(c -> c.parts().stream()).filter(p -> p.inlineData().isPresent())
                .findFirst().orElseThrow().inlineData().orElseThrow().data().orElseThrow();
        assertEquals(1024, decode(png).getWidth());
    }

    @Test
    void aThreeTurnChatEditsWithThoughtSignatures() throws Exception {
        String tag = marker();
        try (Client client = longCallClient(ServiceStack.TENANT_A)) {
            Chat chat = client.chats.create(PRO, GenerateContentConfig.builder()
                    .responseModalities("TEXT", "IMAGE").build());

            GenerateContentResponse first = chat.sendMessage("a lighthouse on a cliff" + tag);
            GenerateContentResponse second = chat.sendMessage("make it night" + tag);
            GenerateContentResponse third = chat.sendMessage("add a ship" + tag);

            for (GenerateContentResponse turn : List.of(first, second, third)) {
                assertTrue(turn.parts().stream().anyMatch(p -> p.inlineData().isPresent() || p.fileData().isPresent()));
            }
            assertEquals(6, chat.getHistory(true).size(), "three user turns, three model turns");
            // Gemini received each earlier model turn back with its signatures, as it requires for an edit.
            List<JsonNode> calls = ServiceStack.simulatorCalls("add a ship" + tag);
            assertEquals(1, calls.size());
            JsonNode contents = calls.get(0).at("/body/contents");
            assertEquals(5, contents.size());
            for (int i : new int[] {1, 3}) {
                assertEquals("model", contents.get(i).path("role").asText());
                assertTrue(contents.get(i).toString().contains("thoughtSignature"), contents.get(i).toString());
            }
        }
    }

    @Test
    void aStreamedChatKeepsItsHistory() {
        try (Client client = client(ServiceStack.TENANT_A)) {
            Chat chat = client.chats.create(FLASH);
            try (ResponseStream<GenerateContentResponse> stream = chat.sendMessageStream("a cat" + marker())) {
                stream.forEach(chunk -> { });
            }
            try (ResponseStream<GenerateContentResponse> stream = chat.sendMessageStream("give it a hat")) {
                stream.forEach(chunk -> { });
            }
            assertEquals(4, chat.getHistory(true).size());
        }
    }

    @Test
    void modelsListAndGetShowTheCatalog() {
        try (Client client = client(ServiceStack.TENANT_A)) {
            List<String> names = new ArrayList<>();
            client.models.list(null).forEach(m -> names.add(m.name().orElseThrow()));
            assertTrue(names.containsAll(List.of("models/" + FLASH, "models/" + PRO)), names.toString());

            Model pro = client.models.get(PRO, null);
            assertEquals("Gemini 3 Pro Image Preview", pro.displayName().orElseThrow());
            assertTrue(pro.supportedActions().orElseThrow().contains("generateContent"));

            ClientException unknown = assertThrows(ClientException.class,
                    () -> client.models.get("gemini-0-image", null));
            assertEquals(404, unknown.code());
            assertEquals("NOT_FOUND", unknown.status());
        }
    }

    @Test
    void badInputGetsTheV1ErrorsInGooglesShape() {
        try (Client client = client(ServiceStack.TENANT_A)) {
            ClientException size = assertThrows(ClientException.class, () -> client.models.generateContent(FLASH,
                    "a fox", GenerateContentConfig.builder()
                            .imageConfig(ImageConfig.builder().imageSize("4K").build()).build()));
            assertEquals(400, size.code());
            assertEquals("INVALID_ARGUMENT", size.status());
            assertTrue(size.message().contains("UNSUPPORTED_IMAGE_SIZE"), size.message());
            assertTrue(size.message().contains("generationConfig.imageConfig.imageSize"), size.message());

            ClientException model = assertThrows(ClientException.class,
                    () -> client.models.generateContent("gemini-0-image", "a fox", null));
            assertEquals(404, model.code());
            assertEquals("NOT_FOUND", model.status());
        }
        try (Client stranger = client(new LocalKey("nobody", "ij_not_a_key"))) {
            ClientException e = assertThrows(ClientException.class,
                    () -> stranger.models.generateContent(FLASH, "a fox", null));
            assertEquals(401, e.code());
            assertEquals("UNAUTHENTICATED", e.status());
        }
        try (Client disabled = client(GoogleStack.disabledKey())) {
            ClientException e = assertThrows(ClientException.class,
                    () -> disabled.models.generateContent(FLASH, "a fox", null));
            assertEquals(403, e.code());
            assertEquals("PERMISSION_DENIED", e.status());
        }
    }

    @Test
    void aRateLimitIsResourceExhaustedWithRetryInfo() {
        LocalKey slow = GoogleStack.keyWithRate(1);
        try (Client client = Client.builder().apiKey(slow.key()).httpOptions(HttpOptions.builder()
                .baseUrl(ServiceStack.get().apiUrl().toString())
                .retryOptions(HttpRetryOptions.builder().attempts(1).build()).build()).build()) {
            client.models.generateContent(FLASH, "a fox" + marker(), null);

            ClientException e = assertThrows(ClientException.class,
                    () -> client.models.generateContent(FLASH, "another fox" + marker(), null));
            assertEquals(429, e.code());
            assertEquals("RESOURCE_EXHAUSTED", e.status());
            assertTrue(e.message().contains("google.rpc.RetryInfo"), e.message());
        }
    }

    @Test
    void pastTheBoundTheAnswerIs504WithTheRequestIdAndTheJobCarriesOn() {
        // The test stack's API bound is 10 s. Gemini takes 90 s: longer than the SDK's five attempts (each 10 s,
        // with 1-8 s backoffs between), so every attempt meets the bound.
        String prompt = "a slow fox [sim:delay=90000]" + marker();
        // The SDK's default retries send the same call four more times; the route must answer them from the same
        // job, not start four more.
        try (Client client = client(ServiceStack.TENANT_A)) {
            ServerException e = assertThrows(ServerException.class,
                    () -> client.models.generateContent(FLASH, prompt, null));
            assertEquals(504, e.code());
            assertEquals("DEADLINE_EXCEEDED", e.status());
            String requestId = GoogleStack.requestIdIn(e.message());

            JsonNode job = ServiceStack.api(ServiceStack.TENANT_A).awaitTerminal(requestId, Duration.ofSeconds(120));
            assertEquals("success", job.path("status").asText());
            assertEquals(1, ServiceStack.simulatorCalls(prompt).size(), "one job, one Gemini call");
        }
    }

    @Test
    void theKeyMayComeAsAQueryParameter() {
        ServiceStack.Response r = ServiceStack.send(HttpRequest.newBuilder(URI.create(
                ServiceStack.get().apiUrl() + "/v1beta/models?key=" + ServiceStack.TENANT_A.key())).GET());

        assertEquals(200, r.status());
        assertTrue(r.body().path("models").isArray());
        assertFalse(GoogleStack.logsMention(ServiceStack.TENANT_A.key()), "the key is never logged");
    }

    @Test
    @Disabled("not built yet: our own presigned URLs read back as s3:// references (design 4.4)")
    void aPresignedUrlFromAnAnswerWorksAsAReferenceInTheNextTurn() throws Exception {
        String tag = marker();
        try (Client client = longCallClient(ServiceStack.TENANT_A)) {
            GenerateContentResponse big = client.models.generateContent(PRO, "a city at 4K" + tag,
                    GenerateContentConfig.builder().imageConfig(ImageConfig.builder().imageSize("4K").build())
                            .build());
            Part image = big.parts().stream().filter(p -> p.fileData().isPresent()).findFirst().orElseThrow();

            GenerateContentResponse edited = client.models.generateContent(PRO, List.of(
                    Content.fromParts(Part.fromText("a city at 4K")),
                    big.candidates().orElseThrow().get(0).content().orElseThrow(),
                    Content.fromParts(Part.fromText("now in winter" + tag))), null);

            assertTrue(edited.parts().stream().anyMatch(p -> p.fileData().isPresent()));
            // The presigned URL was read back as our own object (no download over the network, no expiry), and
            // Gemini got the image inline with its signature.
            JsonNode sent = ServiceStack.simulatorCalls("now in winter" + tag).get(0).at("/body/contents/1/parts");
            assertTrue(sent.toString().contains("inlineData"), sent.toString());
            assertFalse(sent.toString().contains(image.fileData().orElseThrow().fileUri().orElseThrow()));
        }
    }
}
