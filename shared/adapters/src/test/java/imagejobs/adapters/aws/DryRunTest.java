package imagejobs.adapters.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import imagejobs.shared.config.Environment;

/** A dry run goes through the client's request path and never reaches the endpoint. */
class DryRunTest {
    private ServerSocket endpoint;
    private final AtomicInteger connections = new AtomicInteger();

    @BeforeEach
    void listen() throws IOException {
        endpoint = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(() -> {
            while (true) {
                try (Socket s = endpoint.accept()) {
                    connections.incrementAndGet(); // and closed at once: a real call fails
                } catch (SocketException closed) {
                    return;
                } catch (IOException e) {
                    return;
                }
            }
        });
        accept.setDaemon(true);
        accept.start();
    }

    @AfterEach
    void close() throws IOException {
        endpoint.close();
    }

    private DynamoDbClient configuredClient() {
        Environment env = new Environment(Map.of("AWS_REGION", "us-east-1", "AWS_ACCESS_KEY_ID", "test",
                "AWS_SECRET_ACCESS_KEY", "test", "AWS_ENDPOINT_URL_DYNAMODB",
                "http://127.0.0.1:" + endpoint.getLocalPort()));
        return new AwsClientConfig(env).configure(DynamoDbClient.builder(), "DYNAMODB").build();
    }

    @Test
    void aDryRunStopsBeforeSendingAndARealCallDoesNot() {
        try (DynamoDbClient dynamo = configuredClient()) {
            boolean ran = DryRun.call(dynamo, () -> dynamo.putItem(r -> r.tableName("jobs")
                    .item(Map.of("request_id", AttributeValue.fromS("x")))
                    .overrideConfiguration(DryRun::request)));

            assertTrue(ran);
            assertEquals(0, connections.get(), "nothing reached the endpoint");
            assertThrows(SdkException.class, () -> dynamo.putItem(r -> r.tableName("jobs")
                    .item(Map.of("request_id", AttributeValue.fromS("x")))));
            assertTrue(connections.get() > 0, "without the dry-run flag the same call is sent");
        }
    }

    @Test
    void aClientWithoutTheInterceptorIsNeverUsedForADryRun() {
        try (DynamoDbClient plain = DynamoDbClient.builder().region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .endpointOverride(java.net.URI.create("http://127.0.0.1:" + endpoint.getLocalPort()))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
                .build()) {
            boolean ran = DryRun.call(plain, () -> {
                throw new AssertionError("must not run on a client that would send it");
            });

            assertFalse(ran);
            assertEquals(0, connections.get());
        }
    }
}
