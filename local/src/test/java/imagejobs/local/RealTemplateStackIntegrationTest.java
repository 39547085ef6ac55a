package imagejobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import imagejobs.local.emulators.EmulatorPorts;
import imagejobs.local.emulators.Ports;
import imagejobs.local.resources.LocalKey;
import imagejobs.local.s3.S3ObjectListener;
import imagejobs.shared.auth.ApiKey;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.shared.auth.KeyRecord;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** The repository's template.yaml on the emulators: resources, keys, S3 signature and expiry checks. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RealTemplateStackIntegrationTest {
    private static LocalStack stack;

    @BeforeAll
    static void start() {
        stack = LocalStack.start(LocalStackConfig.builder(TestPaths.root())
                .startFunctions(false) // the function jars are other modules' business
                .keys(List.of(new LocalKey("tenantA", "keyA"), new LocalKey("tenantB", "keyB")))
                .out(new PrintStream(OutputStream.nullOutputStream()))
                .build());
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void jobsTableHasItsIndexAndTimeToLive() {
        TableDescription table = stack.dynamoDb().describeTable(r -> r.tableName(stack.tableName("JobsTable"))).table();
        GlobalSecondaryIndexDescription index = table.globalSecondaryIndexes().get(0);
        assertEquals("tenant-created_at", index.indexName());
        assertEquals("INCLUDE", index.projection().projectionTypeAsString());
        assertTrue(index.projection().nonKeyAttributes().containsAll(List.of("status", "model", "expires_at")));
        assertEquals("expires_at", stack.dynamoDb().describeTimeToLive(r -> r.tableName("JobsTable"))
                .timeToLiveDescription().attributeName());
        assertEquals("ENABLED", stack.dynamoDb().describeTimeToLive(r -> r.tableName("JobsTable"))
                .timeToLiveDescription().timeToLiveStatusAsString());
    }

    @Test
    void queuesWithRedrivePolicy() {
        Map<QueueAttributeName, String> jobs = stack.sqs().getQueueAttributes(r -> r
                .queueUrl(stack.queueUrl("JobsQueue")).attributeNames(QueueAttributeName.ALL)).attributes();
        assertEquals("1800", jobs.get(QueueAttributeName.VISIBILITY_TIMEOUT));
        assertEquals("arn:aws:sqs:us-east-1:000000000000:JobsQueue", jobs.get(QueueAttributeName.QUEUE_ARN));
        assertTrue(jobs.get(QueueAttributeName.REDRIVE_POLICY).contains(stack.queueArn("JobsDeadLetterQueue")));
        assertTrue(jobs.get(QueueAttributeName.REDRIVE_POLICY).contains("10"));
        assertEquals(stack.sqsEndpoint() + "/000000000000/JobsQueue", stack.queueUrl("JobsQueue"));
    }

    @Test
    void keysAreSeededAsHashesOnly() {
        DynamoKeyStore keys = new DynamoKeyStore(stack.dynamoDb(), stack.tableName("KeysTable"));
        KeyRecord a = keys.findByHash(ApiKey.hash("keyA")).orElseThrow();
        assertEquals("tenantA", a.tenant());
        assertTrue(a.active());
        assertEquals("tenantB", keys.findByHash(ApiKey.hash("keyB")).orElseThrow().tenant());
        assertTrue(keys.findByHash(ApiKey.hash(LocalKey.DEV.key())).isEmpty(), "IMAGEJOBS_LOCAL_KEYS replaces the dev key");
        assertTrue(stack.dynamoDb().scan(r -> r.tableName("KeysTable")).items().stream()
                .noneMatch(item -> item.values().stream().anyMatch(v -> "keyA".equals(v.s()))));
    }

    /** S3Proxy checks presigned URLs: a valid one works, a tampered or expired one is refused. */
    @Test
    void presignedUrlsAreReallyChecked() throws Exception {
        String bucket = stack.bucketName("ImagesBucket");
        stack.s3().putObject(r -> r.bucket(bucket).key("outputs/t/1/0.png").contentType("image/png"),
                RequestBody.fromBytes(new byte[] {1, 2, 3}));
        HttpClient http = HttpClient.newHttpClient();

        URI valid = stack.s3Presigner().presignGetObject(r -> r.signatureDuration(Duration.ofMinutes(5))
                .getObjectRequest(g -> g.bucket(bucket).key("outputs/t/1/0.png"))).url().toURI();
        assertEquals(200, http.send(HttpRequest.newBuilder(valid).build(), BodyHandlers.ofByteArray()).statusCode());

        URI tampered = URI.create(valid.toString().replace("outputs/t/1/0.png", "outputs/t/2/0.png"));
        assertEquals(403, http.send(HttpRequest.newBuilder(tampered).build(), BodyHandlers.ofString()).statusCode());

        URI shortLived = stack.s3Presigner().presignGetObject(r -> r.signatureDuration(Duration.ofSeconds(1))
                .getObjectRequest(g -> g.bucket(bucket).key("outputs/t/1/0.png"))).url().toURI();
        String[] body = new String[1];
        Deadline.await(Duration.ofSeconds(10), "the presigned URL to expire", () -> {
            try {
                var response = http.send(HttpRequest.newBuilder(shortLived).build(), BodyHandlers.ofString());
                body[0] = response.body();
                return response.statusCode() == 403;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(body[0].contains("AccessDenied") && body[0].contains("Request has expired"), body[0]);
    }

    @Test
    void storedObjectsReachTheNotificationHook() {
        List<S3ObjectListener.S3ObjectCreated> seen = new CopyOnWriteArrayList<>();
        stack.s3ObjectListener(seen::add);
        try {
            String bucket = stack.bucketName("ImagesBucket");
            stack.s3().putObject(r -> r.bucket(bucket).key("edits/tenantA/cat.png"), RequestBody.fromString("png"));
            Deadline.await(Duration.ofSeconds(5), "the notification", () -> !seen.isEmpty());
            assertEquals(new S3ObjectListener.S3ObjectCreated(bucket, "edits/tenantA/cat.png", seen.get(0).eTag(), 3,
                    "ObjectCreated:Put"), seen.get(0));
        } finally {
            stack.s3ObjectListener(null);
        }
    }

    @Test
    void aTakenPortFailsFastNamingTheVariable() {
        int taken = stack.emulators().dynamoDb().port();
        Ports.PortInUseException e = assertThrows(Ports.PortInUseException.class, () -> LocalStack.start(
                LocalStackConfig.builder(TestPaths.root())
                        .ports(new EmulatorPorts(0, 0, taken, 0, 0))
                        .out(new PrintStream(OutputStream.nullOutputStream()))
                        .build()));
        assertEquals("port " + taken + " is in use; set IMAGEJOBS_DYNAMODB_PORT", e.getMessage());
    }
}
