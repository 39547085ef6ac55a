package imagejobs.adapters.s3;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import imagejobs.adapters.aws.AwsClientConfig;
import imagejobs.adapters.aws.AwsClientConfig.CallTimeouts;
import imagejobs.shared.config.Settings;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.storage.PresignedUrl;
import imagejobs.shared.storage.StoredObject;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import imagejobs.shared.errors.DependencyFailure.Dependency;
import imagejobs.adapters.aws.AwsFailures;

/**
 * {@link ObjectStore} on the SDK's {@link S3Client}, with an {@link S3Presigner} for presigned GET URLs.
 *
 * <ul>
 *   <li>Uploads carry the checksums the SDK adds by default (a CRC32 trailer over HTTPS); a file is streamed from
 *       disk, never read into memory whole.</li>
 *   <li>A bounded {@link #get(String, long)} refuses on the response's Content-Length before reading a byte and
 *       aborts the connection instead of draining it; the body is read inside the call, so the client's timeouts
 *       bound the whole read.</li>
 *   <li>A missing object is {@link Optional#empty()}: GetObject's NoSuchKey, HeadObject's 404. S3 says 404 only to a
 *       caller allowed {@code s3:ListBucket} on the bucket (else 403 AccessDenied, whatever the client), so the
 *       functions that read keys which may be absent hold that grant. A missing bucket is an error.</li>
 *   <li>Errors and retries are the SDK's: {@code S3Exception} with S3's status and code, retries with backoff for
 *       throttling, 5xx and connection errors, timeouts from {@link AwsClientConfig}.</li>
 * </ul>
 */
public final class S3ObjectStore implements ObjectStore {
    /** The largest array the JVM hands out, near enough. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 16;

    private final Supplier<S3Client> s3;
    private final Supplier<S3Presigner> presigner;
    private final String bucket;

    /** @param presigner null for functions that hand out no URLs ({@link #presignGet} then fails) */
    public S3ObjectStore(S3Client s3, S3Presigner presigner, String bucket) {
        this(() -> s3, () -> presigner, bucket);
    }

    /**
     * With a client and presigner still being built (on a priming thread): each is waited for on first use, so a
     * function that seldom needs one (status reads S3 only for spilled conversations) does not wait at init.
     */
    public S3ObjectStore(Supplier<S3Client> s3, Supplier<S3Presigner> presigner, String bucket) {
        this.s3 = s3;
        this.presigner = presigner;
        this.bucket = bucket;
    }

    /** Client and presigner with the usual S3 timeouts: the bucket of IMAGES_BUCKET. */
    public static S3ObjectStore create(AwsClientConfig aws, Settings settings) {
        return new S3ObjectStore(client(aws, settings, AwsClientConfig.OBJECTS), presigner(aws, settings),
                settings.imagesBucket());
    }

    /**
     * An S3 client from {@link AwsClientConfig} (region, credentials, HTTP client, AWS_ENDPOINT_URL_S3, the timeouts
     * for {@code use} unless the environment sets others), path style when S3_FORCE_PATH_STYLE is true, and the
     * SDK's standard checksum variables when the environment sets them (the local stack does, for S3Proxy).
     */
    public static S3Client client(AwsClientConfig aws, Settings settings, CallTimeouts use) {
        var builder = aws.configure(S3Client.builder(), "S3", use).forcePathStyle(settings.s3ForcePathStyle());
        aws.requestChecksumCalculation().ifPresent(builder::requestChecksumCalculation);
        aws.responseChecksumValidation().ifPresent(builder::responseChecksumValidation);
        return builder.build();
    }

    /** Signs GET URLs with the same region, credentials, endpoint and addressing style as {@link #client}. */
    public static S3Presigner presigner(AwsClientConfig aws, Settings settings) {
        S3Presigner.Builder builder = S3Presigner.builder().region(aws.region()).credentialsProvider(aws.credentials())
                .serviceConfiguration(S3Configuration.builder()
                        .pathStyleAccessEnabled(settings.s3ForcePathStyle()).build());
        aws.endpoint("S3").ifPresent(builder::endpointOverride);
        return builder.build();
    }

    @Override
    public String bucket() {
        return bucket;
    }

    @Override
    public void put(String key, byte[] bytes, String contentType, Map<String, String> metadata) {
        AwsFailures.run(Dependency.OBJECT_STORE, () -> {
            Map<String, String> encoded = UserMetadata.encode(metadata);
            s3.get().putObject(r -> r.bucket(bucket).key(key).contentType(contentType).metadata(encoded),
                    RequestBody.fromBytes(bytes));
        });
    }

