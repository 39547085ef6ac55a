package imagejobs.local.bench;

/** A benchmark that cannot give trustworthy figures: a child failed, a job was lost, a deadline passed. */
public final class BenchException extends RuntimeException {
    public BenchException(String message) {
        super(message);
    }

    public BenchException(String message, Throwable cause) {
        super(message, cause);
    }
}
