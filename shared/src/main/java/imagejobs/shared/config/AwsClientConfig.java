package imagejobs.shared.config;

import java.net.URI;
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
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;

/**
 * Explicit settings for every SDK client: region, credentials provider, the UrlConnection HTTP client and
 * the endpoint from the SDK's standard {@code AWS_ENDPOINT_URL_<SERVICE>} / {@code AWS_ENDPOINT_URL}
 * variables. Nothing is discovered through the SDK's default provider chains, which keeps cold starts short.
 */
public final class AwsClientConfig {
    private final Environment env;
    private final Region region;
    private final AwsCredentialsProvider credentials;
    private final SdkHttpClient httpClient;

    public AwsClientConfig(Environment env) {
        this(env, UrlConnectionHttpClient.builder().build());
    }

    /** With an HTTP client made elsewhere (the API functions build it on a priming thread). */
    public AwsClientConfig(Environment env, SdkHttpClient httpClient) {
        this.env = env;
        this.region = Region.of(env.optional("AWS_REGION").or(() -> env.optional("AWS_DEFAULT_REGION"))
                .orElseThrow(() -> new ConfigurationException("AWS_REGION is required")));
        this.credentials = credentialsFrom(env);
        this.httpClient = httpClient;
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

    public <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder, String serviceId) {
        builder.region(region).credentialsProvider(credentials).httpClient(httpClient)
                .overrideConfiguration(o -> o.addExecutionInterceptor(DryRun.INTERCEPTOR));
        endpoint(serviceId).ifPresent(builder::endpointOverride);
        return builder;
    }
}
