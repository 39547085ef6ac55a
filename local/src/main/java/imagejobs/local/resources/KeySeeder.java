package imagejobs.local.resources;

import java.time.Instant;
import java.util.List;

import imagejobs.shared.auth.ApiKey;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.auth.KeyStore;

/** Puts the local API keys into the keys table through the same KeyStore the functions read, hashes only. */
public final class KeySeeder {
    private final KeyStore keys;

    public KeySeeder(KeyStore keys) {
        this.keys = keys;
    }

    public void seed(List<LocalKey> localKeys) {
        Instant now = Instant.now();
        for (LocalKey k : localKeys) {
            String hash = ApiKey.hash(k.key());
            keys.put(new KeyRecord(hash, ApiKey.idForHash(hash), k.tenant(), true, null, now, "local"));
        }
    }
}
