package imagejobs.local.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

class LocalKeyTest {

    @Test
    void parsesTheVariable() {
        assertEquals(List.of(new LocalKey("tenantA", "keyA"), new LocalKey("tenantB", "key:with:colons")),
                LocalKey.parse(" tenantA:keyA , tenantB:key:with:colons,"));
    }

    @Test
    void defaultsToTheDevKey() {
        assertEquals(List.of(LocalKey.DEV), LocalKey.parse(null));
        assertEquals(List.of(LocalKey.DEV), LocalKey.parse(" "));
        assertEquals("ij_dev_local_key", LocalKey.DEV.key());
    }

    @Test
    void rejectsEntriesWithoutTenantOrKey() {
        assertThrows(IllegalArgumentException.class, () -> LocalKey.parse("justakey"));
        assertThrows(IllegalArgumentException.class, () -> LocalKey.parse(":key"));
        assertThrows(IllegalArgumentException.class, () -> LocalKey.parse("tenant:"));
    }
}
