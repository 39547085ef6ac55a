package imagejobs.it.status;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.it.ServiceStack;
import imagejobs.it.ServiceStack.Api;
import imagejobs.it.ServiceStack.Response;
import imagejobs.local.Deadline;
import imagejobs.local.LocalStack;
import imagejobs.local.resources.LocalKey;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.json.Json;

/**
 * What GET /v1/requests/{id} hands out for a finished job, checked against what the stack actually stored: the
 * presigned URLs download exactly the bytes in S3 and stop working once they expire; next_turn_contents comes back
 * whole even when the worker spilled it to S3. Also the model catalog routes.
 *
 * <p>Expiry runs on a second stack whose status function has PRESIGN_TTL_SECONDS=5 (the template's MinValue of 60
 * bounds the deployment parameter, not the function's variable). Five seconds rather than one so the same URL can
 * be seen working first, even on a busy machine: its later 403 is then expiry, not a bad signature.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PresignedUrlEndToEndTest {
    private static final String MODEL = "gemini-2.5-flash-image";
    private static final Duration FINISH = Duration.ofSeconds(60);
    private static final int SHORT_TTL_SECONDS = 5;
    private static final LocalKey SHORT_TTL_KEY = new LocalKey("shortttl", "ij_test_key_short_ttl");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Starts while the shared-stack tests run; the expiry test, last, joins it. */
    private CompletableFuture<LocalStack> shortTtlStack;

    @BeforeAll
    void startShortTtlStack() {
        shortTtlStack = StatusFixtures.startInBackground(StatusFixtures.secondStack(List.of(SHORT_TTL_KEY))
                .functionEnvironment("StatusFunction", "PRESIGN_TTL_SECONDS", Integer.toString(SHORT_TTL_SECONDS))
                .build());
    }

    @AfterAll
    void stopShortTtlStack() {
        StatusFixtures.close(shortTtlStack);
    }

    @Test
    @Order(1)
    void presignedUrlsDownloadExactlyTheStoredBytesForAnHour() {
        LocalStack stack = ServiceStack.get();
        LocalKey key = StatusFixtures.newTenant(stack, "presign");
        Api api = ServiceStack.api(key);
        String id = api.submit(MODEL, "two lanterns " + UUID.randomUUID() + " [sim:images=2]");
        assertEquals("success", api.awaitTerminal(id, FINISH).path("status").asText());

        Instant asked = Instant.now();
        JsonNode outcome = api.get("/v1/requests/" + id).body().path("outcome");
        Instant answered = Instant.now();
        JsonNode images = outcome.path("images");
        assertEquals(2, images.size(), outcome.toString());
        assertEquals(2, outcome.path("media_urls").size());

        Instant expires = Instant.parse(outcome.path("url_expires_at").asText());
        assertFalse(expires.isBefore(asked.plusSeconds(3600).minusSeconds(2)), "url_expires_at " + expires);
        assertFalse(expires.isAfter(answered.plusSeconds(3600).plusSeconds(2)), "url_expires_at " + expires);

        List<String> urls = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            JsonNode image = images.get(i);
            String objectKey = "outputs/" + key.tenant() + "/" + id + "/" + i + ".png";
            assertEquals("s3://" + ServiceStack.bucket() + "/" + objectKey, image.path("s3_uri").asText());
            byte[] stored = stack.s3().getObjectAsBytes(r -> r.bucket(ServiceStack.bucket()).key(objectKey))
                    .asByteArray();
            String url = image.path("url").asText();
            assertEquals(url, outcome.at("/media_urls/" + i + "/url").asText());
            assertEquals(String.valueOf(i), outcome.at("/media_urls/" + i + "/id").asText());
            assertTrue(url.contains("X-Amz-Expires=3600"), url);

            HttpResponse<byte[]> download = ServiceStack.download(url);
            assertEquals(200, download.statusCode());
            assertArrayEquals(stored, download.body(), "image " + i);
            assertEquals(stored.length, image.path("bytes").asLong());
            assertEquals("image/png", download.headers().firstValue("content-type").orElse(null));
            urls.add(url);
        }
        assertNotEquals(urls.get(0), urls.get(1));
        // Each URL opens its own object only: pointing it at the other image breaks the signature.
        HttpResponse<byte[]> otherKey = ServiceStack.download(urls.get(0).replace("/0.png?", "/1.png?"));
        assertEquals(403, otherKey.statusCode());

        // A small conversation stays in the item.
        JsonNode stored = Json.parse(StatusFixtures.item(stack, id).get("outcome").s());
        assertTrue(stored.has("next_turn_contents"));
        assertEquals(stored.get("next_turn_contents"), outcome.get("next_turn_contents"));
    }

    @Test
    @Order(4)
    void anExpiredPresignedUrlNoLongerDownloads() {
        LocalStack shortTtl = shortTtlStack.join();
        StackClient api = new StackClient(shortTtl, SHORT_TTL_KEY);
        String id = api.submit(MODEL, "a brief comet " + UUID.randomUUID());
        assertEquals("success", api.awaitTerminal(id, FINISH).path("status").asText());
        String objectKey = "outputs/" + SHORT_TTL_KEY.tenant() + "/" + id + "/0.png";
        byte[] stored = shortTtl.s3().getObjectAsBytes(r -> r.bucket(shortTtl.bucketName("ImagesBucket"))
                .key(objectKey)).asByteArray();

        Instant asked = Instant.now();
        JsonNode outcome = api.get("/v1/requests/" + id).body().path("outcome");
        String url = outcome.at("/media_urls/0/url").asText();
        Instant expires = Instant.parse(outcome.path("url_expires_at").asText());
        assertTrue(url.contains("X-Amz-Expires=" + SHORT_TTL_SECONDS), url);
        assertFalse(expires.isBefore(asked.plusSeconds(SHORT_TTL_SECONDS).minusSeconds(2)), "url_expires_at " + expires);
        assertFalse(expires.isAfter(Instant.now().plusSeconds(SHORT_TTL_SECONDS)), "url_expires_at " + expires);

        HttpResponse<byte[]> fresh = ServiceStack.download(url);
        assertEquals(200, fresh.statusCode(), "the URL works while it is valid");
        assertArrayEquals(stored, fresh.body());

        AtomicReference<HttpResponse<byte[]>> last = new AtomicReference<>();
        Deadline.await(Duration.ofSeconds(SHORT_TTL_SECONDS + 15L), "the presigned URL to expire", () -> {
            last.set(ServiceStack.download(url));
            return last.get().statusCode() != 200;
        });
        Instant refusedAt = Instant.now();
        assertEquals(403, last.get().statusCode());
        String error = new String(last.get().body(), StandardCharsets.UTF_8);
        assertTrue(error.contains("AccessDenied") && error.toLowerCase().contains("expired"), error);
        // Not before its announced expiry (X-Amz-Date has whole seconds, so allow one).
        assertFalse(refusedAt.isBefore(expires.minusSeconds(1)), "refused at " + refusedAt + ", expires " + expires);

        // The object is still there: polling the job again hands out a new URL that works.
        String renewed = api.get("/v1/requests/" + id).body().at("/outcome/media_urls/0/url").asText();
        assertNotEquals(url, renewed);
        HttpResponse<byte[]> again = ServiceStack.download(renewed);
        assertEquals(200, again.statusCode());
        assertArrayEquals(stored, again.body());
    }

    @Test
    @Order(2)
    void nextTurnContentsIsReturnedWholeWhenSpilledToS3() {
        LocalStack stack = ServiceStack.get();
        LocalKey key = StatusFixtures.newTenant(stack, "spill");
        Api api = ServiceStack.api(key);
        // Over the worker's 300 KB inline limit for a conversation, within the model's input limit
        // (gemini-3.1-flash-image-preview: 131072 tokens, about 524288 characters).
        String marker = "spill " + UUID.randomUUID() + " ";
        String prompt = marker + "a garden of many paths, ".repeat(320 * 1024 / 24);
        assertTrue(prompt.length() > 320 * 1024);
        String id = api.submit("gemini-3.1-flash-image-preview", prompt);
        JsonNode job = api.awaitTerminal(id, FINISH);
        assertEquals("success", job.path("status").asText(), job.path("error").toString());

        // The item holds a pointer, not the conversation.
        JsonNode stored = Json.parse(StatusFixtures.item(stack, id).get("outcome").s());
        assertFalse(stored.has("next_turn_contents"), "spilled");
        String conversationKey = stored.path("next_turn_contents_key").asText();
        assertEquals("conversations/" + key.tenant() + "/" + id + ".json", conversationKey);
        JsonNode spilled = Json.parse(stack.s3().getObjectAsBytes(r -> r.bucket(ServiceStack.bucket())
                .key(conversationKey)).asUtf8String());

        // The API answers with the whole conversation, and never with the pointer.
        JsonNode outcome = api.get("/v1/requests/" + id).body().path("outcome");
        assertFalse(outcome.has("next_turn_contents_key"), "the S3 key is internal");
        JsonNode turns = outcome.path("next_turn_contents");
        assertEquals(spilled, turns);
        assertEquals(3, turns.size(), "the user's turn, the model's turn, an empty turn to fill in");
        assertEquals("user", turns.at("/0/role").asText());
        assertEquals(prompt, turns.at("/0/parts/0/text").asText(), "the long prompt, whole");
        assertEquals("model", turns.at("/1/role").asText());
        assertTrue(Json.write(turns.get(1)).contains(outcome.at("/images/0/s3_uri").asText()), turns.get(1).toString());
        assertEquals("user", turns.at("/2/role").asText());
        assertEquals("", turns.at("/2/parts/0/text").asText());
    }

    @Test
    @Order(3)
    void theModelCatalog() {
        Api api = ServiceStack.api(ServiceStack.TENANT_A);
        Response all = api.get("/v1/models");
        assertEquals(200, all.status(), all.raw().body());
        List<String> ids = all.body().path("data").findValuesAsText("id");
        assertEquals(ModelCatalog.load().ids(), ids);
        for (JsonNode model : all.body().path("data")) {
            Response one = api.get("/v1/models/" + model.path("id").asText());
            assertEquals(200, one.status(), one.raw().body());
            assertEquals(model, one.body());
            JsonNode caps = one.body().path("capabilities");
            assertTrue(caps.path("aspect_ratios").size() > 0, one.raw().body());
            assertTrue(caps.path("image_sizes").size() > 0, one.raw().body());
            assertTrue(caps.path("max_reference_images").asInt() > 0, one.raw().body());
            assertTrue(caps.path("input_mime_types").size() > 0, one.raw().body());
            assertTrue(caps.path("tokens_per_image").size() > 0, one.raw().body());
        }
        JsonNode pro = api.get("/v1/models/gemini-3-pro-image-preview").body().path("capabilities");
        assertTrue(pro.path("thought_signatures").asBoolean());

        Response unknown = api.get("/v1/models/gemini-0-imaginary");
        assertEquals(404, unknown.status(), unknown.raw().body());
        assertEquals("NOT_FOUND", unknown.body().at("/error/code").asText());
        assertTrue(unknown.body().at("/error/message").asText().contains("gemini-2.5-flash-image"),
                "names the known models: " + unknown.raw().body());

        // Like every route, authenticated.
        assertEquals(401, send(HttpRequest.newBuilder(ServiceStack.get().apiUrl().resolve("/v1/models")).GET()));
    }

    private static int send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
