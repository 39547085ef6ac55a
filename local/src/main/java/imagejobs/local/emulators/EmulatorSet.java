package imagejobs.local.emulators;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import imagejobs.local.console.StartupLog;

/** DynamoDB Local, ElasticMQ and S3Proxy, started together and stopped in reverse order. */
public final class EmulatorSet implements AutoCloseable {
    private final DynamoDbLocalEmulator dynamoDb;
    private final ElasticMqEmulator sqs;
    private final S3ProxyEmulator s3;

    private EmulatorSet(DynamoDbLocalEmulator dynamoDb, ElasticMqEmulator sqs, S3ProxyEmulator s3) {
        this.dynamoDb = dynamoDb;
        this.sqs = sqs;
        this.s3 = s3;
    }

    /** Checks every fixed port first, so a clash is reported before anything starts. */
    public static EmulatorSet start(EmulatorPorts ports, Path nativeLibraryDir, String region, String accountId,
                                    StartupLog log) {
        Ports.ensureFree(ports.dynamoDb(), EmulatorPorts.DYNAMODB_PORT);
        Ports.ensureFree(ports.sqs(), EmulatorPorts.SQS_PORT);
        Ports.ensureFree(ports.s3(), EmulatorPorts.S3_PORT);
        List<Emulator> started = new ArrayList<>();
        try {
            DynamoDbLocalEmulator dynamoDb = log.step("DynamoDB Local on " + address(ports.dynamoDb()),
                    () -> DynamoDbLocalEmulator.start(ports.dynamoDb(), nativeLibraryDir));
            started.add(dynamoDb);
            ElasticMqEmulator sqs = log.step("ElasticMQ (SQS) on " + address(ports.sqs()),
                    () -> ElasticMqEmulator.start(ports.sqs(), region, accountId));
            started.add(sqs);
            S3ProxyEmulator s3 = log.step("S3Proxy (S3) on " + address(ports.s3()),
                    () -> S3ProxyEmulator.start(ports.s3()));
            started.add(s3);
            return new EmulatorSet(dynamoDb, sqs, s3);
        } catch (RuntimeException e) {
            for (int i = started.size() - 1; i >= 0; i--) {
                started.get(i).close();
            }
            throw e;
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
