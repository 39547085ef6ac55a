package imagejobs.shared.storage;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** {@link ObjectStore} on S3. The presigner is optional: only the status function needs one. */
public final class S3ObjectStore implements ObjectStore {
    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;

    public S3ObjectStore(S3Client s3, S3Presigner presigner, String bucket) {
        this.s3 = s3;
        this.presigner = presigner;
        this.bucket = bucket;
    }

    @Override
    public String bucket() {
        return bucket;
    }

    @Override
    public void put(String key, byte[] bytes, String contentType, Map<String, String> metadata) {
        s3.putObject(r -> r.bucket(bucket).key(key).contentType(contentType).metadata(metadata),
                RequestBody.fromBytes(bytes));
    }

    @Override
    public void put(String key, Path file, String contentType, Map<String, String> metadata) {
        s3.putObject(r -> r.bucket(bucket).key(key).contentType(contentType).metadata(metadata),
                RequestBody.fromFile(file));
    }

    @Override
    public void copy(String sourceKey, String targetKey, String contentType, Map<String, String> metadata) {
        s3.copyObject(r -> r.sourceBucket(bucket).sourceKey(sourceKey).destinationBucket(bucket)
                .destinationKey(targetKey).contentType(contentType).metadata(metadata)
                .metadataDirective(MetadataDirective.REPLACE));
    }

    @Override
    public Optional<StoredObject> get(String key) {
        return get(key, Long.MAX_VALUE);
    }

    @Override
    public Optional<StoredObject> get(String key, long maxBytes) {
        if (maxBytes != Long.MAX_VALUE) {
            Optional<StoredObject> head = head(key);
            if (head.isEmpty()) {
                return Optional.empty();
            }
            if (head.get().size() > maxBytes) {
                throw new TooLargeException(key, head.get().size());
            }
        }
        try {
            ResponseBytes<GetObjectResponse> bytes = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key));
            GetObjectResponse response = bytes.response();
            if (bytes.asByteArrayUnsafe().length > maxBytes) {
                // Grew between the head and the read.
                throw new TooLargeException(key, bytes.asByteArrayUnsafe().length);
            }
            byte[] body = bytes.asByteArrayUnsafe();
            return Optional.of(new StoredObject(key, body, response.contentType(), body.length, response.metadata()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<StoredObject> head(String key) {
        try {
            HeadObjectResponse head = s3.headObject(r -> r.bucket(bucket).key(key));
            return Optional.of(new StoredObject(key, null, head.contentType(), head.contentLength(), head.metadata()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public PresignedUrl presignGet(String key, Duration ttl) {
        if (presigner == null) {
            throw new IllegalStateException("this function was wired without an S3 presigner");
        }
        var presigned = presigner.presignGetObject(r -> r.signatureDuration(ttl)
                .getObjectRequest(g -> g.bucket(bucket).key(key)));
        Instant expires = presigned.expiration();
        return new PresignedUrl(presigned.url().toString(), expires);
    }
}
