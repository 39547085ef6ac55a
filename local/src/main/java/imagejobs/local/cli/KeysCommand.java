package imagejobs.local.cli;

import java.io.PrintStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import imagejobs.adapters.crypto.ServiceKeys;
import imagejobs.adapters.secrets.WebhookServiceKeys;
import imagejobs.local.emulators.EmulatorPorts;
import imagejobs.local.emulators.LocalCredentials;
import imagejobs.local.emulators.Ports;
import imagejobs.local.emulators.ToolTimeouts;
import imagejobs.local.runtime.LocalWebhookKeys;
import imagejobs.shared.config.Settings;
import imagejobs.shared.auth.ApiKey;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.auth.KeyStore;
import imagejobs.shared.errors.DependencyFailure;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * {@code ./run-local keys create|list|disable|rotate-webhook-secret|webhook-secret}: API key management, and each
 * tenant's webhook signing secret ({@link WebhookSecretActions}: in the local stack's WebhookSecretsTable sealed
 * under its fixed key, or with {@code --secrets-table NAME --key-secret-id ARN} (or WEBHOOK_SECRETS_TABLE and
 * WEBHOOK_SECRETS_KEY_SECRET_ID) in AWS, the stack outputs WebhookSecretsTableName and WebhookSecretsKeyArn). Keys: Against the running local stack by default
 * (DynamoDB Local on IMAGEJOBS_DYNAMODB_PORT, table KeysTable); with {@code --table NAME} or KEYS_TABLE set, against
 * that table in AWS with the usual AWS environment (variables, or a profile: static keys, {@code role_arn},
 * {@code sso_session}, {@code credential_process}; AWS_REGION). A new key is printed once; only its SHA-256 hash is
 * stored.
 */
public final class KeysCommand implements Command {
    static final String LOCAL_TABLE = "KeysTable";
    static final String LOCAL_SECRETS_TABLE = "WebhookSecretsTable";

    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;

    public KeysCommand(Map<String, String> env, PrintStream out, PrintStream err) {
        this.env = env;
        this.out = out;
        this.err = err;
    }

    @Override
    public String name() {
        return "keys";
    }

    @Override
    public String usage() {
        return "keys create --tenant T [--rate N] [--label L] | list [--tenant T] | disable KEY_ID   [--table NAME]\n"
                + "  keys rotate-webhook-secret --tenant T [--grace 24h|0] | webhook-secret --tenant T\n"
                + "       [--secrets-table NAME --key-secret-id ARN]   a tenant's webhook signing secret";
    }

    @Override
    public int run(List<String> args) throws Exception {
        if (args.isEmpty()) {
            throw new UsageException("keys: create, list or disable");
        }
        Options options = Options.parse(args.subList(1, args.size()));
        if (args.get(0).equals("rotate-webhook-secret") || args.get(0).equals("webhook-secret")) {
            return webhookSecret(args.get(0), options);
        }
        String table = options.value("--table").orElse(env.get("KEYS_TABLE"));
        try (DynamoDbClient dynamo = table == null ? localClient() : awsClient()) {
            String target = table == null ? LOCAL_TABLE : table;
            KeyStore keys = new DynamoKeyStore(dynamo, target);
            String where = table == null ? "local stack (" + localEndpoint() + ", table " + LOCAL_TABLE + ")"
                    : "table " + table;
            try {
                return switch (args.get(0)) {
                    case "create" -> create(keys, options, where);
                    case "list" -> list(keys, options);
                    case "disable" -> disable(keys, options);
                    default -> throw new UsageException("keys: unknown action " + args.get(0)
                            + "; use create, list, disable, rotate-webhook-secret or webhook-secret");
                };
            } catch (DependencyFailure failure) {
                if (!(failure.getCause() instanceof SdkClientException e)) {
                    throw failure; // the table answered (access denied, no such table): its own message says why
                }
                err.println("run-local keys: cannot reach " + where + ": " + e.getMessage());
                err.println(table == null ? "  start the local stack first (./run-local), or pass --table NAME for"
                        + " a deployed keys table" : "  check AWS_REGION (or your profile's region) and your AWS"
                        + " credentials (AWS_PROFILE; for an IAM Identity Center profile, `aws sso login` first)");
                return 1;
            }
        }
    }

