package imagejobs.local.emulators;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import com.amazonaws.services.dynamodbv2.local.main.CommandLineInput;
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;

/**
 * DynamoDB Local 2.x, in memory or, with a data directory, in the SQLite file it keeps there
 * ({@code shared-local-instance.db}: every committed write is on disk, so tables and items outlive a restart). Its native SQLite binding (sqlite4java) must be found through the
 * {@code sqlite4java.library.path} system property; without it the first request fails with an UnsatisfiedLinkError
 * deep inside a worker thread, so we check before starting.
 */
public final class DynamoDbLocalEmulator implements Emulator {
    public static final String NATIVE_PATH_PROPERTY = "sqlite4java.library.path";
    private static final String JOBS_PACKAGE = "com.amazonaws.services.dynamodbv2.local.shared.jobs.";

    private final DynamoDBProxyServer server;
    private final int port;
    private volatile boolean closed;

    private DynamoDbLocalEmulator(DynamoDBProxyServer server, int port) {
        this.server = server;
        this.port = port;
    }

    /**
     * @param nativeLibraryDir where libsqlite4java-*.so lives (local/target/native); used unless the system
     *                         property is already set
     * @param dataDir          where tables are kept across restarts (created if missing), or null: in memory
     */
    public static DynamoDbLocalEmulator start(int requestedPort, Path nativeLibraryDir, Path dataDir) {
        ensureNativeLibraryPath(nativeLibraryDir);
        // DynamoDB Local's command line refuses port 0, so "any free port" is chosen here.
        int port = requestedPort == 0 ? Ports.freePort() : requestedPort;
        try {
            // -sharedDb: one database whatever the credentials/region of the caller (a developer's own aws CLI
            // profile sees the same tables). -disableTelemetry: 2.x otherwise reports to AWS on start.
            String[] storage = dataDir == null ? new String[] {"-inMemory"}
                    : new String[] {"-dbPath", Files.createDirectories(dataDir).toAbsolutePath().toString()};
            String[] options = {"-sharedDb", "-disableTelemetry", "-port", Integer.toString(port)};
            String[] args = new String[storage.length + options.length];
            System.arraycopy(storage, 0, args, 0, storage.length);
            System.arraycopy(options, 0, args, storage.length, options.length);
            CommandLineInput input = new CommandLineInput(args);
            if (!input.init()) {
                throw new IllegalStateException("DynamoDB Local rejected its options");
            }
            // createServer, not createServerFromCommandLineArgs: the latter prints its configuration to stdout.
            DynamoDBProxyServer server = ServerRunner.createServer(input);
            ServerConnector connector = loopbackConnector(server);
            server.start();
            return new DynamoDbLocalEmulator(server, connector.getLocalPort());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("DynamoDB Local did not start: " + e.getMessage(), e);
        }
    }

    /** DynamoDB Local binds all interfaces and cannot be told otherwise; we reach into its Jetty server instead. */
    private static ServerConnector loopbackConnector(DynamoDBProxyServer proxy) throws ReflectiveOperationException {
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server jetty = (Server) field.get(proxy);
        for (Connector c : jetty.getConnectors()) {
            if (c instanceof ServerConnector connector) {
                connector.setHost(Ports.LOOPBACK);
                return connector;
            }
        }
        throw new IllegalStateException("DynamoDB Local has no server connector");
    }

    static void ensureNativeLibraryPath(Path nativeLibraryDir) {
        String configured = System.getProperty(NATIVE_PATH_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return;
        }
        if (nativeLibraryDir == null || !Files.isDirectory(nativeLibraryDir)) {
            throw new IllegalStateException("DynamoDB Local needs sqlite4java's native library: set -D"
                    + NATIVE_PATH_PROPERTY + " or build local/ so that local/target/native exists ("
                    + nativeLibraryDir + " does not)");
        }
        System.setProperty(NATIVE_PATH_PROPERTY, nativeLibraryDir.toAbsolutePath().toString());
    }

    @Override
    public String name() {
        return "DynamoDB Local";
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
            server.stop();
        } catch (Exception e) {
            System.err.println("DynamoDB Local did not stop cleanly: " + e);
        }
        interruptBackgroundJobs();
    }

    /**
     * stop() cancels DynamoDB Local's background jobs, but its shard-rollover scheduler sleeps out its interval on a
     * non-daemon thread first, which would keep the JVM (and ./run-local) alive for minutes. Interrupting that
     * sleep ends the job at once; the pool it runs in is already shut down.
     */
    private static void interruptBackgroundJobs() {
        Thread.getAllStackTraces().forEach((thread, trace) -> {
            for (StackTraceElement frame : trace) {
                if (frame.getClassName().startsWith(JOBS_PACKAGE)) {
                    thread.interrupt();
                    return;
                }
            }
        });
    }
}
