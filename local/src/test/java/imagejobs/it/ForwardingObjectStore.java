package imagejobs.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.storage.PresignedUrl;
import imagejobs.shared.storage.StoredObject;

/** An object store that passes every call to another: crash wrappers override only the calls they intercept. */
public class ForwardingObjectStore implements ObjectStore {
    protected final ObjectStore delegate;

    public ForwardingObjectStore(ObjectStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public String bucket() {
        return delegate.bucket();
    }

    @Override
    public void put(String key, byte[] bytes, String contentType, Map<String, String> metadata) {
        delegate.put(key, bytes, contentType, metadata);
    }

    @Override
    public void put(String key, Path file, String contentType, Map<String, String> metadata) {
        delegate.put(key, file, contentType, metadata);
    }

    @Override
    public void copy(String sourceKey, String targetKey, String contentType, Map<String, String> metadata) {
        delegate.copy(sourceKey, targetKey, contentType, metadata);
    }

    @Override
    public Optional<StoredObject> get(String key) {
        return delegate.get(key);
    }

    @Override
    public Optional<StoredObject> get(String key, long maxBytes) {
        return delegate.get(key, maxBytes);
    }

    @Override
    public Optional<StoredObject> head(String key) {
        return delegate.head(key);
    }

    @Override
    public PresignedUrl presignGet(String key, Duration ttl) {
        return delegate.presignGet(key, ttl);
    }
}
