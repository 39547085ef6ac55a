package imagejobs.it.edits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.it.ServiceStack;
import imagejobs.local.Deadline;
import imagejobs.local.LocalStack;
import imagejobs.local.runtime.InvocationResult;
import imagejobs.shared.auth.ApiKey;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.auth.KeyStore;
import imagejobs.shared.json.Json;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Uploads under edits/{tenant}/ on the local stack's S3 endpoint become edit jobs (through the S3 notification
 * bridge, as S3 event notifications do in AWS) whose results are copied to edited/{tenant}/{path}-{request_id}-N.{ext}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EditTriggerEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final LocalStack stack = ServiceStack.get();
    private final ServiceStack.Api api = ServiceStack.api(ServiceStack.TENANT_A);
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void anUploadIsEditedBesideItsPathUnderItsJobsName() throws Exception {
        byte[] png = png(Color.ORANGE);
        String marker = "add a hat " + run;
        String key = "edits/tenantA/" + run + "/cat.png";
        put(key, png, Map.of("prompt", marker));

        String id = awaitJobFor(key);
        String edited = "edited/tenantA/" + run + "/cat-" + id + "-1.png";
        byte[] result = awaitObject(edited);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(result, 4));

        HeadObjectResponse head = stack.s3().headObject(r -> r.bucket(ServiceStack.bucket()).key(edited));
        assertEquals(id, head.metadata().get("request-id"), "the result names its job");
        assertEquals("image/png", head.contentType());

        JsonNode full = api.awaitTerminal(id, WAIT);
        assertEquals("success", full.path("status").asText(), full.toString());
        assertEquals("s3", full.path("source").asText());
        assertEquals(key, full.path("source_key").asText());
        assertEquals("s3://" + ServiceStack.bucket() + "/" + edited, full.at("/outcome/images/0/edited_s3_uri").asText());

        // Gemini received the uploaded bytes inline, with the prompt from the metadata.
        List<JsonNode> calls = ServiceStack.simulatorCalls(marker);
        assertEquals(1, calls.size());
        JsonNode parts = calls.get(0).at("/body/contents/0/parts");
        assertTrue(Json.write(parts).contains(marker));
        JsonNode inline = StreamSupport.stream(parts.spliterator(), false).filter(p -> p.has("inlineData"))
                .findFirst().orElseThrow().get("inlineData");
        assertEquals("image/png", inline.path("mimeType").asText());
        assertArrayEquals(png, Base64.getDecoder().decode(inline.path("data").asText()));
    }

    @Test
    void keysWithSpacesAndUnicodeKeepTheirPath() throws Exception {
        String key = "edits/tenantA/" + run + "/my pets/chat été+1.jpg";
        put(key, jpeg(), Map.of("prompt", "make it night " + run, "aspect-ratio", "16:9"));

        String id = awaitJobFor(key);
        byte[] result = awaitObject("edited/tenantA/" + run + "/my pets/chat été+1-" + id + "-1.png");
        assertTrue(result.length > 0);
        JsonNode job = api.awaitTerminal(id, WAIT);
        assertEquals("success", job.path("status").asText(), job.toString());
        assertEquals(key, job.path("source_key").asText());
        assertEquals(1344, job.at("/outcome/images/0/width").asInt(), "16:9 from the aspect-ratio metadata");
    }

    @Test
    void aDuplicateEventCreatesOneJob() throws Exception {
        // Upper-case suffix: S3's suffix filter (".png") is case-sensitive, so the bridge stays silent and the test
        // delivers the event itself, twice, as S3 may.
        String key = "edits/tenantA/" + run + "/dup.PNG";
        String marker = "duplicate " + run;
        put(key, png(Color.BLUE), Map.of("prompt", marker));
        String event = event(key, "etag-" + run, "00A1" + run);

        assertEquals("\"QUEUED\"", trigger(event));
        String second = trigger(event);
        assertTrue(second.equals("\"REQUEUED\"") || second.equals("\"DUPLICATE\""), second);

        String id = jobFor(key).orElseThrow().path("request_id").asText();
        assertEquals("success", api.awaitTerminal(id, WAIT).path("status").asText());
        assertEquals(1, jobsFor(key).size(), "one job for one upload");
        assertEquals(1, ServiceStack.simulatorCalls(marker).size(), "one Gemini call");
        assertEquals("\"DUPLICATE\"", trigger(event), "a late duplicate of a finished job does nothing");
    }

    @Test
    void badInputBecomesAFailedJobWithAClearErrorAndNoGeminiCall() throws Exception {
        record Case(String name, byte[] bytes, Map<String, String> metadata, String code, String says) {
        }
        byte[] oversized = new byte[7 * 1024 * 1024 + 1];
        new Random(1).nextBytes(oversized);
        System.arraycopy(png(Color.RED), 0, oversized, 0, 16);
        List<Case> cases = List.of(
                new Case("no-prompt.png", png(Color.RED), Map.of(), "MISSING_FIELD", "x-amz-meta-prompt"),
                new Case("blank-prompt.png", png(Color.RED), Map.of("prompt", "  "), "MISSING_FIELD", "x-amz-meta-prompt"),
                new Case("text.png", "just some text, not an image".getBytes(StandardCharsets.UTF_8),
                        Map.of("prompt", "p " + run), "INVALID_IMAGE", "not an image"),
                new Case("big.png", oversized, Map.of("prompt", "p " + run), "IMAGE_TOO_LARGE", "bytes"),
                new Case("ratio.png", png(Color.RED), Map.of("prompt", "p " + run, "aspect-ratio", "7:3"),
                        "UNSUPPORTED_ASPECT_RATIO", "x-amz-meta-aspect-ratio"),
                new Case("size.png", png(Color.RED), Map.of("prompt", "p " + run, "image-size", "4K"),
                        "UNSUPPORTED_IMAGE_SIZE", "x-amz-meta-image-size"),
                new Case("model.png", png(Color.RED), Map.of("prompt", "p " + run, "model", "imagen-9"),
                        "UNKNOWN_MODEL", "x-amz-meta-model"));
        for (Case c : cases) {
            put("edits/tenantA/" + run + "/bad/" + c.name(), c.bytes(), c.metadata());
        }
        for (Case c : cases) {
            String key = "edits/tenantA/" + run + "/bad/" + c.name();
            Deadline.await(WAIT, "a job for " + key, () -> jobFor(key).isPresent());
            JsonNode job = api.get("/v1/requests/" + jobFor(key).get().path("request_id").asText()).body();
            assertEquals("failed", job.path("status").asText(), c.name() + ": " + job);
            assertEquals(c.code(), job.at("/error/code").asText(), c.name() + ": " + job);
            assertTrue(job.at("/error/message").asText().contains(c.says()), c.name() + ": " + job);
            assertEquals(0, job.path("attempts").asInt());
        }
        assertEquals(0, ServiceStack.simulatorCalls("p " + run).size(), "Gemini never called for bad input");
    }

    @Test
    void anUnknownTenantGetsNoJob() throws Exception {
        String key = "edits/nobody-" + run + "/cat.PNG";
        put(key, png(Color.GREEN), Map.of("prompt", "hat " + run));
        assertEquals("\"IGNORED\"", trigger(event(key, "e", "01")));
        assertTrue(jobsWithSourceKey(key).isEmpty());
    }

    @Test
    void resultsNeverTriggerAnotherEdit() throws Exception {
        String key = "edits/tenantA/" + run + "/loop.png";
        put(key, png(Color.CYAN), Map.of("prompt", "loop " + run));
        String id = awaitJobFor(key);
        awaitObject("edited/tenantA/" + run + "/loop-" + id + "-1.png");
        api.awaitTerminal(id, WAIT);
        assertEquals(1, ServiceStack.simulatorCalls("loop " + run).size());
        assertEquals(List.of(key), jobsFor(key).stream().map(j -> j.path("source_key").asText()).toList());
    }

    @Test
    void aMalformedEncodedPromptIsAFailedJobTheTenantSees() throws Exception {
        // The upload: a Q-encoded word whose escape is not hex. It used to throw outside the trigger's error
        // handling, so every delivery failed and the tenant saw nothing at all.
        String key = "edits/tenantA/" + run + "/broken-prompt.png";
        put(key, png(Color.PINK), Map.of("prompt", "=?UTF-8?Q?=ZZ?="));

        String id = awaitJobFor(key);
        JsonNode listed = jobsFor(key).get(0);
        assertEquals("failed", listed.path("status").asText(), listed.toString());
        assertEquals("INVALID_METADATA", listed.at("/error/code").asText(), listed.toString());
        String message = listed.at("/error/message").asText();
        assertTrue(message.startsWith("x-amz-meta-prompt is not readable text"), message);
        assertTrue(message.contains("'=ZZ'") && message.contains("=?UTF-8?B?"), message);
        assertFalse(message.contains("Exception"), message);
        JsonNode job = api.get("/v1/requests/" + id).body();
        assertEquals(0, job.path("attempts").asInt(), "never queued, so never sent to Gemini");
        assertEquals(1, jobsFor(key).size());
    }

    @Test
    void aTenantWhoseKeysAreAllDisabledSpendsNothing() throws Exception {
        // As `./run-local keys create` then `keys disable`: the tenant's only key, disabled.
        String tenant = "disabled" + run;
        KeyStore keys = new DynamoKeyStore(stack.dynamoDb(), stack.tableName("KeysTable"));
        KeyRecord key = keyRecord(tenant, "ij_edit_disabled_" + run);
        keys.put(key);
        assertTrue(keys.disable(key.keyId()));
        assertEquals(KeyStore.TenantStatus.INACTIVE, keys.tenantStatus(tenant));

        // Upper-case suffix: the bridge stays silent, the test delivers the event and reads the function's log.
        String object = "edits/" + tenant + "/cat.PNG";
        String marker = "spend " + run;
        put(object, png(Color.GREEN), Map.of("prompt", marker));
        try (LoggedEditTrigger trigger = new LoggedEditTrigger(stack)) {
            InvocationResult result = trigger.invoke(event(object, "e-" + run, "02" + run));
            assertFalse(result.functionError(), result.payload());
            assertEquals("\"IGNORED\"", result.payload());
            List<String> metric = trigger.lines("\"EditInactiveTenant\":1");
            assertEquals(1, metric.size(), "one EditInactiveTenant data point: " + trigger.lines(tenant));
            assertTrue(metric.get(0).contains("\"tenant\":\"" + tenant + "\""), metric.get(0));
            assertEquals(1, trigger.lines("keys are all disabled").size());
        }
        assertTrue(jobsWithSourceKey(object).isEmpty(), "no job");
        assertEquals(0, ServiceStack.simulatorCalls(marker).size(), "no Gemini call");

        // The same tenant with an active key again gets its job: the gate is the keys' status, nothing else.
        keys.put(keyRecord(tenant, "ij_edit_active_" + run));
        assertEquals("\"QUEUED\"", trigger(event(object, "e2-" + run, "03" + run)));
        assertEquals(1, jobsWithSourceKey(object).size());
    }

    @Test
    void uploadingTheSameKeyTwiceGivesTwoJobsThatKeepTheirOwnImages() throws Exception {
        String key = "edits/tenantA/" + run + "/ok1.png";
        // Different aspect ratios, so the simulator answers different images (its pictures depend on the size only).
        put(key, png(Color.RED), Map.of("prompt", "first " + run, "aspect-ratio", "1:1"));
        String first = awaitJobFor(key);
        assertEquals("success", api.awaitTerminal(first, WAIT).path("status").asText());
        put(key, png(Color.BLUE), Map.of("prompt", "second " + run, "aspect-ratio", "16:9"));
        Deadline.await(WAIT, "a second job for " + key, () -> jobsFor(key).size() == 2);
        String second = jobsFor(key).stream().map(j -> j.path("request_id").asText()).filter(id -> !id.equals(first))
                .findFirst().orElseThrow();
        JsonNode secondJob = api.awaitTerminal(second, WAIT);
        JsonNode firstJob = api.awaitTerminal(first, WAIT);
        assertEquals("success", secondJob.path("status").asText(), secondJob.toString());

        byte[] firstServed = download(firstJob.at("/outcome/media_urls/0/url").asText());
        byte[] secondServed = download(secondJob.at("/outcome/media_urls/0/url").asText());
        assertFalse(Arrays.equals(firstServed, secondServed), "each presigned URL serves its own job's image");
        assertEquals(1024, ImageIO.read(new ByteArrayInputStream(firstServed)).getWidth(), "1:1 is 1024 wide");
        assertEquals(1344, ImageIO.read(new ByteArrayInputStream(secondServed)).getWidth(), "16:9 is 1344 wide");

        String firstEdited = firstJob.at("/outcome/images/0/edited_s3_uri").asText();
        String secondEdited = secondJob.at("/outcome/images/0/edited_s3_uri").asText();
        String prefix = "s3://" + ServiceStack.bucket() + "/";
        assertEquals(prefix + "edited/tenantA/" + run + "/ok1-" + first + "-1.png", firstEdited);
        assertEquals(prefix + "edited/tenantA/" + run + "/ok1-" + second + "-1.png", secondEdited);
        assertArrayEquals(firstServed, object(firstEdited.substring(prefix.length())),
                "the first copy still holds the first job's image");
        assertArrayEquals(secondServed, object(secondEdited.substring(prefix.length())));
        assertTrue(firstJob.at("/outcome/images/0/s3_uri").asText().startsWith(prefix + "outputs/tenantA/" + first
                + "/"), "the job's own key under outputs/ is what the API points at");
    }

    // ---- helpers

    private String awaitJobFor(String sourceKey) {
        Deadline.await(WAIT, "a job for " + sourceKey, () -> jobFor(sourceKey).isPresent());
        return jobFor(sourceKey).orElseThrow().path("request_id").asText();
    }

    private List<Map<String, AttributeValue>> jobsWithSourceKey(String sourceKey) {
        return stack.dynamoDb().scan(r -> r.tableName(stack.tableName("JobsTable"))).items().stream()
                .filter(i -> i.containsKey("source_key") && sourceKey.equals(i.get("source_key").s())).toList();
    }

    /** An active key record, as `./run-local keys create` writes it. */
    private static KeyRecord keyRecord(String tenant, String key) {
        String hash = ApiKey.hash(key);
        return new KeyRecord(hash, ApiKey.idForHash(hash), tenant, true, null, java.time.Instant.now(), "test");
    }

    private byte[] object(String key) {
        return stack.s3().getObjectAsBytes(r -> r.bucket(ServiceStack.bucket()).key(key)).asByteArray();
    }

    private static byte[] download(String url) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode(), url.replaceAll("X-Amz-Signature=[^&]*", "X-Amz-Signature=…"));
        return response.body();
    }

    private void put(String key, byte[] bytes, Map<String, String> metadata) {
        stack.s3().putObject(r -> r.bucket(ServiceStack.bucket()).key(key).metadata(metadata), RequestBody.fromBytes(bytes));
    }

    private byte[] awaitObject(String key) {
        byte[][] found = new byte[1][];
        Deadline.await(WAIT, key + " in the bucket", () -> {
            try {
                found[0] = stack.s3().getObjectAsBytes(r -> r.bucket(ServiceStack.bucket()).key(key)).asByteArray();
                return true;
            } catch (NoSuchKeyException e) {
                return false;
            }
        });
        return found[0];
    }

    private List<JsonNode> jobsFor(String sourceKey) {
        JsonNode list = api.get("/v1/requests?limit=100").body();
        return StreamSupport.stream(list.path("data").spliterator(), false)
                .filter(j -> sourceKey.equals(j.path("source_key").asText())).toList();
    }

    private Optional<JsonNode> jobFor(String sourceKey) {
        return jobsFor(sourceKey).stream().findFirst();
    }

    private String trigger(String event) {
        return stack.function("EditTriggerFunction").invoke(event);
    }

    private static String event(String key, String eTag, String sequencer) {
        return "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"awsRegion\":\"us-east-1\","
                + "\"eventTime\":\"2026-11-23T10:00:00.000Z\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
                + "\"s3SchemaVersion\":\"1.0\",\"bucket\":{\"name\":\"" + ServiceStack.bucket() + "\"},"
                + "\"object\":{\"key\":\"" + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/")
                + "\",\"size\":1,\"eTag\":\"" + eTag + "\",\"sequencer\":\"" + sequencer + "\"}}}]}";
    }

    private static byte[] png(Color color) throws IOException {
        return encode(color, "png");
    }

    private static byte[] jpeg() throws IOException {
        return encode(Color.MAGENTA, "jpg");
    }

    private static byte[] encode(Color color, String format) throws IOException {
        BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        var g = image.createGraphics();
        g.setColor(color);
        g.fillRect(0, 0, 64, 48);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, format, out);
        return out.toByteArray();
    }
}