    private int webhookSecret(String action, Options options) {
        String tenant = tenant(options, action);
        Duration grace = action.equals("webhook-secret") ? null
                : WebhookSecretActions.grace(options.value("--grace").orElse("24h"));
        if (action.equals("webhook-secret") && options.value("--grace").isPresent()) {
            throw new UsageException("--grace goes with rotate-webhook-secret");
        }
        String table = options.value("--secrets-table").orElse(env.get(Settings.WEBHOOK_SECRETS_TABLE));
        String keySecretId = options.value("--key-secret-id").orElse(env.get(Settings.WEBHOOK_SECRETS_KEY_SECRET_ID));
        if (table == null && keySecretId != null) {
            throw new UsageException("--key-secret-id goes with --secrets-table (the deployed stack's"
                    + " WebhookSecretsTableName output)");
        }
        if (table != null && keySecretId == null) {
            throw new UsageException("--secrets-table needs --key-secret-id ARN (the stack output WebhookSecretsKeyArn):"
                    + " the key the secrets are sealed under");
        }
        String where = table == null ? "local stack (" + localEndpoint() + ", table " + LOCAL_SECRETS_TABLE + ")"
                : "table " + table;
        try (DynamoDbClient dynamo = table == null ? localClient() : awsClient();
             SecretsManagerClient secretsManager = table == null ? null : awsSecretsManager()) {
            Supplier<ServiceKeys> keys = table == null ? () -> ServiceKeys.of(LocalWebhookKeys.MATERIAL, List.of())
                    : WebhookServiceKeys.from(Map.of(Settings.WEBHOOK_SECRETS_KEY_SECRET_ID, keySecretId),
                            () -> secretsManager);
            WebhookSecretActions actions = new WebhookSecretActions(dynamo, table == null ? LOCAL_SECRETS_TABLE : table,
                    keys, Clock.systemUTC(), out, err);
            try {
                return grace == null ? actions.show(tenant, where) : actions.rotate(tenant, grace, where);
            } catch (DependencyFailure failure) {
                if (!(failure.getCause() instanceof SdkClientException e)) {
                    throw failure; // the service answered (access denied, no such table or secret): its message says why
                }
                err.println("run-local keys: cannot reach " + where + ": " + e.getMessage());
                err.println(table == null ? "  start the local stack first (./run-local), or pass --secrets-table NAME"
                        + " --key-secret-id ARN for a deployed stack" : "  check AWS_REGION (or your profile's region)"
                        + " and your AWS credentials (AWS_PROFILE; for an IAM Identity Center profile, `aws sso login`"
                        + " first)");
                return 1;
            }
        }
    }

