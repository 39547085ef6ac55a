package imagejobs.shared.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.storage.PresignedUrl;
import imagejobs.shared.storage.StoredObject;

/** The images bucket in a map, with a log of every put. */
public class InMemoryObjectStore implements ObjectStore {
    public final Map<String, StoredObject> objects = new ConcurrentHashMap<>();
    public final List<String> puts = new ArrayList<>();

    @Override
    public String bucket() {
        return "images-bucket";
    }

    @Override
    public synchronized void put(String key, byte[] bytes, String contentType, Map<String, String> metadata) {
        puts.add(key);
        objects.put(key, new StoredObject(key, bytes.clone(), contentType, bytes.length, Map.copyOf(metadata)));
    }

    @Override
    public void put(String key, Path file, String contentType, Map<String, String> metadata) {
        try {
            put(key, Files.readAllBytes(file), contentType, metadata);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void copy(String sourceKey, String targetKey, String contentType, Map<String, String> metadata) {
        StoredObject source = objects.get(sourceKey);
        put(targetKey, source.bytes(), contentType, metadata);
    }

    @Override
    public Optional<StoredObject> get(String key) {
        return Optional.ofNullable(objects.get(key));
    }

    @Override
    public Optional<StoredObject> get(String key, long maxBytes) {
        StoredObject object = objects.get(key);
        if (object != null && object.size() > maxBytes) {
            throw new TooLargeException(key, object.size());
        }
        return Optional.ofNullable(object);
    }

    @Override
    public Optional<StoredObject> head(String key) {
        return get(key).map(o -> new StoredObject(key, null, o.contentType(), o.size(), o.metadata()));
    }

    @Override
    public PresignedUrl presignGet(String key, Duration ttl) {
        return new PresignedUrl("https://example.test/" + key + "?X-Amz-Signature=secret", Instant.EPOCH.plus(ttl));
    }
}
