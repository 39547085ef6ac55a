package imagejobs.shared.worker;

import java.io.UncheckedIOException;

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
        for (Throwable t = e; t != null; t = t.getCause()) {
            String type = t.getClass().getName();
            if (type.startsWith("software.amazon.awssdk.services.s3.")) {
                return "the image storage (S3) failed or could not be reached";
            }
            if (type.startsWith("software.amazon.awssdk.services.dynamodb.")) {
                return "the jobs table (DynamoDB) failed or could not be reached";
            }
            if (type.startsWith("software.amazon.awssdk.services.sqs.")) {
                return "the job queue (SQS) failed or could not be reached";
            }
            if (type.startsWith("software.amazon.awssdk.")) {
                return "an AWS service the worker uses (DynamoDB, S3 or SQS) could not be reached";
            }
            if (t instanceof UncheckedIOException && t.getMessage() != null && t.getMessage().contains("S3")) {
                return "the image storage (S3) could not be reached";
            }
        }
        return "an internal error in the worker (logged with the job's id)";
    }
}
