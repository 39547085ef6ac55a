package imagejobs.shared.errors;

/**
 * A call to one of the service's own dependencies (a table, the queue, the bucket, a secret) failed. The adapters
 * translate their technology's exceptions into this one, so the domain and the edges decide on what failed and
 * whether trying again soon can help, never on an SDK's exception types.
 */
public final class DependencyFailure extends RuntimeException {
    /** The error code an outage of a dependency reaches users as (503 on the API, a failed edit job's error). */
    public static final String SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE";

    /** Which dependency failed, as clients and operators name it. */
    public enum Dependency {
        JOBS_TABLE("the jobs table (DynamoDB)"),
        KEYS_TABLE("the keys table (DynamoDB)"),
        QUEUE("the job queue (SQS)"),
        OBJECT_STORE("the image storage (S3)"),
        SECRETS("the secret store (Secrets Manager)"),
        LIMITS_TABLE("the upstream limits table (DynamoDB)"),
        WEBHOOK_SECRETS_TABLE("the webhook secrets table (DynamoDB)"),
        BATCHES_TABLE("the batches table (DynamoDB)");

        private final String description;

        Dependency(String description) {
            this.description = description;
        }

        /** E.g. "the jobs table (DynamoDB)". */
        public String description() {
            return description;
        }
    }

    private final Dependency dependency;
    private final boolean isTransient;

    /**
     * @param isTransient no answer (connection refused or cut, timeouts), throttling or a server-side error: worth
     *                    trying again a moment later; false for what will fail the same way next time (access
     *                    denied, a missing table or bucket)
     */
    public DependencyFailure(Dependency dependency, boolean isTransient, Throwable cause) {
        super(dependency.description() + (isTransient ? " could not be reached or was overloaded" : " refused the call")
                + (cause == null ? "" : ": " + cause.getMessage()), cause);
        this.dependency = dependency;
        this.isTransient = isTransient;
    }

    public Dependency dependency() {
        return dependency;
    }

    public boolean isTransient() {
        return isTransient;
    }

    /** The first DependencyFailure in {@code error}'s cause chain, or null. */
    public static DependencyFailure in(Throwable error) {
        int depth = 0;
        for (Throwable t = error; t != null && depth < 16; t = t.getCause() == t ? null : t.getCause(), depth++) {
            if (t instanceof DependencyFailure failure) {
                return failure;
            }
        }
        return null;
    }
}
