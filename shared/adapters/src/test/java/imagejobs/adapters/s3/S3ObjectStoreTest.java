package imagejobs.adapters.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import imagejobs.adapters.s3.ScriptedHttpClient.Answer;
import imagejobs.adapters.aws.AwsClientConfig;
import imagejobs.shared.errors.DependencyFailure;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.storage.PresignedUrl;
import imagejobs.shared.storage.StoredObject;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * S3ObjectStore through the SDK's S3 client, with a scripted HTTP client in place of the network: what it sends
 * (metadata, checksums, addressing) and how it reads S3's answers (bounded reads, missing keys). The same store
 * against S3Proxy: local's S3ObjectStoreIntegrationTest.
 */
class S3ObjectStoreTest {
    private final ScriptedHttpClient http = new ScriptedHttpClient();

    private static Map<String, String> baseEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_REGION", "eu-west-1");
        env.put("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
        env.put("AWS_SECRET_ACCESS_KEY", "secret");
        env.put("IMAGES_BUCKET", "images-bkt");
        return env;
    }

    private S3ObjectStore store(Map<String, String> variables) {
        Environment env = new Environment(variables);
        AwsClientConfig aws = new AwsClientConfig(env, http);
        Settings settings = new Settings(env);
        return new S3ObjectStore(S3ObjectStore.client(aws, settings, AwsClientConfig.OBJECTS),
                S3ObjectStore.presigner(aws, settings), settings.imagesBucket());
    }

    private S3ObjectStore store() {
        return store(baseEnv());
    }

