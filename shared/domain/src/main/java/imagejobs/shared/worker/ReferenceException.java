package imagejobs.shared.worker;

/** A reference (URL or s3:// object) the worker cannot use; the job fails with INVALID_REFERENCE. */
public final class ReferenceException extends Exception {
    public ReferenceException(String message) {
        super(message, null, false, false);
    }
}
