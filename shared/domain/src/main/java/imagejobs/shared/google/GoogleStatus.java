package imagejobs.shared.google;

/**
 * Google's canonical error codes ({@code google.rpc.Code}): the {@code status} string of an error body, the number a
 * {@code google.rpc.Status} embedded in a resource carries (a batch's per-request error), and the HTTP status Google
 * answers with for each.
 */
public enum GoogleStatus {
    OK(0, 200),
    CANCELLED(1, 499),
    UNKNOWN(2, 500),
    INVALID_ARGUMENT(3, 400),
    DEADLINE_EXCEEDED(4, 504),
    NOT_FOUND(5, 404),
    ALREADY_EXISTS(6, 409),
    PERMISSION_DENIED(7, 403),
    RESOURCE_EXHAUSTED(8, 429),
    FAILED_PRECONDITION(9, 400),
    ABORTED(10, 409),
    OUT_OF_RANGE(11, 400),
    UNIMPLEMENTED(12, 501),
    INTERNAL(13, 500),
    UNAVAILABLE(14, 503),
    DATA_LOSS(15, 500),
    UNAUTHENTICATED(16, 401);

    private final int rpcCode;
    private final int httpStatus;

    GoogleStatus(int rpcCode, int httpStatus) {
        this.rpcCode = rpcCode;
        this.httpStatus = httpStatus;
    }

    /** The number a {@code google.rpc.Status} carries in its {@code code} field (not the HTTP status). */
    public int rpcCode() {
        return rpcCode;
    }

    /** The HTTP status Google answers with for this code. */
    public int httpStatus() {
        return httpStatus;
    }

    /**
     * The status string for one of our HTTP statuses, as Google's front end maps them. 413 stays a client error
     * (Google answers an oversized request with INVALID_ARGUMENT); 409 is ABORTED, the code for a state conflict.
     */
    public static GoogleStatus forHttpStatus(int httpStatus) {
        return switch (httpStatus) {
            case 200 -> OK;
            case 400, 413, 422 -> INVALID_ARGUMENT;
            case 401 -> UNAUTHENTICATED;
            case 403 -> PERMISSION_DENIED;
            case 404 -> NOT_FOUND;
            case 409 -> ABORTED;
            case 429 -> RESOURCE_EXHAUSTED;
            case 499 -> CANCELLED;
            case 501 -> UNIMPLEMENTED;
            case 502, 503 -> UNAVAILABLE;
            case 504 -> DEADLINE_EXCEEDED;
            default -> httpStatus >= 500 ? INTERNAL : httpStatus >= 400 ? FAILED_PRECONDITION : UNKNOWN;
        };
    }
}
