package imagejobs.shared.gemini;

import java.time.Duration;

/**
 * A failed generateContent call. {@code kind} decides what the worker does: retry with backoff, or fail the job
 * with the matching error code. The message is Gemini's own where it sent one.
 */
public final class GeminiException extends Exception {
    public enum Kind {
        RATE_LIMITED(true), UNAVAILABLE(true), TIMEOUT(true), CONNECTION(true), MALFORMED_RESPONSE(true),
        INVALID_REQUEST(false), AUTH(false), MODEL_NOT_FOUND(false), UPSTREAM_ERROR(false);

        private final boolean retryable;

        Kind(boolean retryable) {
            this.retryable = retryable;
        }

        public boolean retryable() {
            return retryable;
        }
    }

    private final Kind kind;
    private final int httpStatus;
    private final Duration retryDelay;
    private final String cause;

    public GeminiException(Kind kind, int httpStatus, String message, Duration retryDelay) {
        this(kind, httpStatus, message, retryDelay, null);
    }

    /**
     * @param message what the client reads (job error, last_error): in its terms, never an exception's type or text
     * @param cause   for the log only: the type of the exception behind it, or null
     */
    public GeminiException(Kind kind, int httpStatus, String message, Duration retryDelay, String cause) {
        super(message, null, false, false);
        this.kind = kind;
        this.httpStatus = httpStatus;
        this.retryDelay = retryDelay;
        this.cause = cause;
    }

    /** The type of the exception behind this one, for the log; null when Gemini answered. */
    public String causeType() {
        return cause;
    }

    public Kind kind() {
        return kind;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The wait Gemini asked for (RetryInfo.retryDelay or Retry-After), or null. */
    public Duration retryDelay() {
        return retryDelay;
    }
}
