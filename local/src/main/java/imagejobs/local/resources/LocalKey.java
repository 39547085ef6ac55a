package imagejobs.local.resources;

import java.util.ArrayList;
import java.util.List;

/** An API key the local stack seeds into the keys table (only its hash is stored), and the tenant it maps to. */
public record LocalKey(String tenant, String key) {
    public static final String KEYS_VARIABLE = "IMAGEJOBS_LOCAL_KEYS";
    /** Fixed so the README walkthrough can be copied as is. */
    public static final LocalKey DEV = new LocalKey("dev", "ij_dev_local_key");

    public LocalKey {
        if (tenant == null || tenant.isBlank() || key == null || key.isBlank()) {
            throw new IllegalArgumentException("a local key needs a tenant and a key");
        }
    }

    /** {@code "tenantA:keyA,tenantB:keyB"}; blank or null gives the dev key. */
    public static List<LocalKey> parse(String value) {
        if (value == null || value.isBlank()) {
            return List.of(DEV);
        }
        List<LocalKey> keys = new ArrayList<>();
        for (String entry : value.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            int colon = entry.indexOf(':');
            if (colon <= 0 || colon == entry.trim().length() - 1) {
                throw new IllegalArgumentException(KEYS_VARIABLE + " entries look like tenant:key, got '"
                        + entry.trim() + "'");
            }
            keys.add(new LocalKey(entry.substring(0, colon).trim(), entry.substring(colon + 1).trim()));
        }
        return List.copyOf(keys);
    }

    @Override
    public String toString() {
        return tenant + ":" + key;
    }
}
