package imagejobs.adapters.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import imagejobs.adapters.crypto.ServiceKeys;
import imagejobs.shared.errors.DependencyFailure;
import imagejobs.shared.errors.DependencyFailure.Dependency;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueRequest;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

class WebhookServiceKeysTest {
    private static final String CURRENT = "current-material-0123456789abcdefghijklmnopqrstuv";
    private static final String PREVIOUS = "previous-material-0123456789abcdefghijklmnopqrstu";

    /** A Secrets Manager fake that answers per version stage. */
    @SuppressWarnings("unchecked")
    private static SecretsManagerClient secrets(String current, String previous) {
        SecretsManagerClient client = mock(SecretsManagerClient.class);
        when(client.getSecretValue(any(Consumer.class))).thenAnswer(invocation -> {
            GetSecretValueRequest.Builder builder = GetSecretValueRequest.builder();
            ((Consumer<GetSecretValueRequest.Builder>) invocation.getArgument(0)).accept(builder);
            GetSecretValueRequest request = builder.build();
            assertEquals("arn:aws:secretsmanager:us-east-1:1:secret:webhook-keys", request.secretId());
            String value = request.versionStage().equals("AWSCURRENT") ? current : previous;
            if (value == null) {
                throw ResourceNotFoundException.builder().message("no such version").build();
            }
            return GetSecretValueResponse.builder().secretString(value).build();
        });
        return client;
    }

    @Test
    void theEnvironmentsMaterialIsUsedAsIsWithoutSecretsManager() {
        WebhookServiceKeys keys = WebhookServiceKeys.from(Map.of(WebhookServiceKeys.KEY, CURRENT), () -> {
            throw new AssertionError("no Secrets Manager client is made");
        });
        assertEquals(ServiceKeys.derive(CURRENT).id(), keys.get().current().id());
        assertTrue(keys.get().older().isEmpty());
    }

    @Test
    void aRotatedSecretGivesTheCurrentKeyAndThePreviousOneReadOnce() {
        SecretsManagerClient client = secrets(CURRENT, PREVIOUS);
        WebhookServiceKeys keys = WebhookServiceKeys.from(Map.of(WebhookServiceKeys.KEY_SECRET_ID,
                "arn:aws:secretsmanager:us-east-1:1:secret:webhook-keys"), () -> client);
        ServiceKeys loaded = keys.get();
        assertEquals(ServiceKeys.derive(CURRENT).id(), loaded.current().id());
        assertEquals(List.of(ServiceKeys.derive(PREVIOUS).id()), loaded.older().stream().map(ServiceKeys.Key::id)
                .toList());
        keys.get();
        verify(client, times(2)).getSecretValue(any(Consumer.class));
    }

    @Test
    void aSecretNeverRotatedHasNoPreviousVersion() {
        WebhookServiceKeys keys = WebhookServiceKeys.from(Map.of(WebhookServiceKeys.KEY_SECRET_ID,
                "arn:aws:secretsmanager:us-east-1:1:secret:webhook-keys"), () -> secrets(CURRENT, null));
        assertTrue(keys.get().older().isEmpty());
    }

    @Test
    @SuppressWarnings("unchecked")
    void anUnreadableSecretIsADependencyFailureAndTheNextUseTriesAgain() {
        SecretsManagerClient denied = mock(SecretsManagerClient.class);
        when(denied.getSecretValue(any(Consumer.class))).thenThrow(SecretsManagerException.builder()
                .message("not authorized").statusCode(400).build());
        SecretsManagerClient working = secrets(CURRENT, null);
        Deque<SecretsManagerClient> clients = new ArrayDeque<>(List.of(denied, working));
        WebhookServiceKeys keys = WebhookServiceKeys.from(Map.of(WebhookServiceKeys.KEY_SECRET_ID,
                "arn:aws:secretsmanager:us-east-1:1:secret:webhook-keys"), clients::poll);
        DependencyFailure failure = assertThrows(DependencyFailure.class, keys::get);
        assertEquals(Dependency.SECRETS, failure.dependency());
        assertFalse(failure.isTransient(), "access denied fails the same way next time");
        assertEquals(ServiceKeys.derive(CURRENT).id(), keys.get().current().id());
    }

    @Test
    void withNeitherVariableTheStartFailsNamingThem() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> WebhookServiceKeys.from(Map.of(), () -> null));
        assertTrue(e.getMessage().contains("WEBHOOK_SECRETS_KEY_SECRET_ID"), e.getMessage());
    }
}
