package imagejobs.local.emulators;

import org.elasticmq.NodeAddress;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

/**
 * ElasticMQ as the SQS endpoint. The server address is set explicitly so queue URLs and ARNs look like the
 * template's: {@code http://127.0.0.1:9324/000000000000/JobsQueue}, {@code arn:aws:sqs:us-east-1:000000000000:JobsQueue}.
 */
public final class ElasticMqEmulator implements Emulator {
    private static final String PEKKO_JVM_HOOK = "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook";
    private final SQSRestServer server;
    private final int port;
    private volatile boolean closed;

    private ElasticMqEmulator(SQSRestServer server, int port) {
        this.server = server;
        this.port = port;
    }

    public static ElasticMqEmulator start(int requestedPort, String region, String accountId) {
        // The stack stops ElasticMQ itself (from its own shutdown hook); Pekko's hook would only warn that the JVM
        // is already shutting down.
        if (System.getProperty(PEKKO_JVM_HOOK) == null) {
            System.setProperty(PEKKO_JVM_HOOK, "off");
        }
        // Queue URLs embed the server address, which must be known before binding: choose the port ourselves.
        int port = requestedPort == 0 ? Ports.freePort() : requestedPort;
        SQSRestServer server = SQSRestServerBuilder
                .withInterface(Ports.LOOPBACK)
                .withPort(port)
                .withServerAddress(new NodeAddress("http", Ports.LOOPBACK, port, ""))
                .withAWSAccountId(accountId)
                .withAWSRegion(region)
                .start();
        try {
            server.waitUntilStarted();
        } catch (RuntimeException e) {
            server.stopAndWait();
            throw new IllegalStateException("ElasticMQ did not start on port " + port + ": " + e.getMessage(), e);
        }
        return new ElasticMqEmulator(server, port);
    }

    @Override
    public String name() {
        return "ElasticMQ (SQS)";
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.stopAndWait(); // also terminates the actor system it created
        } catch (RuntimeException e) {
            System.err.println("ElasticMQ did not stop cleanly: " + e);
        }
    }
}