    private static String tenant(Options options, String action) {
        String tenant = options.value("--tenant").orElseThrow(() -> new UsageException("keys " + action
                + " needs --tenant T"));
        if (!tenant.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
            throw new UsageException("--tenant: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return tenant;
    }

    private int create(KeyStore keys, Options options, String where) {
        String tenant = tenant(options, "create");
        Integer rate = null;
        if (options.value("--rate").isPresent()) {
            try {
                rate = Integer.parseInt(options.value("--rate").get());
            } catch (NumberFormatException e) {
                throw new UsageException("--rate must be a whole number of requests per minute");
            }
            if (rate < 1) {
                throw new UsageException("--rate must be at least 1");
            }
        }
        String key = ApiKey.generate();
        String hash = ApiKey.hash(key);
        keys.put(new KeyRecord(hash, ApiKey.idForHash(hash), tenant, true, rate, Instant.now(),
                options.value("--label").orElse("cli")));
        out.println("created in " + where);
        out.println("  key id:  " + ApiKey.idForHash(hash));
        out.println("  tenant:  " + tenant);
        out.println("  rate:    " + (rate == null ? "default (DEFAULT_RATE_PER_MINUTE)" : rate + " per minute"));
        out.println("  api key: " + key);
        out.println("The key is shown this once; only its SHA-256 hash is stored.");
        return 0;
    }

    private int list(KeyStore keys, Options options) {
        List<KeyRecord> all = new ArrayList<>(keys.list());
        options.value("--tenant").ifPresent(t -> all.removeIf(k -> !k.tenant().equals(t)));
        all.sort(Comparator.comparing(KeyRecord::tenant).thenComparing(KeyRecord::keyId));
        out.printf("%-18s %-20s %-9s %-8s %-24s %s%n", "KEY ID", "TENANT", "STATUS", "RATE", "CREATED", "LABEL");
        for (KeyRecord k : all) {
            out.printf("%-18s %-20s %-9s %-8s %-24s %s%n", k.keyId(), k.tenant(), k.active() ? "active" : "disabled",
                    k.ratePerMinute() == null ? "default" : k.ratePerMinute().toString(),
                    k.createdAt() == null ? "" : k.createdAt().toString(), k.label() == null ? "" : k.label());
        }
        out.println(all.size() + " key(s)");
        return 0;
    }

    private int disable(KeyStore keys, Options options) {
        if (options.positional().size() != 1) {
            throw new UsageException("keys disable KEY_ID (the id `keys list` shows, e.g. key_1a2b3c4d5e6f)");
        }
        String keyId = options.positional().get(0);
        if (!keys.disable(keyId)) {
            err.println("run-local keys: no key " + keyId);
            return 1;
        }
        out.println("disabled " + keyId + ": requests with it now get 403");
        return 0;
    }

    private URI localEndpoint() {
        int port = EmulatorPorts.fromEnvironment(env).dynamoDb();
        return URI.create("http://" + Ports.LOOPBACK + ":" + (port == 0 ? 8000 : port));
    }

    private DynamoDbClient localClient() {
        return DynamoDbClient.builder().endpointOverride(localEndpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        LocalCredentials.ACCESS_KEY_ID, LocalCredentials.SECRET_ACCESS_KEY)))
                .httpClient(ToolTimeouts.httpClient()).overrideConfiguration(ToolTimeouts.overrides()).build();
    }

    /** The deployed table: region and credentials from the usual AWS chain (variables, profile, SSO, role). */
    private DynamoDbClient awsClient() {
        var builder = DynamoDbClient.builder().credentialsProvider(DefaultCredentialsProvider.builder().build())
                .httpClient(ToolTimeouts.httpClient()).overrideConfiguration(ToolTimeouts.overrides());
        String region = env.getOrDefault("AWS_REGION", env.get("AWS_DEFAULT_REGION"));
        if (region != null) {
            builder.region(Region.of(region));
        }
        return builder.build();
    }

    /** The deployed stack's Secrets Manager, with the same credential chain and region as {@link #awsClient}. */
    private SecretsManagerClient awsSecretsManager() {
        var builder = SecretsManagerClient.builder().credentialsProvider(DefaultCredentialsProvider.builder().build())
                .httpClient(ToolTimeouts.httpClient()).overrideConfiguration(ToolTimeouts.overrides());
        String region = env.getOrDefault("AWS_REGION", env.get("AWS_DEFAULT_REGION"));
        if (region != null) {
            builder.region(Region.of(region));
        }
        return builder.build();
    }

    /** {@code --name value} options and positional arguments. */
    record Options(Map<String, String> named, List<String> positional) {
        static Options parse(List<String> args) {
            Map<String, String> named = new java.util.LinkedHashMap<>();
            List<String> positional = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (a.startsWith("--")) {
                    if (i + 1 >= args.size()) {
                        throw new UsageException(a + " needs a value");
                    }
                    named.put(a, args.get(++i));
                } else {
                    positional.add(a);
                }
            }
            return new Options(named, positional);
        }

        java.util.Optional<String> value(String name) {
            return java.util.Optional.ofNullable(named.get(name));
        }
    }
}
