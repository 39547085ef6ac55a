package imagejobs.adapters.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import imagejobs.adapters.s3.S3ObjectStore;
import imagejobs.adapters.aws.AwsClientConfig.CallTimeouts;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import imagejobs.shared.errors.DependencyFailure;
import imagejobs.shared.config.ConfigurationException;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.testing.SilentServer;

/**
 * Every client AwsClientConfig configures has an apiCallTimeout and an apiCallAttemptTimeout, from the environment or
 * the caller's defaults; a dependency that accepts connections and never answers ends the call with the SDK's
 * timeout exception instead of holding the function until Lambda kills it.
 */
class SdkTimeoutsTest {

    private static Map<String, String> env(String... more) {
        Map<String, String> env = new HashMap<>(Map.of("AWS_REGION", "us-east-1", "AWS_ACCESS_KEY_ID", "test",
                "AWS_SECRET_ACCESS_KEY", "test"));
        for (int i = 0; i < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return env;
    }

    private static AwsClientConfig config(Map<String, String> env) {
        return new AwsClientConfig(new Environment(env));
    }

    @Test
    void eachServiceHasItsOwnDefaults() {
        AwsClientConfig aws = config(env());
        assertEquals(AwsClientConfig.SMALL_REQUESTS, aws.timeouts("DYNAMODB", AwsClientConfig.SMALL_REQUESTS));
        try (DynamoDbClient dynamo = aws.configure(DynamoDbClient.builder(), "DYNAMODB").build()) {
            ClientOverrideConfiguration o = dynamo.serviceClientConfiguration().overrideConfiguration();
            assertEquals(AwsClientConfig.SMALL_REQUESTS.apiCall(), o.apiCallTimeout().orElseThrow());
            assertEquals(AwsClientConfig.SMALL_REQUESTS.attempt(), o.apiCallAttemptTimeout().orElseThrow());
        }
        // Below the 30 s of the API functions; the worker's S3 uploads get longer, still far below its 300 s.
        assertTrue(AwsClientConfig.SMALL_REQUESTS.apiCall().compareTo(Duration.ofSeconds(30)) < 0);
        assertTrue(AwsClientConfig.OBJECTS.apiCall().compareTo(Duration.ofSeconds(30)) < 0);
        assertTrue(AwsClientConfig.LARGE_OBJECTS.apiCall().compareTo(AwsClientConfig.OBJECTS.apiCall()) > 0);
    }

    @Test
    void theEnvironmentOverridesEveryClientOrOne() {
        AwsClientConfig aws = config(env("SDK_API_CALL_TIMEOUT_MILLIS", "8000",
                "SDK_API_CALL_ATTEMPT_TIMEOUT_MILLIS", "2000",
                "SDK_API_CALL_TIMEOUT_MILLIS_S3", "90000", "SDK_API_CALL_ATTEMPT_TIMEOUT_MILLIS_S3", "45000"));
        assertEquals(new CallTimeouts(Duration.ofSeconds(8), Duration.ofSeconds(2)),
                aws.timeouts("DYNAMODB", AwsClientConfig.SMALL_REQUESTS));
        assertEquals(new CallTimeouts(Duration.ofSeconds(8), Duration.ofSeconds(2)),
                aws.timeouts("SQS", AwsClientConfig.SMALL_REQUESTS));
        assertEquals(new CallTimeouts(Duration.ofSeconds(90), Duration.ofSeconds(45)),
                aws.timeouts("S3", AwsClientConfig.LARGE_OBJECTS));
    }

    @Test
    void anAttemptNeverOutlastsItsCall() {
        AwsClientConfig aws = config(env("SDK_API_CALL_TIMEOUT_MILLIS", "4000"));
        assertEquals(new CallTimeouts(Duration.ofSeconds(4), Duration.ofSeconds(4)),
                aws.timeouts("S3", AwsClientConfig.LARGE_OBJECTS));
    }

    @Test
    void nonsenseIsRefusedAtColdStartNamingTheVariable() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> config(env("SDK_API_CALL_ATTEMPT_TIMEOUT_MILLIS_SQS", "0")).timeouts("SQS",
                        AwsClientConfig.SMALL_REQUESTS));
        assertTrue(e.getMessage().contains("SDK_API_CALL_ATTEMPT_TIMEOUT_MILLIS_SQS"), e.getMessage());
        ConfigurationException socket = assertThrows(ConfigurationException.class,
                () -> config(env("SDK_SOCKET_TIMEOUT_MILLIS", "soon")));
        assertTrue(socket.getMessage().contains("SDK_SOCKET_TIMEOUT_MILLIS"), socket.getMessage());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS) // only to stop a hung test; the call's own bound is 1.5 s
    void aStalledDynamoDbEndsInTheSdksTimeoutException() throws Exception {
        try (SilentServer silent = new SilentServer();
             DynamoDbClient dynamo = config(env("AWS_ENDPOINT_URL_DYNAMODB", silent.uri().toString(),
                     "SDK_API_CALL_TIMEOUT_MILLIS", "1500", "SDK_API_CALL_ATTEMPT_TIMEOUT_MILLIS", "400"))
                     .configure(DynamoDbClient.builder(), "DYNAMODB").build()) {
            SdkClientException e = assertThrows(SdkClientException.class, () -> dynamo.getItem(r -> r.tableName("t")
                    .key(Map.of("k", AttributeValue.fromS("v")))));
            assertTimeout(e);
            assertTrue(silent.connections() > 0, "the call reached the stalled endpoint");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aStalledS3EndsInTheSdksTimeoutExceptionWithItsOwnSettings() throws Exception {
        try (SilentServer silent = new SilentServer()) {
            Environment environment = new Environment(env("AWS_ENDPOINT_URL_S3", silent.uri().toString(),
                    "S3_FORCE_PATH_STYLE", "true", "IMAGES_BUCKET", "bkt",
                    // The S3-only variables win over the ones for every client.
                    "SDK_API_CALL_TIMEOUT_MILLIS", "600000", "SDK_API_CALL_ATTEMPT_TIMEOUT_MILLIS", "600000",
                    "SDK_API_CALL_TIMEOUT_MILLIS_S3", "1500", "SDK_API_CALL_ATTEMPT_TIMEOUT_MILLIS_S3", "400"));
            S3ObjectStore store = S3ObjectStore.create(new AwsClientConfig(environment), new Settings(environment));
            SdkClientException e = timedOut(() -> store.get("outputs/t/x.png"));
            assertTimeout(e);
            SdkClientException put = timedOut(() -> store.put("outputs/t/x.png", new byte[1000], "image/png", Map.of()));
            assertTimeout(put);
        }
    }

    private static void assertTimeout(SdkClientException e) {
        // The whole call's bound, or the last attempt's when retries ran out first: either is the SDK's timeout.
        if (!(e instanceof ApiCallTimeoutException)) {
            assertInstanceOf(ApiCallAttemptTimeoutException.class, e, e.toString());
        }
    }

    /** The store's failure as the domain sees it (transient), with the SDK's timeout as the cause. */
    private static SdkClientException timedOut(org.junit.jupiter.api.function.Executable call) {
        DependencyFailure failure = assertThrows(DependencyFailure.class, call);
        assertTrue(failure.isTransient(), "a timeout is worth retrying");
        return (SdkClientException) failure.getCause();
    }
}
