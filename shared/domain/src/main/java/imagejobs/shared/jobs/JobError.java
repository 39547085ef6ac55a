package imagejobs.shared.jobs;

/** Why a job failed: a stable code clients can switch on, a readable message, and whether retrying may help. */
public record JobError(String code, String message, boolean retryable) {
}