    @Override
    public void put(String key, Path file, String contentType, Map<String, String> metadata) {
        AwsFailures.run(Dependency.OBJECT_STORE, () -> {
            Map<String, String> encoded = UserMetadata.encode(metadata);
            s3.get().putObject(r -> r.bucket(bucket).key(key).contentType(contentType).metadata(encoded),
                    RequestBody.fromFile(file));
        });
    }

    @Override
    public void copy(String sourceKey, String targetKey, String contentType, Map<String, String> metadata) {
        AwsFailures.run(Dependency.OBJECT_STORE, () -> {
            Map<String, String> encoded = UserMetadata.encode(metadata);
            // S3 can report a failed copy inside a 200 answer; the SDK's S3 protocol turns that into an S3Exception.
            s3.get().copyObject(r -> r.sourceBucket(bucket).sourceKey(sourceKey).destinationBucket(bucket)
                    .destinationKey(targetKey).metadataDirective(MetadataDirective.REPLACE)
                    .contentType(contentType).metadata(encoded));
        });
    }

    @Override
    public Optional<StoredObject> get(String key) {
        return AwsFailures.call(Dependency.OBJECT_STORE, () -> {
            return get(key, Long.MAX_VALUE);
        });
    }

    @Override
    public Optional<StoredObject> get(String key, long maxBytes) {
        return AwsFailures.call(Dependency.OBJECT_STORE, () -> {
            try {
                return Optional.of(s3.get().getObject(r -> r.bucket(bucket).key(key),
                        (response, in) -> read(key, response, in, maxBytes)));
            } catch (NoSuchKeyException e) {
                return Optional.empty();
            } catch (RuntimeException e) {
                // The SDK wraps what the response transformer throws; a refusal is ours, not the SDK's.
                for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                    if (t instanceof TooLargeException tooLarge) {
                        throw tooLarge;
                    }
                }
                throw e;
            }
        });
    }

    private static StoredObject read(String key, GetObjectResponse response, AbortableInputStream in, long maxBytes)
            throws IOException {
        long limit = Math.min(maxBytes, MAX_ARRAY);
        Long length = response.contentLength();
        if (length != null && length > limit) {
            // Refused before a byte of the body is read; abort rather than drain it.
            in.abort();
            throw new TooLargeException(key, length);
        }
        byte[] bytes = readAtMost(in, length != null ? length : limit);
        // Reading to the end lets the SDK check the response checksum, and catches a body longer than announced.
        if (in.read() != -1) {
            in.abort();
            throw new TooLargeException(key, bytes.length + 1L);
        }
        if (length != null && bytes.length != length) {
            throw new IOException("GetObject " + key + ": body ended after " + bytes.length + " of " + length
                    + " bytes");
        }
        return new StoredObject(key, bytes, response.contentType(), bytes.length,
                UserMetadata.lowerCaseNames(response.metadata()));
    }

    private static byte[] readAtMost(InputStream in, long max) throws IOException {
        return in.readNBytes((int) Math.min(max, MAX_ARRAY));
    }

    @Override
    public Optional<StoredObject> head(String key) {
        return AwsFailures.call(Dependency.OBJECT_STORE, () -> {
            try {
                HeadObjectResponse head = s3.get().headObject(r -> r.bucket(bucket).key(key));
                long size = head.contentLength() == null ? 0 : head.contentLength();
                return Optional.of(new StoredObject(key, null, head.contentType(), size,
                        UserMetadata.lowerCaseNames(head.metadata())));
            } catch (NoSuchKeyException e) {
                // HeadObject's 404 has no body to tell a missing key from a missing bucket; the SDK says NoSuchKey.
                return Optional.empty();
            } catch (S3Exception e) {
                if (e.statusCode() == 404) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    /**
     * A GET URL signed in its query string (with the session token of temporary credentials), good for {@code ttl}
     * (1 second to 7 days) from the signing second.
     */
    @Override
    public PresignedUrl presignGet(String key, Duration ttl) {
        return AwsFailures.call(Dependency.OBJECT_STORE, () -> {
            S3Presigner signer = presigner.get();
            if (signer == null) {
                throw new IllegalStateException("this store was built without a presigner");
            }
            var presigned = signer.presignGetObject(r -> r.signatureDuration(ttl)
                    .getObjectRequest(g -> g.bucket(bucket).key(key)));
            return new PresignedUrl(presigned.url().toString(), presigned.expiration());
        });
    }
}
