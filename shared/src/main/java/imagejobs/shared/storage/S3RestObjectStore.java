package imagejobs.shared.storage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import imagejobs.shared.config.AwsClientConfig;
import imagejobs.shared.config.Settings;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * {@link ObjectStore} on S3's REST API: plain HTTP(S) requests through the SDK's {@link SdkHttpClient}
 * (UrlConnection in the functions), signed with the SDK's own SigV4 signer ({@code http-auth-aws}). It replaces the
 * SDK's S3 client, whose service model is about 4.5 MB of every function jar, for the seven operations the functions
 * use.
 *
 * <ul>
 *   <li>PutObject of bytes signs their SHA-256; PutObject of a file streams it with {@code UNSIGNED-PAYLOAD} and a
 *       Content-Length (TLS protects it in transit), never holding it whole in memory.</li>
 *   <li>GetObject with a limit refuses on the Content-Length before reading a byte, and never reads past it.</li>
 *   <li>CopyObject replaces the metadata ({@code x-amz-metadata-directive: REPLACE}) and checks for the error S3 can
 *       send inside a 200 response.</li>
 *   <li>A missing object (404 NoSuchKey, or a HEAD 404) is {@link Optional#empty()}; any other error is an
 *       {@link S3RequestException} with S3's status and error code.</li>
 *   <li>Up to {@value #MAX_ATTEMPTS} attempts, with jittered exponential backoff, for 5xx, SlowDown and the like and
 *       for connection errors. Every operation here is idempotent, and every attempt is signed afresh.</li>
 * </ul>
 */
public final class S3RestObjectStore implements ObjectStore {
    static final int MAX_ATTEMPTS = 3;
    static final Duration BASE_BACKOFF = Duration.ofMillis(100);
    static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
    /** An error document is a few hundred bytes; more is not read. */
    private static final int MAX_ERROR_BODY = 64 * 1024;
    /** The largest array the JVM hands out, near enough. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 16;

    /** How the store waits between attempts; tests record instead. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final SdkHttpClient http;
    private final AwsCredentialsProvider credentials;
    private final String region;
    private final S3Urls urls;
    private final String bucket;
    private final Clock clock;
    private final Sleeper sleeper;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    S3RestObjectStore(SdkHttpClient http, AwsCredentialsProvider credentials, String region, S3Urls urls,
                      String bucket, Clock clock, Sleeper sleeper) {
        this.http = http;
        this.credentials = credentials;
        this.region = region;
        this.urls = urls;
        this.bucket = bucket;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    /**
     * The store a function uses: AwsClientConfig's HTTP client, credentials (session token included) and region,
     * AWS_ENDPOINT_URL_S3 when set, path style when S3_FORCE_PATH_STYLE is true.
     */
    public static S3RestObjectStore create(AwsClientConfig aws, Settings settings) {
        return create(aws, settings.s3ForcePathStyle(), settings.imagesBucket());
    }

    public static S3RestObjectStore create(AwsClientConfig aws, boolean forcePathStyle, String bucket) {
        String region = aws.region().id();
        return new S3RestObjectStore(aws.httpClient(), aws.credentials(), region,
                new S3Urls(aws.endpoint("S3"), region, forcePathStyle), bucket, Clock.systemUTC(), d -> Thread.sleep(d.toMillis()));
    }

    @Override
    public String bucket() {
        return bucket;
    }

    @Override
    public void put(String key, byte[] bytes, String contentType, Map<String, String> metadata) {
        SdkHttpRequest request = putRequest(key, contentType, metadata, bytes.length);
        try (Body body = Body.of(bytes)) {
            execute("PutObject", key, request, body, true, (response, in) -> null);
        }
    }

    @Override
    public void put(String key, Path file, String contentType, Map<String, String> metadata) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("PutObject " + key + ": cannot read " + file, e);
        }
        SdkHttpRequest request = putRequest(key, contentType, metadata, size);
        try (Body body = Body.of(file)) {
            execute("PutObject", key, request, body, false, (response, in) -> null);
        }
    }

    SdkHttpRequest putRequest(String key, String contentType, Map<String, String> metadata, long length) {
        SdkHttpRequest.Builder b = SdkHttpRequest.builder().method(SdkHttpMethod.PUT).uri(objectUri(key))
                .putHeader("Content-Length", Long.toString(length));
        if (contentType != null) {
            b.putHeader("Content-Type", contentType);
        }
        S3Metadata.headers(metadata).forEach(b::putHeader);
        return b.build();
    }

    @Override
    public void copy(String sourceKey, String targetKey, String contentType, Map<String, String> metadata) {
        SdkHttpRequest request = copyRequest(sourceKey, targetKey, contentType, metadata);
        try (Body body = Body.of(new byte[0])) {
            execute("CopyObject", targetKey, request, body, true, (response, in) -> {
                // S3 may answer 200 and then report a failure in the body (it started streaming before it knew).
                S3ErrorBody error = S3ErrorBody.parse(readAtMost(in, MAX_ERROR_BODY));
                if (error != null) {
                    throw new S3RequestException("CopyObject", targetKey, response.statusCode(), error.code(),
                            error.message(), requestId(response, error));
                }
                return null;
            });
        }
    }

    SdkHttpRequest copyRequest(String sourceKey, String targetKey, String contentType, Map<String, String> metadata) {
        SdkHttpRequest.Builder b = SdkHttpRequest.builder().method(SdkHttpMethod.PUT).uri(objectUri(targetKey))
                .putHeader("Content-Length", "0")
                .putHeader("x-amz-copy-source", S3Urls.copySource(bucket, sourceKey))
                .putHeader("x-amz-metadata-directive", "REPLACE");
        if (contentType != null) {
            b.putHeader("Content-Type", contentType);
        }
        S3Metadata.headers(metadata).forEach(b::putHeader);
        return b.build();
    }

    @Override
    public Optional<StoredObject> get(String key) {
        return get(key, Long.MAX_VALUE);
    }

    @Override
    public Optional<StoredObject> get(String key, long maxBytes) {
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.GET).uri(objectUri(key)).build();
        try {
            return Optional.of(execute("GetObject", key, request, null, true, (response, in) -> {
                long length = contentLength(response);
                if (length > maxBytes || length > MAX_ARRAY) {
                    // Refused before a byte of the body is read; abort rather than drain it.
                    in.abort();
                    throw new TooLargeException(key, length);
                }
                byte[] bytes = length >= 0 ? in.readNBytes((int) length) : readAtMost(in, Math.min(maxBytes, MAX_ARRAY));
                if (length >= 0 && bytes.length != length) {
                    throw new IOException("GetObject " + key + ": body ended after " + bytes.length + " of " + length
                            + " bytes");
                }
                if (length < 0 && in.read() != -1) {
                    // No Content-Length (chunked): the limit is enforced while reading.
                    in.abort();
                    throw new TooLargeException(key, bytes.length + 1L);
                }
                return new StoredObject(key, bytes, contentType(response), bytes.length,
                        S3Metadata.fromHeaders(response.headers()));
            }));
        } catch (S3RequestException e) {
            if (e.noSuchKey()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public Optional<StoredObject> head(String key) {
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.HEAD).uri(objectUri(key)).build();
        try {
            return Optional.of(execute("HeadObject", key, request, null, true, (response, in) ->
                    new StoredObject(key, null, contentType(response), Math.max(0, contentLength(response)),
                            S3Metadata.fromHeaders(response.headers()))));
        } catch (S3RequestException e) {
            if (e.noSuchKey()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * A GET URL signed in its query string (X-Amz-Signature, X-Amz-Expires, X-Amz-Security-Token with session
     * credentials), good for {@code ttl} (1 second to 7 days) from now.
     */
    @Override
    public PresignedUrl presignGet(String key, Duration ttl) {
        Instant signedAt = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.GET).uri(objectUri(key)).build();
        SignedRequest signed = signer.sign(r -> {
            properties(r, request, Clock.fixed(signedAt, ZoneOffset.UTC));
            r.putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false)
                    .putProperty(AwsV4FamilyHttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
                    .putProperty(AwsV4FamilyHttpSigner.EXPIRATION_DURATION, ttl);
        });
        return new PresignedUrl(signed.request().getUri().toString(), signedAt.plus(ttl));
    }

    private URI objectUri(String key) {
        return urls.objectUri(bucket, key);
    }

    /** Reads the body of a 2xx response; runs inside the retry loop, so an IOException here is retried. */
    @FunctionalInterface
    interface ResponseReader<T> {
        T read(SdkHttpResponse response, AbortableInputStream body) throws IOException;
    }

    /**
     * Signs and sends {@code request} up to {@link #MAX_ATTEMPTS} times. {@code signPayload}: the body's SHA-256 is
     * part of the signature (bytes, empty bodies) or the body is {@code UNSIGNED-PAYLOAD} (streamed files).
     */
    <T> T execute(String operation, String key, SdkHttpRequest request, Body body, boolean signPayload,
                  ResponseReader<T> reader) {
        for (int attempt = 1; ; attempt++) {
            try {
                return attempt(operation, key, request, body, signPayload, reader);
            } catch (S3RequestException e) {
                if (!e.retryable() || attempt >= MAX_ATTEMPTS) {
                    throw e;
                }
            } catch (IOException | UncheckedIOException e) {
                if (attempt >= MAX_ATTEMPTS) {
                    IOException cause = e instanceof IOException io ? io : ((UncheckedIOException) e).getCause();
                    throw new UncheckedIOException(operation + " " + key + ": no answer from S3 after " + attempt
                            + " attempts: " + cause, cause);
                }
            }
            backoff(attempt);
        }
    }

    private <T> T attempt(String operation, String key, SdkHttpRequest request, Body body, boolean signPayload,
                          ResponseReader<T> reader) throws IOException {
        SignedRequest signed = sign(request, body, signPayload);
        HttpExecuteResponse response = http.prepareRequest(HttpExecuteRequest.builder()
                .request(signed.request()).contentStreamProvider(body).build()).call();
        SdkHttpResponse head = response.httpResponse();
        AbortableInputStream in = response.responseBody()
                .orElseGet(() -> AbortableInputStream.create(new ByteArrayInputStream(new byte[0])));
        try (in) {
            if (!head.isSuccessful()) {
                throw error(operation, key, head, readAtMost(in, MAX_ERROR_BODY));
            }
            T result = reader.read(head, in);
            drain(in);
            return result;
        } finally {
            if (body != null) {
                body.closeStream();
            }
        }
    }

    private SignedRequest sign(SdkHttpRequest request, Body body, boolean signPayload) {
        return signer.sign(r -> {
            properties(r, request, clock);
            r.putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, signPayload);
            if (signPayload && body != null) {
                // The signer hashes the payload; unsigned bodies are never given to it (over plain HTTP it would
                // insist on hashing them, reading a large file twice).
                r.payload(body);
            }
        });
    }

    private void properties(SignRequest.Builder<AwsCredentialsIdentity> r, SdkHttpRequest request, Clock signingClock) {
        r.identity(credentials.resolveCredentials())
                .request(request)
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                // S3 signs the path exactly as sent: no second encoding, no dot-segment normalization.
                .putProperty(AwsV4FamilyHttpSigner.DOUBLE_URL_ENCODE, false)
                .putProperty(AwsV4FamilyHttpSigner.NORMALIZE_PATH, false)
                .putProperty(HttpSigner.SIGNING_CLOCK, signingClock);
    }

    private void backoff(int failedAttempt) {
        long base = BASE_BACKOFF.toMillis() << (failedAttempt - 1);
        // Equal jitter: half fixed, half random, so concurrent writers spread out.
        long millis = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
        try {
            sleeper.sleep(Duration.ofMillis(millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted between S3 attempts", e);
        }
    }

    private static S3RequestException error(String operation, String key, SdkHttpResponse response, byte[] body) {
        S3ErrorBody parsed = S3ErrorBody.parse(body);
        String code = parsed != null ? parsed.code() : S3ErrorBody.codeForStatus(response.statusCode());
        return new S3RequestException(operation, key, response.statusCode(), code,
                parsed != null ? parsed.message() : null, requestId(response, parsed));
    }

    private static String requestId(SdkHttpResponse response, S3ErrorBody parsed) {
        return response.firstMatchingHeader("x-amz-request-id")
                .orElse(parsed != null ? parsed.requestId() : null);
    }

    private static long contentLength(SdkHttpResponse response) {
        try {
            return response.firstMatchingHeader("Content-Length").map(v -> Long.parseLong(v.trim())).orElse(-1L);
        } catch (NumberFormatException e) {
            return -1L;
        }
    }

    private static String contentType(SdkHttpResponse response) {
        return response.firstMatchingHeader("Content-Type").orElse(null);
    }

    /** Reads what is left of a body (nothing, usually) so the connection goes back to the pool; aborts a long one. */
    private static void drain(AbortableInputStream in) throws IOException {
        if (readAtMost(in, MAX_ERROR_BODY).length == MAX_ERROR_BODY && in.read() != -1) {
            in.abort();
        }
    }

    private static byte[] readAtMost(InputStream in, long max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        long total = 0;
        int n;
        while (total < max && (n = in.read(buffer, 0, (int) Math.min(buffer.length, max - total))) != -1) {
            out.write(buffer, 0, n);
            total += n;
        }
        return out.toByteArray();
    }

    /**
     * A request body that can be sent again on a retry, closing the stream it opened for the previous attempt (the
     * HTTP client copies a stream but does not close it).
     */
    abstract static class Body implements ContentStreamProvider, Closeable {
        private InputStream current;

        static Body of(byte[] bytes) {
            return new Body() {
                @Override
                InputStream open() {
                    return new ByteArrayInputStream(bytes);
                }
            };
        }

        static Body of(Path file) {
            return new Body() {
                @Override
                InputStream open() throws IOException {
                    return Files.newInputStream(file);
                }
            };
        }

        abstract InputStream open() throws IOException;

        @Override
        public synchronized InputStream newStream() {
            closeStream();
            try {
                current = open();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return current;
        }

        synchronized void closeStream() {
            if (current != null) {
                try {
                    current.close();
                } catch (IOException ignored) {
                    // a file opened for reading: nothing was lost
                }
                current = null;
            }
        }

        @Override
        public void close() {
            closeStream();
        }
    }
}
