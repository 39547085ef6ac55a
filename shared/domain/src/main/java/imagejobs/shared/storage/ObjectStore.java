package imagejobs.shared.storage;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** The images bucket. Keys are relative to it; {@link #uri(String)} gives the s3:// form clients see. */
public interface ObjectStore {

    String bucket();

    void put(String key, byte[] bytes, String contentType, Map<String, String> metadata);

    /** Streams a file up (large decoded images never sit whole on the heap). */
    void put(String key, Path file, String contentType, Map<String, String> metadata);

    /** Copies an object within the bucket, replacing its metadata. */
    void copy(String sourceKey, String targetKey, String contentType, Map<String, String> metadata);

    Optional<StoredObject> get(String key);

    /** Reads at most {@code maxBytes}; empty when the object is missing, {@link TooLargeException} when larger. */
    Optional<StoredObject> get(String key, long maxBytes);

    /** Content type, size and metadata without the body. */
    Optional<StoredObject> head(String key);

    PresignedUrl presignGet(String key, Duration ttl);

    default String uri(String key) {
        return "s3://" + bucket() + "/" + key;
    }

    /** The object exceeds the size the caller accepts. */
    final class TooLargeException extends RuntimeException {
        private final long size;

        public TooLargeException(String key, long size) {
            super(key + " is " + size + " bytes");
            this.size = size;
        }

        public long size() {
            return size;
        }
    }
}
