package imagejobs.adapters.aws;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import imagejobs.shared.config.ConfigurationException;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;

/**
 * Explicit settings for every SDK client: region, credentials provider, the UrlConnection HTTP client, timeouts and
 * the endpoint from the SDK's standard {@code AWS_ENDPOINT_URL_<SERVICE>} / {@code AWS_ENDPOINT_URL} variables.
 * Nothing is discovered through the SDK's default provider chains, which keeps cold starts short.
 *
 * <p>Timeouts: the SDK sets none by default, so a dependency that accepts a connection and never answers would hold
 * a function until Lambda kills it. Every client gets an {@code apiCallTimeout} (the whole call, retries included)
 * and an {@code apiCallAttemptTimeout} (one HTTP attempt), both below the functions' timeouts, and the HTTP client a
 * connect and a socket (read) timeout. A call that runs out fails with the SDK's {@code ApiCallTimeoutException}
 * or {@code ApiCallAttemptTimeoutException} (both {@code SdkClientException}s), which the API functions answer with
 * 503 SERVICE_UNAVAILABLE and the worker with a retry.
 */
public final class AwsClientConfig {
    /** One client's {@code apiCallTimeout} and {@code apiCallAttemptTimeout}; an attempt never outlasts its call. */
    public record CallTimeouts(Duration apiCall, Duration attempt) {
        public CallTimeouts {
            if (apiCall.isNegative() || apiCall.isZero() || attempt.isNegative() || attempt.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
            if (attempt.compareTo(apiCall) > 0) {
                attempt = apiCall;
            }
        }
    }

    /**
     * DynamoDB, SQS and Secrets Manager: requests and answers of a few KB, answered in milliseconds. Three attempts
     * of 5 s fit in the API functions' 30 s with room for the rest of the request.
     */
    public static final CallTimeouts SMALL_REQUESTS = new CallTimeouts(Duration.ofSeconds(15), Duration.ofSeconds(5));
    /** S3 for objects of a few MB (spilled inputs, uploads to edit, conversations), within a 30 s function. */
    public static final CallTimeouts OBJECTS = new CallTimeouts(Duration.ofSeconds(20), Duration.ofSeconds(10));
    /** S3 in the worker: 4K images of tens of MB each way, within its 300 s. */
    public static final CallTimeouts LARGE_OBJECTS = new CallTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(30));

    private final Environment env;
    private final Region region;
    private final AwsCredentialsProvider credentials;
    private final SdkHttpClient httpClient;

    public AwsClientConfig(Environment env) {
        this(env, httpClient(env));
    }

    /** With an HTTP client made elsewhere (the API functions build it on a priming thread, with {@link #httpClient}). */
    public AwsClientConfig(Environment env, SdkHttpClient httpClient) {
        this.env = env;
        this.region = Region.of(env.optional("AWS_REGION").or(() -> env.optional("AWS_DEFAULT_REGION"))
                .orElseThrow(() -> new ConfigurationException("AWS_REGION is required")));
        this.credentials = credentialsFrom(env);
        this.httpClient = httpClient;
    }

    /**
     * The HTTP client every SDK client of a function shares: UrlConnection, with SDK_CONNECT_TIMEOUT_MILLIS to open
     * a connection and SDK_SOCKET_TIMEOUT_MILLIS of silence while waiting for an answer's bytes.
     */
    public static SdkHttpClient httpClient(Environment env) {
        return UrlConnectionHttpClient.builder()
                .connectionTimeout(millis(env, Settings.SDK_CONNECT_TIMEOUT_MILLIS,
                        Duration.ofMillis(Settings.DEFAULT_SDK_CONNECT_TIMEOUT_MILLIS)))
                .socketTimeout(millis(env, Settings.SDK_SOCKET_TIMEOUT_MILLIS,
                        Duration.ofMillis(Settings.DEFAULT_SDK_SOCKET_TIMEOUT_MILLIS)))
                .build();
    }

    /** Lambda sets the key variables; SnapStart functions get container credentials instead. */
    private static AwsCredentialsProvider credentialsFrom(Environment env) {
        Optional<String> keyId = env.optional("AWS_ACCESS_KEY_ID");
        Optional<String> secret = env.optional("AWS_SECRET_ACCESS_KEY");
        if (keyId.isPresent() && secret.isPresent()) {
            Optional<String> token = env.optional("AWS_SESSION_TOKEN");
            return StaticCredentialsProvider.create(token.isPresent()
                    ? AwsSessionCredentials.create(keyId.get(), secret.get(), token.get())
                    : AwsBasicCredentials.create(keyId.get(), secret.get()));
        }
        if (env.optional("AWS_CONTAINER_CREDENTIALS_FULL_URI").isPresent()
                || env.optional("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").isPresent()) {
            return ContainerCredentialsProvider.builder().build();
        }
        return DefaultCredentialsProvider.builder().build();
    }

