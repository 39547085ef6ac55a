package imagejobs.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import imagejobs.shared.errors.DependencyFailure;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.storage.PresignedUrl;
import imagejobs.shared.storage.StoredObject;

/**
 * What every {@link ObjectStore} does: run against the in-memory store and against S3ObjectStore on S3Proxy, so the
 * fake cannot drift from S3's rules. Each test writes under its own prefix.
 */
public abstract class ObjectStoreContract {
    private static final byte[] BYTES = "not really a png".getBytes(StandardCharsets.US_ASCII);

    private ObjectStore store;
    private String prefix;

    /** A store to test; called before each test. */
    protected abstract ObjectStore createStore();

    @BeforeEach
    void newStore() {
        store = createStore();
        prefix = "contract/" + UUID.randomUUID() + "/";
    }

    @Test
    void anObjectReadsBackWithTypeSizeAndLowerCaseMetadataNames() {
        store.put(prefix + "a.png", BYTES, "image/png", Map.of("Tenant", "t1", "model", "gemini-2.5-flash-image"));
        StoredObject got = store.get(prefix + "a.png").orElseThrow();
        assertArrayEquals(BYTES, got.bytes());
        assertEquals("image/png", got.contentType());
        assertEquals(BYTES.length, got.size());
        assertEquals(Map.of("tenant", "t1", "model", "gemini-2.5-flash-image"), got.metadata());
        assertEquals(prefix + "a.png", got.key());
    }

    @Test
    void headHasEverythingButTheBody() {
        store.put(prefix + "a.png", BYTES, "image/png", Map.of("tenant", "t1"));
        StoredObject head = store.head(prefix + "a.png").orElseThrow();
        assertNull(head.bytes());
        assertEquals(BYTES.length, head.size());
        assertEquals("image/png", head.contentType());
        assertEquals(Map.of("tenant", "t1"), head.metadata());
    }

    @Test
    void aMissingKeyIsEmpty() {
        assertTrue(store.get(prefix + "missing").isEmpty());
        assertTrue(store.get(prefix + "missing", 10).isEmpty());
        assertTrue(store.head(prefix + "missing").isEmpty());
    }

    @Test
    void aBoundedReadRefusesALargerObject() {
        store.put(prefix + "a.png", BYTES, "image/png", Map.of());
        ObjectStore.TooLargeException refused = assertThrows(ObjectStore.TooLargeException.class,
                () -> store.get(prefix + "a.png", BYTES.length - 1));
        assertEquals(BYTES.length, refused.size());
        assertArrayEquals(BYTES, store.get(prefix + "a.png", BYTES.length).orElseThrow().bytes());
    }

    @Test
    void aPutReplacesTheObject() {
        store.put(prefix + "a", BYTES, "image/png", Map.of("tenant", "t1"));
        byte[] other = {1, 2, 3};
        store.put(prefix + "a", other, "image/jpeg", Map.of());
        StoredObject got = store.get(prefix + "a").orElseThrow();
        assertArrayEquals(other, got.bytes());
        assertEquals("image/jpeg", got.contentType());
        assertEquals(Map.of(), got.metadata());
    }

    @Test
    void aFileUploadsAsItsBytes(@TempDir Path dir) throws IOException {
        Path file = Files.write(dir.resolve("out.png"), BYTES);
        store.put(prefix + "file.png", file, "image/png", Map.of("n", "0"));
        StoredObject got = store.get(prefix + "file.png").orElseThrow();
        assertArrayEquals(BYTES, got.bytes());
        assertEquals(Map.of("n", "0"), got.metadata());
    }

    @Test
    void aCopyKeepsTheBytesAndReplacesTypeAndMetadata() {
        store.put(prefix + "src", BYTES, "application/octet-stream", Map.of("old", "1"));
        store.copy(prefix + "src", prefix + "dst", "image/png", Map.of("new", "2"));
        StoredObject copy = store.get(prefix + "dst").orElseThrow();
        assertArrayEquals(BYTES, copy.bytes());
        assertEquals("image/png", copy.contentType());
        assertEquals(Map.of("new", "2"), copy.metadata());
        assertEquals(Map.of("old", "1"), store.head(prefix + "src").orElseThrow().metadata(), "the source stays");
    }

    @Test
    void aCopyOfAMissingObjectFailsForGood() {
        DependencyFailure failure = assertThrows(DependencyFailure.class,
                () -> store.copy(prefix + "missing", prefix + "dst", "image/png", Map.of()));
        assertFalse(failure.isTransient());
        assertEquals(DependencyFailure.Dependency.OBJECT_STORE, failure.dependency());
        assertTrue(store.head(prefix + "dst").isEmpty());
    }

    @Test
    void aMetadataNameThatCannotBeAHeaderIsRefusedAndNothingIsWritten() {
        assertThrows(IllegalArgumentException.class,
                () -> store.put(prefix + "a", BYTES, "image/png", Map.of("bad name", "x")));
        assertThrows(IllegalArgumentException.class,
                () -> store.put(prefix + "a", BYTES, "image/png", Map.of("", "x")));
        assertTrue(store.head(prefix + "a").isEmpty());
    }

    @Test
    void urisAndPresignedUrlsNameTheKey() {
        assertEquals("s3://" + store.bucket() + "/" + prefix + "a.png", store.uri(prefix + "a.png"));
        store.put(prefix + "a.png", BYTES, "image/png", Map.of());
        PresignedUrl url = store.presignGet(prefix + "a.png", Duration.ofMinutes(5));
        assertTrue(url.url().contains(prefix + "a.png"), url.url());
        assertTrue(url.url().contains("X-Amz-Signature="), "signed in the query string");
    }
}
