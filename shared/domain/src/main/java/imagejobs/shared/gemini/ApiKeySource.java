package imagejobs.shared.gemini;

import java.util.function.Supplier;

/**
 * The Gemini key: {@code GEMINI_API_KEY} when set (local stack, tests), else fetched once from Secrets Manager
 * ({@code GEMINI_API_KEY_SECRET_ID}) on first use, not at init, so SnapStart snapshots never hold it.
 */
public final class ApiKeySource implements Supplier<String> {
    private final String direct;
    private final Supplier<String> secretFetcher;
    private volatile String cached;

    public ApiKeySource(String direct, Supplier<String> secretFetcher) {
        this.direct = direct;
        this.secretFetcher = secretFetcher;
    }

    @Override
    public String get() {
        if (direct != null && !direct.isBlank()) {
            return direct;
        }
        String key = cached;
        if (key == null && secretFetcher != null) {
            synchronized (this) {
                if (cached == null) {
                    cached = secretFetcher.get();
                }
                key = cached;
            }
        }
        return key;
    }
}
