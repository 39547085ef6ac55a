package imagejobs.adapters.aws;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

import imagejobs.shared.config.Environment;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.internal.http.loader.DefaultSdkHttpClientBuilder;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.utils.AttributeMap;

/**
 * The naive client setup of {@code ./run-local bench cold-start}, NOT production code: a stand-in with the same
 * API as shared's {@code AwsClientConfig}, put before the function jar on the class path so that the function's
 * own, unchanged wiring builds its clients the way {@code DynamoDbClient.create()} would: {@link #configure} sets
 * nothing, so every client resolves its region through the default region chain, its credentials through the
 * default provider chain, its endpoint from {@code AWS_ENDPOINT_URL_<SERVICE>} by itself, and its HTTP client by
 * class path discovery (each client its own; with the SDK's default dependencies that is Apache HttpClient 5).
 * The other accessors do the same lookups for code that asks for them (the S3 presigner), and no timeouts are
 * set (the SDK's default: none). The checksum settings are left to the SDK, which reads the process environment.
 */
public final class AwsClientConfig {
    /** Same API as shared's; {@link #configure} ignores it. */
    public record CallTimeouts(Duration apiCall, Duration attempt) {
    }

    public static final CallTimeouts SMALL_REQUESTS = new CallTimeouts(Duration.ofSeconds(15), Duration.ofSeconds(5));
    public static final CallTimeouts OBJECTS = new CallTimeouts(Duration.ofSeconds(20), Duration.ofSeconds(10));
    public static final CallTimeouts LARGE_OBJECTS = new CallTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(30));

    private final Environment env;

    public AwsClientConfig(Environment env) {
        this.env = env;
    }

    /** The given client is ignored: the naive setup discovers its own. */
    public AwsClientConfig(Environment env, SdkHttpClient httpClient) {
        this.env = env;
    }

    public Region region() {
        return new DefaultAwsRegionProviderChain().getRegion();
    }

    public AwsCredentialsProvider credentials() {
        return DefaultCredentialsProvider.builder().build();
    }

    public SdkHttpClient httpClient() {
        return new DefaultSdkHttpClientBuilder().buildWithDefaults(AttributeMap.empty());
    }

    /** Class-path discovery, as {@link #httpClient()}. */
    public static SdkHttpClient httpClient(Environment env) {
        return new DefaultSdkHttpClientBuilder().buildWithDefaults(AttributeMap.empty());
    }

    public Optional<RequestChecksumCalculation> requestChecksumCalculation() {
        return Optional.empty();
    }

    public Optional<ResponseChecksumValidation> responseChecksumValidation() {
        return Optional.empty();
    }

    public CallTimeouts timeouts(String serviceId, CallTimeouts defaults) {
        return defaults;
    }

    public Environment environment() {
        return env;
    }

    /** Unchanged: reading the standard variable is not a client-setup choice. */
    public Optional<URI> endpoint(String serviceId) {
        return env.optional("AWS_ENDPOINT_URL_" + serviceId.toUpperCase(Locale.ROOT))
                .or(() -> env.optional("AWS_ENDPOINT_URL"))
                .map(URI::create);
    }

    public <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder, String serviceId) {
        return builder;
    }

    public <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder, String serviceId,
                                                                                      CallTimeouts defaults) {
        return builder;
    }
}
