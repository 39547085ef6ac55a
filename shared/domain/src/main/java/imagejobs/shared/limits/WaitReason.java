package imagejobs.shared.limits;

/** Why a job may not call Gemini now. */
public enum WaitReason {
    /** The model's requests per minute (told or learned), or this tenant's fair share of them, are used up. */
    RATE,
    /** The model's calls in flight, or this tenant's fair share of them, are at the limit. */
    CONCURRENCY,
    /** Gemini answered 429 and asked every caller of the model to wait. */
    COOL_DOWN
}
