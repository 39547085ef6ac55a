package imagejobs.shared.storage;

import java.util.Map;

/** An object of the bucket; {@code bytes} is null when only its head was read. */
public record StoredObject(String key, byte[] bytes, String contentType, long size, Map<String, String> metadata) {
}
