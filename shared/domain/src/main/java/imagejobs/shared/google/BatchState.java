package imagejobs.shared.google;

/**
 * A batch's state. The Gemini API sends {@code BATCH_STATE_*} on the wire; google-genai (1.70.0 and 2.3.0 for Java,
 * Python and JavaScript alike) maps those to {@code JOB_STATE_*} for its users, so the wire form is Google's.
 */
public enum BatchState {
    /** Accepted; no request has started. */
    PENDING,
    /** At least one request started and not all have finished. */
    RUNNING,
    /** Every request finished; each has a response or an error of its own. */
    SUCCEEDED,
    /** The batch as a whole could not run (none of its requests could be queued). */
    FAILED,
    /** Cancelled, and every request has stopped (queued ones were cancelled, running ones finished). */
    CANCELLED;

    /** The wire form, {@code BATCH_STATE_SUCCEEDED}. */
    public String wire() {
        return "BATCH_STATE_" + name();
    }

    /** What google-genai shows its users, {@code JOB_STATE_SUCCEEDED}. */
    public String sdkName() {
        return "JOB_STATE_" + name();
    }

    public boolean done() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
