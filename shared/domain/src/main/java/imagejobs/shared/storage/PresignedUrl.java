package imagejobs.shared.storage;

import java.time.Instant;

/** A presigned GET URL and when it stops working. */
public record PresignedUrl(String url, Instant expiresAt) {
}