    public Region region() {
        return region;
    }

    public AwsCredentialsProvider credentials() {
        return credentials;
    }

    public SdkHttpClient httpClient() {
        return httpClient;
    }

    public Environment environment() {
        return env;
    }

    /** The endpoint override for a service, e.g. {@code endpoint("S3")} reads AWS_ENDPOINT_URL_S3. */
    public Optional<URI> endpoint(String serviceId) {
        return env.optional("AWS_ENDPOINT_URL_" + serviceId.toUpperCase(Locale.ROOT))
                .or(() -> env.optional("AWS_ENDPOINT_URL"))
                .map(URI::create);
    }

    /**
     * The SDK's standard AWS_REQUEST_CHECKSUM_CALCULATION from this environment (the SDK itself reads only the
     * process environment, which a function run in-process by the local stack does not have); S3 clients take it.
     */
    public Optional<RequestChecksumCalculation> requestChecksumCalculation() {
        return env.optional("AWS_REQUEST_CHECKSUM_CALCULATION")
                .map(v -> checksumSetting("AWS_REQUEST_CHECKSUM_CALCULATION", v, RequestChecksumCalculation.class));
    }

    /** The SDK's standard AWS_RESPONSE_CHECKSUM_VALIDATION from this environment, as above. */
    public Optional<ResponseChecksumValidation> responseChecksumValidation() {
        return env.optional("AWS_RESPONSE_CHECKSUM_VALIDATION")
                .map(v -> checksumSetting("AWS_RESPONSE_CHECKSUM_VALIDATION", v, ResponseChecksumValidation.class));
    }

    /**
     * A client's timeouts: {@code SDK_API_CALL_TIMEOUT_MILLIS_<SERVICE>} and
     * {@code SDK_API_CALL_ATTEMPT_TIMEOUT_MILLIS_<SERVICE>} (e.g. {@code _S3}), else the same names without the
     * suffix (every client), else {@code defaults}: what the caller's use needs.
     */
    public CallTimeouts timeouts(String serviceId, CallTimeouts defaults) {
        String suffix = "_" + serviceId.toUpperCase(Locale.ROOT);
        return new CallTimeouts(
                millis(env, Settings.SDK_API_CALL_TIMEOUT_MILLIS, suffix, defaults.apiCall()),
                millis(env, Settings.SDK_API_CALL_ATTEMPT_TIMEOUT_MILLIS, suffix, defaults.attempt()));
    }

    /** {@link #configure(AwsClientBuilder, String, CallTimeouts)} with the service's usual timeouts. */
    public <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder, String serviceId) {
        return configure(builder, serviceId, "S3".equalsIgnoreCase(serviceId) ? OBJECTS : SMALL_REQUESTS);
    }

    /**
     * Region, credentials, the shared HTTP client, the endpoint override, the dry-run interceptor and the timeouts
     * ({@link #timeouts}: the environment's, else {@code defaults}).
     */
    public <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder, String serviceId,
                                                                                      CallTimeouts defaults) {
        CallTimeouts timeouts = timeouts(serviceId, defaults);
        builder.region(region).credentialsProvider(credentials).httpClient(httpClient)
                .overrideConfiguration(o -> o.addExecutionInterceptor(DryRun.INTERCEPTOR)
                        .apiCallTimeout(timeouts.apiCall())
                        .apiCallAttemptTimeout(timeouts.attempt()));
        endpoint(serviceId).ifPresent(builder::endpointOverride);
        return builder;
    }

    /** {@code when_supported} or {@code when_required}, in any case, as the SDK accepts them. */
    private static <E extends Enum<E>> E checksumSetting(String name, String value, Class<E> type) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("environment variable " + name
                    + " must be when_supported or when_required");
        }
    }

    private static Duration millis(Environment env, String name, String suffix, Duration defaultValue) {
        return millis(env, name + suffix, millis(env, name, defaultValue));
    }

    private static Duration millis(Environment env, String name, Duration defaultValue) {
        int value = env.integer(name, (int) defaultValue.toMillis());
        if (value < 1) {
            throw new ConfigurationException("environment variable " + name + " must be at least 1 (milliseconds), got "
                    + value);
        }
        return Duration.ofMillis(value);
    }
}
