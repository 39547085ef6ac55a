package imagejobs.adapters.secrets;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.function.Supplier;

import imagejobs.adapters.aws.AwsClientConfig;
import imagejobs.adapters.crypto.AesGcmSecretSealer;
import imagejobs.adapters.dynamo.DynamoWebhookSecretStore;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.webhooks.TenantWebhookSecrets;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Builds {@link TenantWebhookSecrets} the same way in every function that shows or signs with them: the
 * {@code WEBHOOK_SECRETS_TABLE} table, sealed with AES-256-GCM under the service keys of {@link WebhookServiceKeys}
 * ({@code WEBHOOK_SECRETS_KEY} or {@code WEBHOOK_SECRETS_KEY_SECRET_ID}, read on first use, never during init).
 */
public final class TenantWebhookSecretsSetup {
    private TenantWebhookSecretsSetup() {
    }

    /** With a Secrets Manager client of {@code aws}'s settings, made only if and when the service key is read. */
    public static TenantWebhookSecrets create(Environment env, DynamoDbClient dynamo, AwsClientConfig aws,
                                              Clock clock) {
        return create(env, dynamo, lazySecretsClient(aws), clock);
    }

    /**
     * @param secrets asked for a client only when the service key is read from Secrets Manager (at first use)
     */
    public static TenantWebhookSecrets create(Environment env, DynamoDbClient dynamo,
                                              Supplier<SecretsManagerClient> secrets, Clock clock) {
        SecureRandom random = new SecureRandom();
        return new TenantWebhookSecrets(
                new DynamoWebhookSecretStore(dynamo, new Settings(env).webhookSecretsTable()),
                new AesGcmSecretSealer(WebhookServiceKeys.from(env.asMap(), secrets), random), random, clock);
    }

    /** One Secrets Manager client, made when first asked for (a failed key read is tried again with the same one). */
    private static Supplier<SecretsManagerClient> lazySecretsClient(AwsClientConfig aws) {
        return new Supplier<>() {
            private SecretsManagerClient client;

            @Override
            public synchronized SecretsManagerClient get() {
                if (client == null) {
                    client = aws.configure(SecretsManagerClient.builder(), "SECRETS_MANAGER").build();
                }
                return client;
            }
        };
    }
}
