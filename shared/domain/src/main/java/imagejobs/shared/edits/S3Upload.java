package imagejobs.shared.edits;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * One object-created notification, as the edit trigger needs it. {@code key} is already decoded: S3 event keys
 * arrive URL-encoded, spaces as {@code +} ({@link #decodeKey}).
 *
 * @param versionId null when the bucket is not versioned
 * @param sequencer orders events for the same key; with the eTag it tells a duplicate event from a new upload
 */
public record S3Upload(String bucket, String key, long size, String eTag, String versionId, String sequencer) {

    /**
     * S3 encodes event keys like a form value: {@code %XX} for bytes of UTF-8, {@code +} for a space. A key S3 did
     * not encode (a hand-written event with a bare {@code %}) is returned as it is: the object lookup then says
     * whether it exists, instead of the event failing for ever.
     */
    public static String decodeKey(String encoded) {
        try {
            return URLDecoder.decode(encoded, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return encoded;
        }
    }

    /**
     * What makes this upload unique: the same event delivered twice names the same upload; uploading the object
     * again (a new version, or a new sequencer on an unversioned bucket) names a new one.
     */
    public String identity() {
        String version = versionId != null && !versionId.isBlank() && !"null".equals(versionId)
                ? "v:" + versionId
                : "e:" + (eTag == null ? "" : eTag) + "/" + (sequencer == null ? "" : sequencer);
        return bucket + "\n" + key + "\n" + version;
    }
}
