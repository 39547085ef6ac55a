package imagejobs.local.cli;

import java.io.PrintStream;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import imagejobs.adapters.crypto.AesGcmSecretSealer;
import imagejobs.adapters.crypto.ServiceKeys;
import imagejobs.adapters.dynamo.DynamoWebhookSecretStore;
import imagejobs.shared.webhooks.SecretSealer;
import imagejobs.shared.webhooks.TenantWebhookSecrets;
import imagejobs.shared.webhooks.WebhookSecret;
import imagejobs.shared.webhooks.WebhookSecretStore;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code keys rotate-webhook-secret} and {@code keys webhook-secret}: a tenant's webhook signing secret, rotated with
 * a grace period or shown, through the same {@link TenantWebhookSecrets} the functions use (so a secret made here is
 * sealed exactly as theirs are).
 */
final class WebhookSecretActions {
    private static final Pattern GRACE = Pattern.compile("(\\d{1,7})([smhd])");

    private final WebhookSecretStore store;
    private final TenantWebhookSecrets secrets;
    private final Clock clock;
    private final PrintStream out;
    private final PrintStream err;

    /**
     * @param keys the service keys that seal the secrets: the local stack's fixed one, or the deployed stack's from
     *             Secrets Manager (read on first use)
     */
    WebhookSecretActions(DynamoDbClient dynamo, String table, Supplier<ServiceKeys> keys, Clock clock,
                         PrintStream out, PrintStream err) {
        SecureRandom random = new SecureRandom();
        this.store = new DynamoWebhookSecretStore(dynamo, table);
        this.secrets = new TenantWebhookSecrets(store, new AesGcmSecretSealer(keys, random), random, clock);
        this.clock = clock;
        this.out = out;
        this.err = err;
    }

    int rotate(String tenant, Duration grace, String where) {
        try {
            TenantWebhookSecrets.Rotation rotation = secrets.rotate(tenant, grace);
            out.println("rotated the webhook secret of tenant " + tenant + " in " + where);
            out.println("  new secret: " + rotation.secret().reveal());
            if (rotation.previousUntil() == null) {
                out.println("The previous secret no longer signs: deliveries from now on carry only the new secret's"
                        + " signature.");
            } else {
                out.println("The previous secret signs too until "
                        + rotation.previousUntil().truncatedTo(ChronoUnit.SECONDS) + " ("
                        + text(grace) + "): until then each delivery carries both signatures, the new one first.");
            }
            out.println("The tenant reads the new secret at GET /v1/webhooks/default/secret.");
            return 0;
        } catch (SecretSealer.Broken e) {
            return broken();
        }
    }

    int show(String tenant, String where) {
        try {
            boolean existed = store.get(tenant).isPresent();
            WebhookSecret secret = secrets.current(tenant);
            out.println("webhook secret of tenant " + tenant + " in " + where + (existed ? "" : " (made now: it had none)"));
            out.println("  secret: " + secret.reveal());
            Optional<WebhookSecretStore.Record> record = store.get(tenant);
            Instant until = record.map(WebhookSecretStore.Record::previousUntil).orElse(null);
            if (record.map(WebhookSecretStore.Record::previous).isPresent() && until != null
                    && clock.instant().isBefore(until)) {
                out.println("  the previous secret signs too until " + until.truncatedTo(ChronoUnit.SECONDS));
            }
            return 0;
        } catch (SecretSealer.Broken e) {
            return broken();
        }
    }

    private int broken() {
        err.println("run-local keys: the tenant's stored webhook secret does not open with this service key;"
                + " check --key-secret-id (the stack output WebhookSecretsKeyArn of the same stack as --secrets-table)");
        err.println("  if that is right and the key version it was sealed under is gone, `rotate-webhook-secret --grace 0`"
                + " gives the tenant a new secret (the old one cannot sign any more)");
        return 1;
    }

    /** {@code 0}, or a whole number of seconds, minutes, hours or days: {@code 90s}, {@code 30m}, {@code 24h}, {@code 7d}. */
    static Duration grace(String value) {
        String text = value.trim();
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = GRACE.matcher(text);
        if (!m.matches()) {
            throw new UsageException("--grace: 0, or a number with s, m, h or d (e.g. 24h), got '"
                    + (text.length() > 20 ? text.substring(0, 20) + "…" : text) + "'");
        }
        long n = Long.parseLong(m.group(1));
        Duration grace = switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        if (grace.compareTo(TenantWebhookSecrets.MAX_GRACE) > 0) {
            throw new UsageException("--grace: at most " + TenantWebhookSecrets.MAX_GRACE.toDays() + "d, got " + text);
        }
        return grace;
    }

    private static String text(Duration grace) {
        if (grace.toSeconds() % 86_400 == 0 && grace.toDays() > 1) {
            return grace.toDays() + "d";
        }
        if (grace.toSeconds() % 3600 == 0) {
            return grace.toHours() + "h";
        }
        return grace.toSeconds() % 60 == 0 ? grace.toMinutes() + "m" : grace.toSeconds() + "s";
    }
}
