package imagejobs.lambda;

import java.util.function.Supplier;

import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.SdkHttpClient;

/**
 * An HTTP client handed to the SDK client builders before it exists. Building the UrlConnection client sets up
 * TLS (security providers, the trust store: ~0.3 s of a cold start), which no client build needs; with this the
 * SDK clients are built while TLS is set up on another thread, and the first request waits for it if it must.
 */
final class DeferredHttpClient implements SdkHttpClient {
    private final Supplier<SdkHttpClient> client;
    private final String name;

    DeferredHttpClient(Supplier<SdkHttpClient> client, String name) {
        this.client = client;
        this.name = name;
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        return client.get().prepareRequest(request);
    }

    @Override
    public String clientName() {
        return name; // asked for while building SDK clients (the user agent): must not wait for the client
    }

    @Override
    public void close() {
        client.get().close();
    }
}
