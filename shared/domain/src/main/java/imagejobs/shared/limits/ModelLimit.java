package imagejobs.shared.limits;

/**
 * What one Gemini model may be sent: requests per minute and calls in flight at once, each null when not limited.
 */
public record ModelLimit(Integer rpm, Integer concurrency) {
    public static final ModelLimit UNLIMITED = new ModelLimit(null, null);

    public ModelLimit {
        if (rpm != null && rpm < 1) {
            throw new IllegalArgumentException("rpm must be at least 1");
        }
        if (concurrency != null && concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1");
        }
    }

    public boolean unlimited() {
        return rpm == null && concurrency == null;
    }

    /** {@code rpm[:concurrency]} as GEMINI_LIMITS writes it; {@code unlimited} when neither is set. */
    @Override
    public String toString() {
        if (rpm == null) {
            return concurrency == null ? "unlimited" : "concurrency " + concurrency;
        }
        return concurrency == null ? rpm.toString() : rpm + ":" + concurrency;
    }
}
