package imagejobs.shared.google;

import java.time.Duration;

import imagejobs.shared.storage.ObjectStore;

/** A finished job's images, as a Google-shaped answer hands them out: the bytes, or a presigned https URL. */
public interface OutcomeImages {

    /** The image's bytes; fails when the object is gone (an answer must never silently lose an image). */
    byte[] bytes(String key);

    /** A presigned GET URL for the image. */
    String presignedUrl(String key);

    /** The images bucket through the {@link ObjectStore} port, URLs valid for {@code ttl}. */
    static OutcomeImages of(ObjectStore store, Duration ttl) {
        return new OutcomeImages() {
            @Override
            public byte[] bytes(String key) {
                return store.get(key).orElseThrow(() -> new IllegalStateException("image " + key + " is missing"))
                        .bytes();
            }

            @Override
            public String presignedUrl(String key) {
                return store.presignGet(key, ttl).url();
            }
        };
    }
}
