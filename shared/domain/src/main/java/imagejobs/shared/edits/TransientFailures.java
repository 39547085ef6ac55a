package imagejobs.shared.edits;

import java.io.IOException;
import java.io.UncheckedIOException;

import imagejobs.shared.errors.DependencyFailure;

/**
 * Which errors from S3, SQS or DynamoDB are worth trying again a moment later: no answer (connection refused or cut,
 * timeouts), throttling and server-side errors, as the adapters classify them ({@link DependencyFailure}). Everything
 * else (access denied, a missing bucket, a bug) will fail the same way next time.
 */
final class TransientFailures {
    /** How deep to look through wrapping exceptions. */
    private static final int MAX_DEPTH = 8;

    private TransientFailures() {
    }

    static boolean isTransient(Throwable error) {
        Throwable e = error;
        for (int depth = 0; e != null && depth < MAX_DEPTH; depth++, e = e.getCause()) {
            if (e instanceof DependencyFailure failure) {
                return failure.isTransient();
            }
            if (e instanceof UncheckedIOException || e instanceof IOException) {
                return true;
            }
        }
        return false;
    }
}
