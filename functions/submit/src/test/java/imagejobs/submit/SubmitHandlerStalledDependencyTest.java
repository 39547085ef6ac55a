package imagejobs.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;

import imagejobs.shared.json.Json;
import imagejobs.testing.SilentServer;

/**
 * The submit function as Lambda builds it (its own wiring, from an environment), with DynamoDB, SQS and S3 behind an
 * endpoint that accepts connections and never answers: the SDK's call timeout ends the first call (the key lookup)
 * and the client gets 503 SERVICE_UNAVAILABLE with Retry-After, long before Lambda would have killed the function.
 */
class SubmitHandlerStalledDependencyTest {
    private static final String EVENT = "../../events/submit-request-queue.json";

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS) // only to stop a hung test; the call's own bound is 1.5 s
    void aStalledKeysTableIs503WithRetryAfter() throws Exception {
        try (SilentServer silent = new SilentServer()) {
            String endpoint = silent.uri().toString();
            SubmitHandler handler = new SubmitHandler(Map.ofEntries(
                    Map.entry("AWS_REGION", "us-east-1"),
                    Map.entry("AWS_ACCESS_KEY_ID", "test"), Map.entry("AWS_SECRET_ACCESS_KEY", "test"),
                    Map.entry("AWS_ENDPOINT_URL_DYNAMODB", endpoint), Map.entry("AWS_ENDPOINT_URL_SQS", endpoint),
                    Map.entry("AWS_ENDPOINT_URL_S3", endpoint),
                    Map.entry("JOBS_TABLE", "JobsTable"), Map.entry("KEYS_TABLE", "KeysTable"),
                    Map.entry("IMAGES_BUCKET", "imagejobs-images-test"),
                    Map.entry("JOBS_QUEUE_URL", endpoint + "/000000000000/JobsQueue"),
                    Map.entry("PRIME_ON_INIT", "false"),
                    Map.entry("SDK_API_CALL_TIMEOUT_MILLIS", "1500"),
                    Map.entry("SDK_API_CALL_ATTEMPT_TIMEOUT_MILLIS", "500")));

            APIGatewayV2HTTPResponse response = handler.handleRequest(EventLoader.loadApiGatewayHttpEvent(EVENT), null);

            assertEquals(503, response.getStatusCode(), response.getBody());
            assertEquals("SERVICE_UNAVAILABLE", Json.parse(response.getBody()).at("/error/code").asText());
            assertEquals("2", response.getHeaders().get("retry-after"));
            assertTrue(silent.connections() > 0, "the key lookup reached the stalled endpoint");
        }
    }
}
