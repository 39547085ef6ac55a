package imagejobs.shared.worker;

import java.io.UncheckedIOException;

import imagejobs.shared.errors.DependencyFailure;

/**
 * What an unexpected failure of an attempt (a store or queue call that failed, a bug) means to the client, for the
 * job's {@code last_error} and final message: which part of the service failed, in words, never the exception's
 * type or text (those go to the log with the stack). Told apart by where the exception comes from; anything
 * unrecognised is "an internal error".
 */
final class InternalFailures {
    private InternalFailures() {
    }

    static String describe(RuntimeException e) {
        DependencyFailure failure = DependencyFailure.in(e);
        if (failure != null) {
            return failure.dependency().description() + " failed or could not be reached";
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UncheckedIOException && t.getMessage() != null && t.getMessage().contains("S3")) {
                return "the image storage (S3) could not be reached";
            }
        }
        return "an internal error in the worker (logged with the job's id)";
    }
}
