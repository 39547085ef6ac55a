package imagejobs.shared.auth;

/**
 * The per-key budgets counted in fixed one-minute windows ({@link KeyStore#tryAcquire}): submits, which spend
 * Gemini quota, and reads (the status routes: poll, list, cancel, models), which only cost lookups but are cheap to
 * flood. Each budget has its own counters, so a client polling hard never eats into its submits or the other way
 * round.
 */
public enum RateCounter {
    /** POST /v1/requests and the native generateContent route; the key's own rate or DEFAULT_RATE_PER_MINUTE. */
    SUBMITS("rate#"),
    /** Every status route; READ_RATE_PER_MINUTE for every key. */
    READS("read#");

    private final String prefix;

    RateCounter(String prefix) {
        this.prefix = prefix;
    }

    /** The counter's key prefix in the keys table ({@code rate#} is what submit counters have always used). */
    public String prefix() {
        return prefix;
    }
}
