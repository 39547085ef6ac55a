package imagejobs.shared.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SyncKeysTest {

    private static final String PATH = "/v1beta/models/gemini-2.5-flash-image:generateContent";
    private static final byte[] BODY = "{\"contents\":[{\"parts\":[{\"text\":\"a cat\"}]}]}"
            .getBytes(StandardCharsets.UTF_8);

    @Test
    void aRetriedIdenticalCallGetsTheSameKey() {
        String first = SyncKeys.derive("tenant-a", PATH, BODY);
        assertEquals(first, SyncKeys.derive("tenant-a", PATH, BODY.clone()));
        assertTrue(first.matches("sync:[0-9a-f]{64}"), first);
    }

    @Test
    void tenantPathAndBodyEachChangeTheKey() {
        String key = SyncKeys.derive("tenant-a", PATH, BODY);
        assertNotEquals(key, SyncKeys.derive("tenant-b", PATH, BODY));
        assertNotEquals(key, SyncKeys.derive("tenant-a", PATH.replace("v1beta", "v1"), BODY));
        assertNotEquals(key, SyncKeys.derive("tenant-a", PATH, "{}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void partsDoNotRunIntoEachOther() {
        assertNotEquals(SyncKeys.derive("ab", "c", new byte[0]), SyncKeys.derive("a", "bc", new byte[0]));
    }
}
