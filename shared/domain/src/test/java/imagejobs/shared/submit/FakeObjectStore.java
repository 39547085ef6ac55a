package imagejobs.shared.submit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.storage.PresignedUrl;
import imagejobs.shared.storage.StoredObject;

/** The images bucket in memory; uploads can be made to fail. */
final class FakeObjectStore implements ObjectStore {
    final Map<String, StoredObject> objects = new LinkedHashMap<>();
    private final String bucket;
    RuntimeException putFailure;

    FakeObjectStore(String bucket) {
        this.bucket = bucket;
    }

    @Override
    public String bucket() {
        return bucket;
    }

    @Override
    public synchronized void put(String key, byte[] bytes, String contentType, Map<String, String> metadata) {
        if (putFailure != null) {
            throw putFailure;
        }
        objects.put(key, new StoredObject(key, bytes.clone(), contentType, bytes.length, Map.copyOf(metadata)));
    }

    @Override
    public void put(String key, Path file, String contentType, Map<String, String> metadata) {
        throw new UnsupportedOperationException("not used by submit");
    }

    @Override
    public void copy(String sourceKey, String targetKey, String contentType, Map<String, String> metadata) {
        throw new UnsupportedOperationException("not used by submit");
    }

    @Override
    public synchronized Optional<StoredObject> get(String key) {
        return Optional.ofNullable(objects.get(key));
    }

    @Override
    public Optional<StoredObject> get(String key, long maxBytes) {
        return get(key);
    }

    @Override
    public Optional<StoredObject> head(String key) {
        return get(key);
    }

    @Override
    public PresignedUrl presignGet(String key, Duration ttl) {
        throw new UnsupportedOperationException("not used by submit");
    }
}
