package imagejobs.shared.config;

/** A deployment mistake (missing or malformed environment variable): fails the cold start loudly. */
public final class ConfigurationException extends RuntimeException {
    public ConfigurationException(String message) {
        super(message);
    }
}
