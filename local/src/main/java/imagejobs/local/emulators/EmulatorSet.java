package imagejobs.local.emulators;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import imagejobs.local.console.StartupLog;

/** DynamoDB Local, ElasticMQ and S3Proxy, started together and stopped in reverse order. */
public final class EmulatorSet implements AutoCloseable {
    private static final long START_TIMEOUT_SECONDS = 90;
    private final DynamoDbLocalEmulator dynamoDb;
    private final ElasticMqEmulator sqs;
    private final S3ProxyEmulator s3;

    private EmulatorSet(DynamoDbLocalEmulator dynamoDb, ElasticMqEmulator sqs, S3ProxyEmulator s3) {
        this.dynamoDb = dynamoDb;
        this.sqs = sqs;
        this.s3 = s3;
    }

    /**
     * Checks every fixed port first, so a clash is reported before anything starts; then starts the three in
     * parallel (each takes seconds, mostly class loading) and stops those that started if one fails.
     */
    /**
     * @param data where the emulators keep their state across restarts, or null: all in memory
     */
    public static EmulatorSet start(EmulatorPorts ports, Path nativeLibraryDir, String region, String accountId,
                                    DataDirectory data, StartupLog log) {
        Ports.ensureFree(ports.dynamoDb(), EmulatorPorts.DYNAMODB_PORT);
        Ports.ensureFree(ports.sqs(), EmulatorPorts.SQS_PORT);
        Ports.ensureFree(ports.s3(), EmulatorPorts.S3_PORT);
        ExecutorService starters = Executors.newFixedThreadPool(3, r -> {
            Thread t = new Thread(r, "emulator-start");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<DynamoDbLocalEmulator> dynamoDb = starters.submit(() -> log.quietStep("DynamoDB Local on "
                    + address(ports.dynamoDb()), () -> DynamoDbLocalEmulator.start(ports.dynamoDb(), nativeLibraryDir,
                    data == null ? null : data.dynamoDb())));
            Future<ElasticMqEmulator> sqs = starters.submit(() -> log.quietStep("ElasticMQ (SQS) on "
                    + address(ports.sqs()), () -> ElasticMqEmulator.start(ports.sqs(), region, accountId,
                    data == null ? null : data.sqs())));
            Future<S3ProxyEmulator> s3 = starters.submit(() -> log.quietStep("S3Proxy (S3) on "
                    + address(ports.s3()), () -> S3ProxyEmulator.start(ports.s3(), data == null ? null : data.s3())));
            List<Emulator> started = new ArrayList<>();
            RuntimeException failure = null;
            for (Future<? extends Emulator> f : List.of(dynamoDb, sqs, s3)) {
                try {
                    started.add(f.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    failure = failure != null ? failure : e.getCause() instanceof RuntimeException r ? r
                            : new IllegalStateException(e.getCause());
                } catch (TimeoutException e) {
                    failure = failure != null ? failure
                            : new IllegalStateException("an emulator did not start within " + START_TIMEOUT_SECONDS + " s");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = failure != null ? failure : new IllegalStateException("interrupted while starting");
                }
            }
            if (failure != null) {
                started.forEach(Emulator::close);
                throw failure;
            }
            return new EmulatorSet((DynamoDbLocalEmulator) started.get(0), (ElasticMqEmulator) started.get(1),
                    (S3ProxyEmulator) started.get(2));
        } finally {
            starters.shutdown();
        }
    }

    private static String address(int port) {
        return Ports.LOOPBACK + ":" + (port == 0 ? "<any free port>" : Integer.toString(port));
    }

    public DynamoDbLocalEmulator dynamoDb() {
        return dynamoDb;
    }

    public ElasticMqEmulator sqs() {
        return sqs;
    }

    public S3ProxyEmulator s3() {
        return s3;
    }

    public List<Emulator> all() {
        return List.of(dynamoDb, sqs, s3);
    }

    @Override
    public void close() {
        s3.close();
        sqs.close();
        dynamoDb.close();
    }
}
