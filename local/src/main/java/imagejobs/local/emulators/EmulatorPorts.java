package imagejobs.local.emulators;

import java.util.Map;

/**
 * Where each local server listens. Defaults are fixed so README commands can be copied; each moves with an
 * environment variable; 0 means any free port (tests).
 */
public record EmulatorPorts(int api, int s3, int dynamoDb, int sqs, int geminiSimulator, int sync) {
    public static final String API_PORT = "IMAGEJOBS_API_PORT";
    /** The second front door, for functions with a function URL (long synchronous calls). */
    public static final String SYNC_PORT = "IMAGEJOBS_SYNC_PORT";
    public static final String S3_PORT = "IMAGEJOBS_S3_PORT";
    public static final String DYNAMODB_PORT = "IMAGEJOBS_DYNAMODB_PORT";
    public static final String SQS_PORT = "IMAGEJOBS_SQS_PORT";
    public static final String GEMINI_SIM_PORT = "IMAGEJOBS_GEMINI_SIM_PORT";

    /** The function URL front door on any free port. */
    public EmulatorPorts(int api, int s3, int dynamoDb, int sqs, int geminiSimulator) {
        this(api, s3, dynamoDb, sqs, geminiSimulator, 0);
    }

    public static EmulatorPorts defaults() {
        return new EmulatorPorts(3000, 9000, 8000, 9324, 8090, 3001);
    }

    /** Every server on a free port of its own: what tests use so they never collide with a running stack. */
    public static EmulatorPorts ephemeral() {
        return new EmulatorPorts(0, 0, 0, 0, 0);
    }

    public static EmulatorPorts fromEnvironment(Map<String, String> env) {
        EmulatorPorts d = defaults();
        return new EmulatorPorts(port(env, API_PORT, d.api()), port(env, S3_PORT, d.s3()),
                port(env, DYNAMODB_PORT, d.dynamoDb()), port(env, SQS_PORT, d.sqs()),
                port(env, GEMINI_SIM_PORT, d.geminiSimulator()), port(env, SYNC_PORT, d.sync()));
    }

    private static int port(Map<String, String> env, String name, int defaultPort) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return defaultPort;
        }
        try {
            int port = Integer.parseInt(value.trim());
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a port number (0-65535, 0 = any free port), got '"
                    + value + "'");
        }
    }
}
