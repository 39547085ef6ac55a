package imagejobs.local.cli;

/** Wrong arguments: the message is printed with the usage text, exit code 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
