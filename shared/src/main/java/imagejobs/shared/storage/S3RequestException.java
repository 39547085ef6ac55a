package imagejobs.shared.storage;

import java.util.Set;

/**
 * S3 answered a request with an error: the HTTP status and S3's error code ({@code <Error><Code>}, or one derived from
 * the status when there is no body, as for HEAD) with its message and request id. Never the request's signature,
 * credentials or a presigned URL.
 */
public final class S3RequestException extends RuntimeException {
    /** Codes S3 documents as worth retrying, whatever the status they come with (CopyObject's can be 200). */
    private static final Set<String> RETRYABLE_CODES = Set.of(
            "SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout", "TooManyRequests");

    private final String operation;
    private final String key;
    private final int statusCode;
    private final String errorCode;
    private final String requestId;

    S3RequestException(String operation, String key, int statusCode, String errorCode, String s3Message,
                       String requestId) {
        super(describe(operation, key, statusCode, errorCode, s3Message, requestId));
        this.operation = operation;
        this.key = key;
        this.statusCode = statusCode;
        this.errorCode = errorCode;
        this.requestId = requestId;
    }

    private static String describe(String operation, String key, int statusCode, String errorCode, String s3Message,
                                   String requestId) {
        StringBuilder b = new StringBuilder(operation).append(' ').append(key).append(": S3 answered ")
                .append(statusCode).append(' ').append(errorCode);
        if (s3Message != null && !s3Message.isBlank()) {
            b.append(" (").append(s3Message.length() > 300 ? s3Message.substring(0, 300) + "..." : s3Message)
                    .append(')');
        }
        if (requestId != null) {
            b.append(", request id ").append(requestId);
        }
        return b.toString();
    }

    /** GetObject, PutObject, CopyObject or HeadObject. */
    public String operation() {
        return operation;
    }

    public String key() {
        return key;
    }

    public int statusCode() {
        return statusCode;
    }

    /** S3's error code, e.g. {@code AccessDenied}, {@code NoSuchKey}, {@code SlowDown}. */
    public String errorCode() {
        return errorCode;
    }

    /** S3's {@code x-amz-request-id} (or the body's RequestId), for AWS support; null when S3 sent none. */
    public String requestId() {
        return requestId;
    }

    /** Server-side trouble or throttling: the same request may well succeed a moment later. */
    public boolean retryable() {
        return statusCode >= 500 || RETRYABLE_CODES.contains(errorCode);
    }

    /** The object is not there: 404 with NoSuchKey, or a bodiless 404 (HEAD). A missing bucket is not this. */
    public boolean noSuchKey() {
        return statusCode == 404 && ("NoSuchKey".equals(errorCode) || "NotFound".equals(errorCode));
    }
}
