package imagejobs.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;

import imagejobs.adapters.aws.AwsFailures;
import imagejobs.shared.errors.DependencyFailure.Dependency;
import imagejobs.shared.auth.Authenticator;
import imagejobs.shared.auth.KeyStore;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.json.Json;
import imagejobs.shared.queue.JobQueue;
import imagejobs.shared.status.JobView;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.submit.InputSpiller;
import imagejobs.shared.submit.SubmitService;
import imagejobs.shared.validation.ImageReferences;
import imagejobs.shared.validation.RequestValidator;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

/**
 * The keys table out of reach. Found by the reliability suite (DynamoDB refused for 6 s): every submit answered
 * 500 INTERNAL, which tells a client something is broken rather than to come back; now it is 503 with Retry-After.
 * A failure that is not a dependency's stays a 500.
 */
class SubmitHandlerUnavailableTest {
    private static final String EVENT = "../../events/submit-request-queue.json";

    private KeyStore keys;
    private JobStore jobs;
    private JobQueue queue;
    private SubmitHandler handler;

    @BeforeEach
    void wire() {
        keys = mock(KeyStore.class);
        jobs = mock(JobStore.class);
        queue = mock(JobQueue.class);
        ObjectStore store = mock(ObjectStore.class);
        when(store.bucket()).thenReturn("imagejobs-images-test");
        SubmitService service = new SubmitService(new Authenticator(keys),
                new RequestValidator(ModelCatalog.load(), new ImageReferences(store.bucket())), new InputSpiller(store),
                jobs, queue, new JobView(store.bucket(), null, null), new Settings(new Environment(Map.of())),
                Clock.fixed(Instant.parse("2026-03-02T10:15:30.250Z"), ZoneOffset.UTC));
        handler = new SubmitHandler(service);
    }

    private APIGatewayV2HTTPResponse submit() {
        return handler.handleRequest(EventLoader.loadApiGatewayHttpEvent(EVENT), null);
    }

    @Test
    void anUnreachableKeysTableIs503WithRetryAfter() {
        when(keys.findByHash(anyString())).thenThrow(fromKeysTable(SdkClientException.create(
                "Unable to execute HTTP request: Connection refused")));
        APIGatewayV2HTTPResponse response = submit();
        assertEquals(503, response.getStatusCode());
        assertEquals("SERVICE_UNAVAILABLE", Json.parse(response.getBody()).at("/error/code").asText());
        assertEquals("2", response.getHeaders().get("retry-after"));
        assertFalse(response.getBody().contains("Connection refused"), "no detail leaks: " + response.getBody());
        verifyNoInteractions(jobs, queue);
    }

    @Test
    void aThrottledOrFailingKeysTableIs503() {
        when(keys.findByHash(anyString())).thenThrow(fromKeysTable(DynamoDbException.builder().statusCode(500)
                .message("Internal server error").build()));
        assertEquals(503, submit().getStatusCode());
    }

    @Test
    void aClientErrorOfTheSdkIsStillOurBug() {
        when(keys.findByHash(anyString())).thenThrow(fromKeysTable(DynamoDbException.builder().statusCode(400)
                .message("ValidationException: one or more parameter values were invalid").build()));
        APIGatewayV2HTTPResponse response = submit();
        assertEquals(500, response.getStatusCode());
        assertEquals("INTERNAL", Json.parse(response.getBody()).at("/error/code").asText());
    }

    /** What the DynamoDB key store throws for an SDK failure: the adapters' translation, classified as in AWS. */
    private static RuntimeException fromKeysTable(RuntimeException sdkFailure) {
        return AwsFailures.translate(Dependency.KEYS_TABLE, sdkFailure);
    }
}
