package imagejobs.local.emulators;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.pattern.Patterns;
import org.elasticmq.NodeAddress;
import org.elasticmq.StrictSQSLimits$;
import org.elasticmq.actor.QueueManagerActor;
import org.elasticmq.actor.queue.QueueEvent;
import org.elasticmq.persistence.sql.SqlQueuePersistenceActor;
import org.elasticmq.persistence.sql.SqlQueuePersistenceConfig;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.elasticmq.rest.sqs.TheSQSRestServerBuilder;
import org.elasticmq.util.NowProvider;

import scala.Option;
import scala.collection.immutable.Nil$;
import scala.util.Either;
import scalikejdbc.ConnectionPool$;

/**
 * ElasticMQ as the SQS endpoint. The server address is set explicitly so queue URLs and ARNs look like the
 * template's: {@code http://127.0.0.1:9324/000000000000/JobsQueue}, {@code arn:aws:sqs:us-east-1:000000000000:JobsQueue}.
 * With a data directory, queues and their messages (in flight, delayed and visible alike) are kept in an H2 database
 * there by ElasticMQ's own SQL persistence and restored at the next start, before the endpoint opens.
 */
public final class ElasticMqEmulator implements Emulator {
    private static final String PEKKO_JVM_HOOK = "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook";
    private static final Duration RESTORE_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    private final SQSRestServer server;
    private final ActorSystem persistentSystem;
    private final int port;
    private volatile boolean closed;

    private ElasticMqEmulator(SQSRestServer server, ActorSystem persistentSystem, int port) {
        this.server = server;
        this.persistentSystem = persistentSystem;
        this.port = port;
    }

    /**
     * @param dataDir where queues and messages are kept across restarts (created if missing), or null: in memory
     */
    public static ElasticMqEmulator start(int requestedPort, String region, String accountId, Path dataDir) {
        // The stack stops ElasticMQ itself (from its own shutdown hook); Pekko's hook would only warn that the JVM
        // is already shutting down.
        if (System.getProperty(PEKKO_JVM_HOOK) == null) {
            System.setProperty(PEKKO_JVM_HOOK, "off");
        }
        // Queue URLs embed the server address, which must be known before binding: choose the port ourselves.
        int port = requestedPort == 0 ? Ports.freePort() : requestedPort;
        TheSQSRestServerBuilder builder = SQSRestServerBuilder
                .withInterface(Ports.LOOPBACK)
                .withPort(port)
                .withServerAddress(new NodeAddress("http", Ports.LOOPBACK, port, ""))
                .withAWSAccountId(accountId)
                .withAWSRegion(region);
        ActorSystem system = null;
        SQSRestServer server = null;
        try {
            if (dataDir != null) {
                system = ActorSystem.create("elasticmq");
                builder = persistent(builder, system, dataDir);
            }
            server = builder.start();
            server.waitUntilStarted();
            return new ElasticMqEmulator(server, system, port);
        } catch (RuntimeException e) {
            stop(server, system);
            throw new IllegalStateException("ElasticMQ did not start on port " + port + ": " + e.getMessage(), e);
        }
    }

    /**
     * What ElasticMQ's standalone server does for {@code messages-storage} (ElasticMQServer, which cannot be told to
     * wait for the restore): a persistence actor listening to every queue and message change, the queue manager
     * reporting to it, and the saved queues and messages restored before the REST endpoint is started.
     */
    private static TheSQSRestServerBuilder persistent(TheSQSRestServerBuilder builder, ActorSystem system, Path dataDir) {
        String url = "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("elasticmq")
                // closed by close() after the last write, not by H2's own shutdown hook racing ours
                + ";DB_CLOSE_ON_EXIT=FALSE";
        // ElasticMQ opens its JDBC pool once per JVM (DB.initializeSingleton); setting the pool here makes each start
        // use its own directory, also after an earlier stack in this JVM closed its pool.
        try {
            Class.forName("org.h2.Driver");
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("H2 (ElasticMQ's persistence driver) is missing", e);
        }
        ConnectionPool$ pools = ConnectionPool$.MODULE$;
        var settings = pools.singleton$default$4();
        pools.singleton(url, "", "", settings, pools.singleton$default$5(url, "", "", settings));
        SqlQueuePersistenceConfig config = new SqlQueuePersistenceConfig(true, "org.h2.Driver", url, "", "", false);
        ActorRef listener = system.actorOf(Props.create(SqlQueuePersistenceActor.class, config, Nil$.MODULE$));
        ActorRef queues = system.actorOf(Props.create(QueueManagerActor.class, new NowProvider(),
                StrictSQSLimits$.MODULE$, Option.apply(listener)));
        Object restored;
        try {
            restored = Patterns.ask(listener, new QueueEvent.Restore(queues), RESTORE_TIMEOUT).toCompletableFuture()
                    .get(RESTORE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while restoring queues from " + dataDir);
        } catch (Exception e) {
            throw new IllegalStateException("queues and messages in " + dataDir + " could not be restored: "
                    + e.getMessage(), e);
        }
        if (restored instanceof Either<?, ?> either && either.isLeft()) {
            throw new IllegalStateException("queues in " + dataDir + " could not be restored: " + either);
        }
        return builder.withActorSystem(system).withQueueManagerActor(queues).withQueueEventListener(listener);
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
        stop(server, persistentSystem);
    }

    /** Endpoint first, then (when persistent) the actors that write, then the database they wrote to. */
    private static void stop(SQSRestServer server, ActorSystem persistentSystem) {
        try {
            if (server != null) {
                server.stopAndWait(); // also terminates the actor system it created (not one we passed in)
            }
        } catch (RuntimeException e) {
            System.err.println("ElasticMQ did not stop cleanly: " + e);
        }
        if (persistentSystem == null) {
            return;
        }
        try {
            persistentSystem.terminate();
            persistentSystem.getWhenTerminated().toCompletableFuture().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            System.err.println("ElasticMQ's persistence did not stop cleanly: " + e);
        } finally {
            ConnectionPool$.MODULE$.closeAll(); // the last connection closed: H2 writes everything and closes the file
        }
    }
}
