package imagejobs.shared.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import imagejobs.shared.storage.ScriptedHttpClient.Answer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.http.SdkHttpMethod;

class S3RestObjectStoreTest {
    private static final Instant NOW = Instant.parse("2024-01-02T03:04:05.678Z");
    private static final AwsCredentialsProvider BASIC = () -> AwsBasicCredentials.create("AKIDEXAMPLE", "secret");

    private final ScriptedHttpClient http = new ScriptedHttpClient();
    private final List<Duration> sleeps = new ArrayList<>();

    private S3RestObjectStore store(AwsCredentialsProvider credentials) {
        return new S3RestObjectStore(http, credentials, "eu-west-1",
                new S3Urls(Optional.empty(), "eu-west-1", false), "images-bkt",
                Clock.fixed(NOW, ZoneOffset.UTC), sleeps::add);
    }

    private S3RestObjectStore store() {
        return store(BASIC);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static String errorXml(String code, String message) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message
                + "</Message><RequestId>REQ1</RequestId></Error>";
    }

    @Test
    void putBytesSignsTheirSha256AndSendsTypeAndMetadata() throws Exception {
        byte[] bytes = "hello png".getBytes(StandardCharsets.UTF_8);
        http.answer(Answer.ok());
        store().put("inputs/t/a b+é.png", bytes, "image/png", Map.of("request-id", "r-1", "prompt", "bleu ciel, été"));

        ScriptedHttpClient.Sent sent = http.sent.get(0);
        assertEquals(SdkHttpMethod.PUT, sent.request().method());
        assertEquals(URI.create("https://images-bkt.s3.eu-west-1.amazonaws.com/inputs/t/a%20b%2B%C3%A9.png"),
                sent.request().getUri());
        assertEquals("image/png", sent.header("Content-Type"));
        assertEquals("9", sent.header("Content-Length"));
        assertEquals("r-1", sent.header("x-amz-meta-request-id"));
        assertTrue(sent.header("x-amz-meta-prompt").startsWith("=?UTF-8?B?"));
        assertEquals(sha256(bytes), sent.header("x-amz-content-sha256"));
        assertEquals("20240102T030405Z", sent.header("X-Amz-Date"));
        String auth = sent.header("Authorization");
        assertTrue(auth.startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/eu-west-1/s3/aws4_request, "
                + "SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date;"
                + "x-amz-meta-prompt;x-amz-meta-request-id, Signature="), auth);
        assertArrayEquals(bytes, sent.body());
    }

    @Test
    void putFileStreamsItUnsignedWithItsLength(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("big.png");
        byte[] bytes = new byte[300_000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31);
        }
        Files.write(file, bytes);
        http.answer(Answer.ok());
        store().put("outputs/t/x.png", file, "image/png", Map.of("request-id", "r-2"));

        ScriptedHttpClient.Sent sent = http.sent.get(0);
        assertEquals("UNSIGNED-PAYLOAD", sent.header("x-amz-content-sha256"));
        assertEquals("300000", sent.header("Content-Length"));
        assertArrayEquals(bytes, sent.body());
    }

    @Test
    void aFileBodyClosesTheStreamOfTheAttemptBefore(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("f");
        Files.write(file, new byte[] {1, 2, 3});
        List<InputStream> opened = new ArrayList<>();
        List<Boolean> closed = new ArrayList<>();
        S3RestObjectStore.Body body = new S3RestObjectStore.Body() {
            @Override
            InputStream open() throws IOException {
                int index = opened.size();
                closed.add(false);
                InputStream in = new java.io.FilterInputStream(Files.newInputStream(file)) {
                    @Override
                    public void close() throws IOException {
                        closed.set(index, true);
                        super.close();
                    }
                };
                opened.add(in);
                return in;
            }
        };
        body.newStream().readAllBytes();
        body.newStream().readAllBytes();
        assertEquals(List.of(true, false), closed);
        body.close();
        assertEquals(List.of(true, true), closed);
    }

    @Test
    void sessionCredentialsSendTheirToken() {
        http.answer(Answer.ok());
        store(() -> AwsSessionCredentials.create("ASIA", "secret", "token+/=")).put("k", new byte[0], null, Map.of());
        assertEquals("token+/=", http.sent.get(0).header("X-Amz-Security-Token"));
        assertTrue(http.sent.get(0).header("Authorization").contains("x-amz-security-token"));
    }

    @Test
    void copyReplacesMetadataFromAnEncodedSource() {
        http.answer(Answer.of(200, Map.of(), "<?xml version=\"1.0\"?><CopyObjectResult><ETag>\"e\"</ETag>"
                + "</CopyObjectResult>"));
        store().copy("outputs/t/é 1.png", "edited/t/x-1.png", "image/png", Map.of("source-key", "edits/t/é.png"));

        ScriptedHttpClient.Sent sent = http.sent.get(0);
        assertEquals(SdkHttpMethod.PUT, sent.request().method());
        assertEquals("/edited/t/x-1.png", sent.request().encodedPath());
        assertEquals("images-bkt/outputs/t/%C3%A9%201.png", sent.header("x-amz-copy-source"));
        assertEquals("REPLACE", sent.header("x-amz-metadata-directive"));
        assertEquals("image/png", sent.header("Content-Type"));
        assertEquals("0", sent.header("Content-Length"));
        assertTrue(sent.header("x-amz-meta-source-key").startsWith("=?UTF-8?B?"));
        assertTrue(sent.header("Authorization").contains("x-amz-copy-source;x-amz-date;x-amz-meta-source-key;"
                + "x-amz-metadata-directive"));
    }

    @Test
    void copyAnsweringAnErrorInsideA200IsAFailure() {
        http.answer(Answer.of(200, Map.of(), errorXml("AccessDenied", "Access Denied")));
        S3RequestException e = assertThrows(S3RequestException.class,
                () -> store().copy("a", "b", "image/png", Map.of()));
        assertEquals(200, e.statusCode());
        assertEquals("AccessDenied", e.errorCode());
        assertEquals(1, http.sent.size());
    }

    @Test
    void copyRetriesAnInternalErrorInsideA200() {
        http.answer(Answer.of(200, Map.of(), errorXml("InternalError", "We encountered an internal error.")),
                Answer.of(200, Map.of(), "<CopyObjectResult/>"));
        store().copy("a", "b", "image/png", Map.of());
        assertEquals(2, http.sent.size());
        assertEquals(1, sleeps.size());
    }

    @Test
    void getReadsBodyTypeAndMetadata() {
        http.answer(Answer.of(200, Map.of("Content-Type", "application/json", "x-amz-meta-request-id", "r-9",
                "x-amz-request-id", "ignored"), "{\"a\":1}"));
        StoredObject o = store().get("conversations/t/r.json").orElseThrow();
        assertEquals("{\"a\":1}", new String(o.bytes(), StandardCharsets.UTF_8));
        assertEquals("application/json", o.contentType());
        assertEquals(7, o.size());
        assertEquals(Map.of("request-id", "r-9"), o.metadata());
        assertEquals(SdkHttpMethod.GET, http.sent.get(0).request().method());
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                http.sent.get(0).header("x-amz-content-sha256"));
    }

    @Test
    void getRefusesOnContentLengthBeforeReading() {
        Answer big = Answer.of(200, Map.of("Content-Length", "5000"), new byte[5000]);
        http.answer(big);
        ObjectStore.TooLargeException e = assertThrows(ObjectStore.TooLargeException.class,
                () -> store().get("k", 4096));
        assertEquals(5000, e.size());
        assertEquals(0, big.bytesRead);
        assertTrue(big.aborted);
        assertEquals(1, http.sent.size(), "not retried");
    }

    @Test
    void getAtExactlyTheLimitIsFine() {
        http.answer(Answer.of(200, Map.of(), new byte[4096]));
        assertEquals(4096, store().get("k", 4096).orElseThrow().size());
    }

    @Test
    void missingKeysAreEmpty() {
        http.answer(Answer.of(404, Map.of(), errorXml("NoSuchKey", "The specified key does not exist.")),
                Answer.of(404, Map.of(), (byte[]) null));
        assertTrue(store().get("nope").isEmpty());
        assertTrue(store().head("nope").isEmpty());
        assertTrue(sleeps.isEmpty());
    }

    @Test
    void aMissingBucketIsAnError() {
        http.answer(Answer.of(404, Map.of("x-amz-request-id", "HDR"), errorXml("NoSuchBucket", "No such bucket")));
        S3RequestException e = assertThrows(S3RequestException.class, () -> store().get("k"));
        assertEquals("NoSuchBucket", e.errorCode());
        assertEquals(404, e.statusCode());
        assertEquals("HDR", e.requestId());
        assertEquals("GetObject", e.operation());
    }

    @Test
    void headReadsTypeLengthAndMetadata() {
        http.answer(Answer.of(200, Map.of("Content-Type", "image/jpeg", "Content-Length", "12345",
                "X-Amz-Meta-Prompt", "=?UTF-8?B?w6k=?="), (byte[]) null));
        StoredObject o = store().head("edits/t/p.jpg").orElseThrow();
        assertNull(o.bytes());
        assertEquals("image/jpeg", o.contentType());
        assertEquals(12345, o.size());
        assertEquals(Map.of("prompt", "=?UTF-8?B?w6k=?="), o.metadata());
        assertEquals(SdkHttpMethod.HEAD, http.sent.get(0).request().method());
    }

    @Test
    void accessDeniedIsNotRetriedAndCarriesS3sCodeButNoSignature() {
        http.answer(Answer.of(403, Map.of(), errorXml("AccessDenied", "Access Denied")));
        S3RequestException e = assertThrows(S3RequestException.class,
                () -> store().put("k", new byte[] {1}, "image/png", Map.of()));
        assertEquals(403, e.statusCode());
        assertEquals("AccessDenied", e.errorCode());
        assertFalse(e.retryable());
        assertEquals(1, http.sent.size());
        String signature = http.sent.get(0).header("Authorization").replaceAll(".*Signature=", "");
        assertFalse(e.getMessage().contains(signature));
        assertFalse(e.getMessage().contains("secret"));
    }

    @Test
    void serverErrorsAndThrottlingAreRetriedWithGrowingBackoff() {
        http.answer(Answer.of(503, Map.of(), errorXml("SlowDown", "Reduce your request rate.")),
                Answer.of(500, Map.of(), errorXml("InternalError", "oops")),
                Answer.ok());
        store().put("k", new byte[] {1}, "image/png", Map.of());
        assertEquals(3, http.sent.size());
        assertEquals(2, sleeps.size());
        assertTrue(sleeps.get(0).toMillis() >= 50 && sleeps.get(0).toMillis() <= 100, sleeps.toString());
        assertTrue(sleeps.get(1).toMillis() >= 100 && sleeps.get(1).toMillis() <= 200, sleeps.toString());
    }

    @Test
    void giveUpAfterThreeAttempts() {
        http.answer(Answer.of(503, Map.of(), errorXml("SlowDown", "a")),
                Answer.of(503, Map.of(), errorXml("SlowDown", "b")),
                Answer.of(503, Map.of(), errorXml("SlowDown", "c")));
        S3RequestException e = assertThrows(S3RequestException.class, () -> store().head("k"));
        assertEquals(503, e.statusCode());
        assertEquals(3, http.sent.size());
    }

    @Test
    void connectionErrorsAreRetriedAndEachAttemptIsSignedAfresh() {
        http.answer(Answer.failure(new ConnectException("Connection refused")),
                Answer.failure(new SocketTimeoutException("Read timed out")),
                Answer.of(200, Map.of(), "ok"));
        assertEquals("ok", new String(store().get("k").orElseThrow().bytes(), StandardCharsets.UTF_8));
        assertEquals(3, http.sent.size());
        assertTrue(http.sent.stream().allMatch(s -> s.header("Authorization") != null));
    }

    @Test
    void connectionErrorsOnEveryAttemptSurfaceAsUncheckedIo() {
        http.answer(Answer.failure(new ConnectException("refused 1")), Answer.failure(new ConnectException("refused 2")),
                Answer.failure(new ConnectException("refused 3")));
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> store().put("k", new byte[] {1}, "image/png", Map.of()));
        assertTrue(e.getMessage().contains("PutObject k"), e.getMessage());
        assertTrue(e.getMessage().contains("3 attempts"), e.getMessage());
    }

    @Test
    void retriedBodiesAreSentWhole() {
        byte[] bytes = "body".getBytes(StandardCharsets.UTF_8);
        http.answer(Answer.of(500, Map.of(), (byte[]) null), Answer.ok());
        store().put("k", bytes, "text/plain", Map.of());
        assertArrayEquals(bytes, http.sent.get(0).body());
        assertArrayEquals(bytes, http.sent.get(1).body());
    }

    @Test
    void badMetadataNamesAreRefusedBeforeAnyRequest() {
        assertThrows(IllegalArgumentException.class,
                () -> store().put("k", new byte[] {1}, "image/png", Map.of("nom invalide", "v")));
        assertTrue(http.sent.isEmpty());
    }

    /** AWS's published query-string example (GET examplebucket/test.txt, 24 h from 2013-05-24T00:00:00Z). */
    @Test
    void presignedUrlMatchesAwsPublishedExample() {
        S3RestObjectStore store = new S3RestObjectStore(http,
                () -> AwsBasicCredentials.create("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                "us-east-1", new S3Urls(Optional.of(URI.create("https://s3.amazonaws.com")), "us-east-1", false),
                "examplebucket", Clock.fixed(Instant.parse("2013-05-24T00:00:00Z"), ZoneOffset.UTC), sleeps::add);
        PresignedUrl url = store.presignGet("test.txt", Duration.ofHours(24));
        URI uri = URI.create(url.url());
        assertEquals("examplebucket.s3.amazonaws.com", uri.getHost());
        assertEquals("/test.txt", uri.getRawPath());
        assertTrue(url.url().contains("X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"),
                url.url());
        assertTrue(url.url().contains("X-Amz-Expires=86400"));
        assertEquals(Instant.parse("2013-05-25T00:00:00Z"), url.expiresAt());
        assertTrue(http.sent.isEmpty(), "presigning makes no request");
    }

    @Test
    void presignedUrlsCarryTheSessionTokenAndExpireFromTheSigningSecond() {
        PresignedUrl url = store(() -> AwsSessionCredentials.create("ASIA", "secret", "tok+en/=="))
                .presignGet("outputs/t/a b.png", Duration.ofMinutes(15));
        assertTrue(url.url().startsWith("https://images-bkt.s3.eu-west-1.amazonaws.com/outputs/t/a%20b.png?"),
                url.url());
        assertTrue(url.url().contains("X-Amz-Security-Token=tok%2Ben%2F%3D%3D"), url.url());
        assertTrue(url.url().contains("X-Amz-Date=20240102T030405Z"), url.url());
        assertEquals(Instant.parse("2024-01-02T03:19:05Z"), url.expiresAt());
    }

    @Test
    void presignedLifetimesOutsideSigV4sLimitsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> store().presignGet("k", Duration.ofDays(8)));
        assertThrows(IllegalArgumentException.class, () -> store().presignGet("k", Duration.ZERO));
    }
}