    private static String errorXml(String code) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>m</Message>"
                + "<RequestId>REQ1</RequestId></Error>";
    }

    private static String decodeWord(String word) {
        assertTrue(word.startsWith("=?UTF-8?B?") && word.endsWith("?="), word);
        return new String(Base64.getDecoder().decode(word.substring(10, word.length() - 2)), StandardCharsets.UTF_8);
    }

    @Test
    void putSendsTypeAndMetadataWithNonAsciiValuesAsRfc2047Words() {
        http.answer(Answer.ok());
        store().put("inputs/t/a b+é.png", "png".getBytes(StandardCharsets.UTF_8), "image/png",
                Map.of("Request-Id", "r-1", "prompt", "bleu ciel, été 🎨"));

        ScriptedHttpClient.Sent sent = http.sent.get(0);
        assertEquals(SdkHttpMethod.PUT, sent.request().method());
        assertEquals(URI.create("https://images-bkt.s3.eu-west-1.amazonaws.com/inputs/t/a%20b%2B%C3%A9.png"),
                sent.request().getUri());
        assertEquals("image/png", sent.header("Content-Type"));
        assertEquals("r-1", sent.header("x-amz-meta-request-id"));
        assertEquals("bleu ciel, été 🎨", decodeWord(sent.header("x-amz-meta-prompt")));
    }

    @Test
    void badMetadataNamesAreRefusedBeforeAnyRequest() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> store().put("k", new byte[] {1}, "image/png", Map.of("nom invalide", "v")));
        assertTrue(e.getMessage().contains("nom invalide"), e.getMessage());
        assertTrue(http.sent.isEmpty());
    }

    /** In AWS nothing sets the checksum variables: uploads carry the checksum the SDK adds by default. */
    @Test
    void uploadsCarryTheSdksDefaultChecksum(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out.png");
        Files.write(file, new byte[300_000]);
        http.answer(Answer.ok(), Answer.ok());
        store().put("outputs/t/x.png", file, "image/png", Map.of());
        store().put("inputs/t/r.json", "{}".getBytes(StandardCharsets.UTF_8), "application/json", Map.of());

        for (ScriptedHttpClient.Sent sent : http.sent) {
            String algorithm = sent.header("x-amz-sdk-checksum-algorithm");
            assertEquals("CRC32", algorithm, sent.request().getUri().toString());
        }
    }

    /** The local stack sets the SDK's standard variables (S3Proxy takes no trailing checksums); the store obeys. */
    @Test
    void theStandardChecksumVariablesOfTheEnvironmentReachTheClient() {
        Map<String, String> env = baseEnv();
        env.put("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required");
        env.put("AWS_RESPONSE_CHECKSUM_VALIDATION", "WHEN_REQUIRED");
        http.answer(Answer.ok(), Answer.of(200, Map.of("Content-Type", "image/png"), new byte[] {7}));
        S3ObjectStore store = store(env);
        store.put("inputs/t/r.json", "{}".getBytes(StandardCharsets.UTF_8), "application/json", Map.of());
        store.get("inputs/t/r.json");

        assertNull(http.sent.get(0).header("x-amz-sdk-checksum-algorithm"));
        assertNull(http.sent.get(0).header("x-amz-trailer"));
        assertNull(http.sent.get(1).header("x-amz-checksum-mode"));
    }

    @Test
    void pathStyleWhenAsked() {
        Map<String, String> env = baseEnv();
        env.put("S3_FORCE_PATH_STYLE", "true");
        env.put("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000");
        http.answer(Answer.of(200, Map.of(), new byte[] {1}));
        store(env).get("outputs/t/é.png");
        assertEquals(URI.create("http://127.0.0.1:9000/images-bkt/outputs/t/%C3%A9.png"),
                http.sent.get(0).request().getUri());
    }

    @Test
    void getReadsBodyTypeAndMetadata() {
        http.answer(Answer.of(200, Map.of("Content-Type", "application/json", "x-amz-meta-request-id", "r-9"),
                "{\"a\":1}"));
        StoredObject o = store().get("conversations/t/r.json").orElseThrow();
        assertArrayEquals("{\"a\":1}".getBytes(StandardCharsets.UTF_8), o.bytes());
        assertEquals("application/json", o.contentType());
        assertEquals(7, o.size());
        assertEquals(Map.of("request-id", "r-9"), o.metadata());
    }

    @Test
    void aBoundedGetRefusesOnContentLengthBeforeReadingAndIsNotRetried() {
        Answer big = Answer.of(200, Map.of("Content-Length", "5000"), new byte[5000]);
        http.answer(big);
        ObjectStore.TooLargeException e = assertThrows(ObjectStore.TooLargeException.class,
                () -> store().get("k", 4096));
        assertEquals(5000, e.size());
        assertEquals(0, big.bytesRead);
        assertTrue(big.aborted, "the connection is aborted, not drained");
        assertEquals(1, http.sent.size());
    }

    @Test
    void aGetAtExactlyTheLimitIsRead() {
        http.answer(Answer.of(200, Map.of(), new byte[4096]));
        assertEquals(4096, store().get("k", 4096).orElseThrow().size());
    }

    @Test
    void missingKeysAreEmptyAndAMissingBucketIsAnError() {
        http.answer(Answer.of(404, Map.of(), errorXml("NoSuchKey")), Answer.of(404, Map.of(), (byte[]) null),
                Answer.of(404, Map.of(), errorXml("NoSuchBucket")));
        assertTrue(store().get("nope").isEmpty());
        assertTrue(store().head("nope").isEmpty());
        S3Exception e = s3Failure(() -> store().get("k"));
        assertEquals("NoSuchBucket", e.awsErrorDetails().errorCode());
        assertEquals(3, http.sent.size(), "a missing key is not retried");
    }

    @Test
    void accessDeniedIsAnErrorNotAMissingObject() {
        http.answer(Answer.of(403, Map.of(), errorXml("AccessDenied")), Answer.of(403, Map.of(), (byte[]) null));
        S3Exception get = s3Failure(() -> store().get("k"));
        assertEquals(403, get.statusCode());
        S3Exception head = s3Failure(() -> store().head("k"));
        assertEquals(403, head.statusCode());
    }

    @Test
    void headReadsTypeLengthAndMetadata() {
        http.answer(Answer.of(200, Map.of("Content-Type", "image/jpeg", "Content-Length", "12345",
                "X-Amz-Meta-Prompt", "=?UTF-8?B?w6k=?="), (byte[]) null));
        StoredObject o = store().head("edits/t/p.jpg").orElseThrow();
        assertNull(o.bytes());
        assertEquals("image/jpeg", o.contentType());
        assertEquals(12345, o.size());
        assertEquals("=?UTF-8?B?w6k=?=", o.metadata().get("prompt"));
        assertEquals(SdkHttpMethod.HEAD, http.sent.get(0).request().method());
    }

    @Test
    void copyReplacesTypeAndMetadata() {
        http.answer(Answer.of(200, Map.of(), "<?xml version=\"1.0\"?><CopyObjectResult><ETag>\"e\"</ETag>"
                + "</CopyObjectResult>"));
        store().copy("outputs/t/é 1.png", "edited/t/x-1.png", "image/png", Map.of("source-key", "edits/t/é.png"));

        ScriptedHttpClient.Sent sent = http.sent.get(0);
        assertEquals("/edited/t/x-1.png", sent.request().encodedPath());
        assertEquals("images-bkt/outputs/t/%C3%A9%201.png", sent.header("x-amz-copy-source"));
        assertEquals("REPLACE", sent.header("x-amz-metadata-directive"));
        assertEquals("image/png", sent.header("Content-Type"));
        assertEquals("edits/t/é.png", decodeWord(sent.header("x-amz-meta-source-key")));
    }

    /** S3 may report a failed copy inside a 200 answer; the SDK turns it into an error. */
    @Test
    void aCopyFailingInsideA200IsAnError() {
        http.answer(Answer.of(200, Map.of(), errorXml("AccessDenied")));
        S3Exception e = s3Failure(() -> store().copy("a", "b", "image/png", Map.of()));
        assertEquals("AccessDenied", e.awsErrorDetails().errorCode());
    }

    @Test
    void presignedUrlsAreSignedLocallyWithTheSessionTokenAndTheirExpiry() {
        Map<String, String> env = baseEnv();
        env.put("AWS_SESSION_TOKEN", "tok+en/==");
        Instant before = Instant.now();
        PresignedUrl url = store(env).presignGet("outputs/t/a b.png", Duration.ofMinutes(15));
        assertTrue(url.url().startsWith("https://images-bkt.s3.eu-west-1.amazonaws.com/outputs/t/a%20b.png?"),
                url.url());
        assertTrue(url.url().contains("X-Amz-Security-Token=tok%2Ben%2F%3D%3D"), url.url());
        assertTrue(url.url().contains("X-Amz-Expires=900"), url.url());
        assertTrue(url.url().contains("X-Amz-Signature="), url.url());
        assertTrue(!url.expiresAt().isBefore(before.plusSeconds(899))
                && !url.expiresAt().isAfter(Instant.now().plusSeconds(900)), url.expiresAt().toString());
        assertTrue(http.sent.isEmpty(), "presigning makes no request");
    }

    @Test
    void aStoreWithoutPresignerSaysSo() {
        S3ObjectStore store = new S3ObjectStore((software.amazon.awssdk.services.s3.S3Client) null, null, "b");
        assertThrows(IllegalStateException.class, () -> store.presignGet("k", Duration.ofMinutes(1)));
    }

    /** The store's failure as the domain sees it (not transient: S3 said no), with S3's own error as the cause. */
    private static S3Exception s3Failure(org.junit.jupiter.api.function.Executable call) {
        DependencyFailure failure = assertThrows(DependencyFailure.class, call);
        assertEquals(DependencyFailure.Dependency.OBJECT_STORE, failure.dependency());
        assertFalse(failure.isTransient(), "a 4xx from S3 is not worth retrying");
        return (S3Exception) failure.getCause();
    }
}
