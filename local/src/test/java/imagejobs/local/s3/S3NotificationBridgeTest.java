package imagejobs.local.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import imagejobs.local.template.FunctionDefinition.S3EventSource;
import imagejobs.shared.edits.S3Upload;

class S3NotificationBridgeTest {
    private static final S3EventSource PNG = new S3EventSource("EditPng", "bucket", List.of("s3:ObjectCreated:*"),
            "edits/", ".png");

    private static S3ObjectListener.S3ObjectCreated created(String bucket, String key, String event) {
        return new S3ObjectListener.S3ObjectCreated(bucket, key, "\"etag\"", 3, event);
    }

    @Test
    void matchesBucketEventPrefixAndSuffixLikeS3() {
        assertTrue(S3NotificationBridge.matches(PNG, created("bucket", "edits/t/cat.png", "ObjectCreated:Put")));
        assertTrue(S3NotificationBridge.matches(PNG, created("bucket", "edits/t/cat.png", "ObjectCreated:Copy")));
        assertFalse(S3NotificationBridge.matches(PNG, created("other", "edits/t/cat.png", "ObjectCreated:Put")));
        assertFalse(S3NotificationBridge.matches(PNG, created("bucket", "edited/t/cat-1.png", "ObjectCreated:Put")));
        assertFalse(S3NotificationBridge.matches(PNG, created("bucket", "edits/t/cat.PNG", "ObjectCreated:Put")),
                "S3 filters are case-sensitive");
        S3EventSource putOnly = new S3EventSource("Put", "bucket", List.of("s3:ObjectCreated:Put"), null, null);
        assertTrue(S3NotificationBridge.matches(putOnly, created("bucket", "x", "ObjectCreated:Put")));
        assertFalse(S3NotificationBridge.matches(putOnly, created("bucket", "x", "ObjectCreated:Copy")));
    }

    @Test
    void keysAreEncodedAsS3EncodesThemAndDecodeBack() {
        String key = "edits/t/my pets/chat été+1.png";
        String encoded = S3NotificationBridge.encodeKey(key);
        assertEquals("edits/t/my+pets/chat+%C3%A9t%C3%A9%2B1.png", encoded);
        assertEquals(key, S3Upload.decodeKey(encoded));
    }
}
