package imagejobs.shared.auth;

import java.time.Instant;

/** A stored API key: never the key itself, only its hash. {@code ratePerMinute} null means the default. */
public record KeyRecord(String keyHash, String keyId, String tenant, boolean active, Integer ratePerMinute,
                        Instant createdAt, String label) {
}
