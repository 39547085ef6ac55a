package imagejobs.shared.edits;

import java.io.IOException;
import java.io.UncheckedIOException;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * Which errors from S3, SQS or DynamoDB are worth trying again a moment later: no answer (connection refused or cut,
 * timeouts), throttling and server-side errors. Everything else (access denied, a missing bucket, a bug) will fail
 * the same way next time.
 */
final class TransientFailures {
    /** How deep to look through wrapping exceptions for the AWS error. */
    private static final int MAX_DEPTH = 8;

    private TransientFailures() {
    }

    static boolean isTransient(Throwable error) {
        Throwable e = error;
        for (int depth = 0; e != null && depth < MAX_DEPTH; depth++, e = e.getCause()) {
            if (e instanceof SdkServiceException service) {
                return service.isThrottlingException() || service.statusCode() >= 500;
            }
            if (e instanceof SdkClientException || e instanceof UncheckedIOException || e instanceof IOException) {
                return true;
            }
        }
        return false;
    }
}
