package imagejobs.local.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordingFile;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import imagejobs.adapters.s3.S3ObjectStore;
import imagejobs.local.LocalStack;
import imagejobs.local.LocalStackConfig;
import imagejobs.local.TestPaths;
import imagejobs.local.emulators.LocalCredentials;
import imagejobs.adapters.aws.AwsClientConfig;
import imagejobs.shared.config.Environment;
import imagejobs.shared.errors.DependencyFailure;
import imagejobs.shared.config.Settings;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.storage.PresignedUrl;
import imagejobs.shared.storage.StoredObject;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * S3ObjectStore against the local stack's S3Proxy, which checks SigV4 signatures (header and query) and
 * presigned-URL expiry: every ObjectStore method, awkward keys, metadata, a large streamed file, errors. The store
 * gets what the local stack gives a function (endpoint, path style, the SDK's WHEN_REQUIRED checksum settings), and
 * objects also cross over to and from the stack's own S3 client.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class S3ObjectStoreIntegrationTest {
    private static final Random RANDOM = new Random(8);
    private static LocalStack stack;
    private static String bucket;
    private static S3ObjectStore store;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        stack = LocalStack.start(LocalStackConfig.builder(TestPaths.root()).startFunctions(false)
                .out(new PrintStream(OutputStream.nullOutputStream())).build());
        bucket = stack.bucketName("ImagesBucket");
        store = store(LocalCredentials.SECRET_ACCESS_KEY, bucket);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    /**
     * What the local stack gives a function: region, the dummy credentials, AWS_ENDPOINT_URL_S3, path style and the
     * SDK's checksum settings for S3Proxy.
     */
    private static S3ObjectStore store(String secret, String bucketName) {
        return S3ObjectStore.create(new AwsClientConfig(environment(secret, bucketName)),
                new Settings(environment(secret, bucketName)));
    }

    private static Environment environment(String secret, String bucketName) {
        return new Environment(Map.of(
                "AWS_REGION", stack.context().region(),
                "AWS_ACCESS_KEY_ID", LocalCredentials.ACCESS_KEY_ID,
                "AWS_SECRET_ACCESS_KEY", secret,
                "AWS_ENDPOINT_URL_S3", stack.s3Endpoint().toString(),
                "S3_FORCE_PATH_STYLE", "true",
                "AWS_REQUEST_CHECKSUM_CALCULATION", "WHEN_REQUIRED",
                "AWS_RESPONSE_CHECKSUM_VALIDATION", "WHEN_REQUIRED",
                "IMAGES_BUCKET", bucketName));
    }

    /** The adapter reports S3's refusal as a DependencyFailure (not transient) around the SDK's exception. */
    private static S3Exception s3Error(DependencyFailure failure) {
        assertFalse(failure.isTransient(), failure.toString());
        return assertInstanceOf(S3Exception.class, failure.getCause());
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static String decodeWord(String word) {
        assertTrue(word.startsWith("=?UTF-8?B?") && word.endsWith("?="), word);
        return new String(Base64.getDecoder().decode(word.substring(10, word.length() - 2)), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"it/plain/key.png", "it/with space/a b.png", "it/plus+sign/1+1=2.png",
            "it/unicode/café-日本-🖼.png", "it/reserved/!$&'()*,;=:@[]~%.bin", "it/double//slash.png",
            "it/trailing-dot./x"})
    void putGetHeadRoundTripsAwkwardKeys(String key) {
        byte[] bytes = randomBytes(1000);
        store.put(key, bytes, "image/png", Map.of("request-id", "r-" + key.length()));

        StoredObject got = store.get(key).orElseThrow();
        assertArrayEquals(bytes, got.bytes());
        assertEquals("image/png", got.contentType());
        assertEquals(1000, got.size());
        assertEquals("r-" + key.length(), got.metadata().get("request-id"));

        StoredObject head = store.head(key).orElseThrow();
        assertNull(head.bytes());
        assertEquals(1000, head.size());
        assertEquals("image/png", head.contentType());

        // The SDK finds it under the same key: both encode it alike.
        assertEquals(1000, stack.s3().headObject(r -> r.bucket(bucket).key(key)).contentLength());
    }

    @Test
    void metadataSurvivesAndNonAsciiValuesComeBackAsRfc2047Words() {
        String key = "it/meta/prompted.png";
        store.put(key, randomBytes(10), "image/png",
                Map.of("Prompt", "rends-le bleu, s'il te plaît 🎨", "aspect-ratio", "16:9", "model", "m-1"));
        StoredObject head = store.head(key).orElseThrow();
        assertEquals("16:9", head.metadata().get("aspect-ratio"));
        assertEquals("m-1", head.metadata().get("model"));
        assertEquals("rends-le bleu, s'il te plaît 🎨", decodeWord(head.metadata().get("prompt")));

        HeadObjectResponse sdk = stack.s3().headObject(r -> r.bucket(bucket).key(key));
        assertEquals("16:9", sdk.metadata().get("aspect-ratio"));
    }

    @Test
    void objectsWrittenByTheSdkAreReadable() {
        String key = "it/from-sdk/é x.json";
        stack.s3().putObject(r -> r.bucket(bucket).key(key).contentType("application/json")
                .metadata(Map.of("request-id", "sdk-1")), RequestBody.fromString("{\"x\":1}"));
        StoredObject got = store.get(key).orElseThrow();
        assertEquals("{\"x\":1}", new String(got.bytes(), StandardCharsets.UTF_8));
        assertEquals("application/json", got.contentType());
        assertEquals("sdk-1", got.metadata().get("request-id"));
    }

    @Test
    void aLargeFileIsStreamedNotBuffered(@TempDir Path dir) throws IOException {
        // The worker's store: its uploads of 4K images get the longer S3 timeouts (S3Proxy on a busy machine reads
        // a signed chunked upload slowly).
        Environment env = environment(LocalCredentials.SECRET_ACCESS_KEY, bucket);
        S3ObjectStore store = new S3ObjectStore(S3ObjectStore.client(new AwsClientConfig(env), new Settings(env),
                AwsClientConfig.LARGE_OBJECTS), null, bucket);
        Path file = dir.resolve("4k.png");
        byte[] bytes = randomBytes(12 * 1024 * 1024);
        Files.write(file, bytes);
        String key = "it/large/4k image.png";

        // The upload runs on this thread. Reading the file into memory (readAllBytes, a growing buffer) needs an
        // array of megabytes, which the JVM allocates outside a thread-local buffer: JFR records each such allocation
        // with its size. Streaming allocates only chunk-sized buffers (what it allocates in total is about the file's
        // size either way, so that figure cannot tell the two apart).
        Path recorded = dir.resolve("allocations.jfr");
        try (Recording recording = new Recording()) {
            recording.enable("jdk.ObjectAllocationOutsideTLAB");
            recording.start();
            store.put(key, file, "image/png", Map.of("request-id", "big"));
            recording.stop();
            recording.dump(recorded);
        }
        long uploader = Thread.currentThread().getId();
        long largest = RecordingFile.readAllEvents(recorded).stream()
                .filter(event -> event.getThread() != null && event.getThread().getJavaThreadId() == uploader)
                .mapToLong(event -> event.getLong("allocationSize")).max().orElse(0);
        assertTrue(largest < 1024 * 1024, "the upload allocated an array of " + largest + " bytes");

        assertEquals(bytes.length, store.head(key).orElseThrow().size());
        assertArrayEquals(bytes, store.get(key, bytes.length).orElseThrow().bytes());
        ObjectStore.TooLargeException e = assertThrows(ObjectStore.TooLargeException.class,
                () -> store.get(key, bytes.length - 1));
        assertEquals(bytes.length, e.size());
    }

    @Test
    void copyReplacesContentTypeAndMetadata() {
        String source = "it/copy/source é.png";
        String target = "it/copy/edited+1 é.png";
        byte[] bytes = randomBytes(5000);
        store.put(source, bytes, "application/octet-stream", Map.of("request-id", "src", "prompt", "old"));
        store.copy(source, target, "image/png", Map.of("request-id", "job-7", "source-key", source));

        StoredObject copied = store.get(target).orElseThrow();
        assertArrayEquals(bytes, copied.bytes());
        assertEquals("image/png", copied.contentType());
        assertEquals("job-7", copied.metadata().get("request-id"));
        assertEquals(source, decodeWord(copied.metadata().get("source-key")));
        assertFalse(copied.metadata().containsKey("prompt"), "REPLACE drops the source's metadata");
    }

    @Test
    void copyOfAMissingSourceFailsWithS3sCode() {
        S3Exception e = s3Error(assertThrows(DependencyFailure.class,
                () -> store.copy("it/copy/never-written.png", "it/copy/target.png", "image/png", Map.of())));
        assertEquals(404, e.statusCode());
        assertEquals("NoSuchKey", e.awsErrorDetails().errorCode());
        assertTrue(store.head("it/copy/target.png").isEmpty());
    }

    @Test
    void missingObjectsAreEmpty() {
        assertTrue(store.get("it/missing/nothing here.png").isEmpty());
        assertTrue(store.get("it/missing/nothing here.png", 10).isEmpty());
        assertTrue(store.head("it/missing/nothing here.png").isEmpty());
    }

    @Test
    void tooLargeIsRefusedAndSmallEnoughIsRead() {
        String key = "it/limits/1k.bin";
        store.put(key, randomBytes(1024), "application/octet-stream", Map.of());
        assertEquals(1024, store.get(key, 1024).orElseThrow().size());
        ObjectStore.TooLargeException e = assertThrows(ObjectStore.TooLargeException.class,
                () -> store.get(key, 1023));
        assertEquals(1024, e.size());
        // The connection it aborted does not spoil the next request.
        assertEquals(1024, store.get(key).orElseThrow().size());
    }

    @Test
    void emptyObjects() {
        store.put("it/empty/zero", new byte[0], "text/plain", Map.of());
        StoredObject got = store.get("it/empty/zero").orElseThrow();
        assertEquals(0, got.bytes().length);
        assertEquals(0, store.head("it/empty/zero").orElseThrow().size());
    }

    @Test
    void aWrongSecretIsRefusedWithS3sErrorCodeAndNoSignature() {
        S3ObjectStore wrong = store("not-the-secret", bucket);
        DependencyFailure failure = assertThrows(DependencyFailure.class,
                () -> wrong.put("it/denied/x.png", randomBytes(10), "image/png", Map.of()));
        assertFalse(failure.getMessage().contains("not-the-secret"), failure.getMessage());
        S3Exception e = s3Error(failure);
        assertEquals(403, e.statusCode());
        assertEquals("SignatureDoesNotMatch", e.awsErrorDetails().errorCode());
        assertFalse(e.getMessage().contains("AWS4-HMAC-SHA256"), e.getMessage());
        assertFalse(e.getMessage().contains("not-the-secret"), e.getMessage());
        assertTrue(store.head("it/denied/x.png").isEmpty());
    }

    @Test
    void aMissingBucketIsAnErrorNotAnEmptyResult() {
        S3ObjectStore other = store(LocalCredentials.SECRET_ACCESS_KEY, "no-such-bucket-here");
        S3Exception e = s3Error(assertThrows(DependencyFailure.class, () -> other.get("k")));
        assertEquals(404, e.statusCode());
        assertEquals("NoSuchBucket", e.awsErrorDetails().errorCode());
    }

    @Test
    void presignedUrlDownloadsTheExactBytes() throws Exception {
        String key = "it/presigned/out put+1 é.png";
        byte[] bytes = randomBytes(70_000);
        store.put(key, bytes, "image/png", Map.of());
        Instant before = Instant.now();
        PresignedUrl url = store.presignGet(key, Duration.ofMinutes(10));
        assertTrue(!url.expiresAt().isBefore(before.plus(Duration.ofMinutes(10)).minusSeconds(2))
                && !url.expiresAt().isAfter(Instant.now().plus(Duration.ofMinutes(10))), url.expiresAt().toString());
        assertTrue(url.url().startsWith(stack.s3Endpoint() + "/" + bucket + "/"), url.url());

        HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(URI.create(url.url())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertArrayEquals(bytes, response.body());
    }

    @Test
    void expiredPresignedUrlIsForbidden() throws Exception {
        String key = "it/presigned/short-lived.png";
        store.put(key, randomBytes(100), "image/png", Map.of());
        PresignedUrl url = store.presignGet(key, Duration.ofSeconds(1));
        while (Instant.now().isBefore(url.expiresAt().plusMillis(1500))) {
            Thread.sleep(200);
        }
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url.url())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, response.statusCode(), response.body());
        assertTrue(response.body().contains("AccessDenied"), response.body());
    }

    @Test
    void tamperedPresignedUrlIsForbidden() throws Exception {
        String key = "it/presigned/tampered.png";
        store.put(key, randomBytes(100), "image/png", Map.of());
        store.put("it/presigned/other.png", randomBytes(100), "image/png", Map.of());
        String url = store.presignGet(key, Duration.ofMinutes(5)).url().replace("tampered.png", "other.png");
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, response.statusCode(), response.body());
    }

    @Test
    void concurrentWritersAndReadersShareTheClient() throws Exception {
        List<Thread> threads = new java.util.ArrayList<>();
        Map<String, byte[]> written = new java.util.concurrent.ConcurrentHashMap<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < 8; t++) {
            int n = t;
            threads.add(new Thread(() -> {
                try {
                    for (int i = 0; i < 5; i++) {
                        String key = "it/concurrent/" + n + "/" + i + " é";
                        byte[] bytes = randomBytes(2000 + n * 100 + i);
                        store.put(key, bytes, "application/octet-stream", Map.of());
                        written.put(key, bytes);
                        assertArrayEquals(bytes, store.get(key).orElseThrow().bytes());
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(List.of(), failures);
        assertEquals(40, new HashMap<>(written).size());
    }
}
