package imagejobs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

import imagejobs.shared.errors.DependencyFailure;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.storage.PresignedUrl;
import imagejobs.shared.storage.StoredObject;

/**
 * The images bucket in a map, with S3's rules ({@link ObjectStoreContract} holds both to them): metadata names
 * lower case and HTTP tokens, a missing key is empty, a copy of a missing object fails, bounded reads refuse larger
 * objects, heads carry no body. Metadata values are kept as given (the S3 adapter sends non-ASCII values as RFC 2047
 * words; tests here hand values straight to the code under test, as an uploader's client would). Every put is
 * logged in {@link #puts}; {@link #putFailure} makes uploads throw.
 */
public class InMemoryObjectStore implements ObjectStore {
    public final Map<String, StoredObject> objects = Collections.synchronizedMap(new LinkedHashMap<>());
    public final List<String> puts = Collections.synchronizedList(new ArrayList<>());
    public volatile RuntimeException putFailure;
    private final String bucket;

    public InMemoryObjectStore() {
        this("images-bucket");
    }

    public InMemoryObjectStore(String bucket) {
        this.bucket = bucket;
    }

    @Override
    public String bucket() {
        return bucket;
    }

    @Override
    public synchronized void put(String key, byte[] bytes, String contentType, Map<String, String> metadata) {
        Map<String, String> names = metadata(metadata);
        if (putFailure != null) {
            throw putFailure;
        }
        puts.add(key);
        objects.put(key, new StoredObject(key, bytes.clone(), contentType, bytes.length, names));
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
    public synchronized void copy(String sourceKey, String targetKey, String contentType, Map<String, String> metadata) {
        StoredObject source = objects.get(sourceKey);
        if (source == null) {
            // S3 answers NoSuchKey (404): the adapter reports a dependency failure that retrying will not cure.
            throw new DependencyFailure(DependencyFailure.Dependency.OBJECT_STORE, false,
                    new NoSuchElementException("no object at the copy source"));
        }
        put(targetKey, source.bytes(), contentType, metadata);
    }

    @Override
    public Optional<StoredObject> get(String key) {
        return Optional.ofNullable(objects.get(key)).map(InMemoryObjectStore::copyOf);
    }

    @Override
    public Optional<StoredObject> get(String key, long maxBytes) {
        StoredObject object = objects.get(key);
        if (object != null && object.size() > maxBytes) {
            throw new TooLargeException(key, object.size());
        }
        return Optional.ofNullable(object).map(InMemoryObjectStore::copyOf);
    }

    @Override
    public Optional<StoredObject> head(String key) {
        return Optional.ofNullable(objects.get(key))
                .map(o -> new StoredObject(key, null, o.contentType(), o.size(), o.metadata()));
    }

    /** A URL that names the key (and carries a signature, so tests can check it never reaches a log). */
    @Override
    public PresignedUrl presignGet(String key, Duration ttl) {
        return new PresignedUrl("https://example.test/" + key + "?X-Amz-Signature=secret", Instant.EPOCH.plus(ttl));
    }

    private static StoredObject copyOf(StoredObject o) {
        return new StoredObject(o.key(), o.bytes().clone(), o.contentType(), o.size(), o.metadata());
    }

    /** As the adapter: names must be HTTP tokens (they become x-amz-meta- headers), S3 keeps them lower case. */
    private static Map<String, String> metadata(Map<String, String> metadata) {
        Map<String, String> out = new LinkedHashMap<>();
        if (metadata == null) {
            return Collections.unmodifiableMap(out);
        }
        metadata.forEach((name, value) -> {
            if (name == null || name.isEmpty() || !name.chars().allMatch(InMemoryObjectStore::tokenChar)) {
                throw new IllegalArgumentException("metadata name must be ASCII letters, digits or one of "
                        + "!#$%&'*+-.^_`|~ (it becomes an x-amz-meta- header)");
            }
            if (value == null) {
                throw new IllegalArgumentException("metadata " + name + " has no value");
            }
            out.put(name.toLowerCase(Locale.ROOT), value);
        });
        return Collections.unmodifiableMap(out);
    }

    private static boolean tokenChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
