package imagejobs.adapters.secrets;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import imagejobs.adapters.aws.AwsFailures;
import imagejobs.adapters.crypto.ServiceKeys;
import imagejobs.shared.config.Settings;
import imagejobs.shared.errors.DependencyFailure;
import imagejobs.shared.errors.DependencyFailure.Dependency;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * Where the service keys that seal webhook secrets come from, read once per container on first use (a failed read
 * is not kept: the next use tries again):
 * <ol>
 *   <li>{@code WEBHOOK_SECRETS_KEY}: the key material itself (the local stack and tests);</li>
 *   <li>{@code WEBHOOK_SECRETS_KEY_SECRET_ID}: a Secrets Manager secret (the deployed stack: the template generates
 *       it). Its {@code AWSCURRENT} version seals; its {@code AWSPREVIOUS} version, when there is one, still opens,
 *       so {@code put-secret-value} rotates the service key without making stored secrets unreadable, and each
 *       tenant's record is sealed again under the new key the next time it is read.</li>
 * </ol>
 */
public final class WebhookServiceKeys implements Supplier<ServiceKeys> {
    public static final String KEY = Settings.WEBHOOK_SECRETS_KEY;
    public static final String KEY_SECRET_ID = Settings.WEBHOOK_SECRETS_KEY_SECRET_ID;
    static final String CURRENT = "AWSCURRENT";
    static final String PREVIOUS = "AWSPREVIOUS";

    private final Supplier<ServiceKeys> source;
    private volatile ServiceKeys keys;

    private WebhookServiceKeys(Supplier<ServiceKeys> source) {
        this.source = source;
    }

    /**
     * @param secrets made only when the secret is to be read (the local stack never makes one)
     */
    public static WebhookServiceKeys from(Map<String, String> env, Supplier<SecretsManagerClient> secrets) {
        String material = env.get(KEY);
        if (material != null && !material.isEmpty()) {
            return new WebhookServiceKeys(() -> ServiceKeys.of(material, List.of()));
        }
        String secretId = env.get(KEY_SECRET_ID);
        if (secretId == null || secretId.isEmpty()) {
            throw new IllegalStateException("webhook secrets need " + KEY_SECRET_ID + " (or " + KEY + ") to be set");
        }
        return new WebhookServiceKeys(() -> read(secrets.get(), secretId));
    }

    @Override
    public ServiceKeys get() {
        ServiceKeys loaded = keys;
        if (loaded == null) {
            synchronized (this) {
                loaded = keys;
                if (loaded == null) {
                    loaded = source.get();
                    keys = loaded;
                }
            }
        }
        return loaded;
    }

    /** Any other failure of Secrets Manager is a {@link DependencyFailure} of {@link Dependency#SECRETS}. */
    static ServiceKeys read(SecretsManagerClient secrets, String secretId) {
        return AwsFailures.call(Dependency.SECRETS, () -> {
            String current = secrets.getSecretValue(r -> r.secretId(secretId).versionStage(CURRENT)).secretString();
            List<String> older = new ArrayList<>();
            try {
                older.add(secrets.getSecretValue(r -> r.secretId(secretId).versionStage(PREVIOUS)).secretString());
            } catch (ResourceNotFoundException e) {
                // never rotated: there is no AWSPREVIOUS version
            }
            return ServiceKeys.of(current, older);
        });
    }
}
