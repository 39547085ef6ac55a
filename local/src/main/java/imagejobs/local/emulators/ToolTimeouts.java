package imagejobs.local.emulators;

import java.time.Duration;

import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * Timeouts for the SDK clients of the local tools (the local stack's own clients, the keys CLI). The SDK sets none by
 * default, so a stalled emulator or a blackholed AWS endpoint would hang a tool for ever; the functions' clients get
 * theirs from {@code AwsClientConfig}, these are the tools' equivalent: generous (a table scan, a large object on the
 * local S3), but finite.
 */
public final class ToolTimeouts {
    public static final Duration CONNECT = Duration.ofSeconds(5);
    public static final Duration SOCKET = Duration.ofSeconds(60);
    public static final Duration ATTEMPT = Duration.ofSeconds(60);
    public static final Duration CALL = Duration.ofMinutes(3);

    private ToolTimeouts() {
    }

    public static SdkHttpClient httpClient() {
        return UrlConnectionHttpClient.builder().connectionTimeout(CONNECT).socketTimeout(SOCKET).build();
    }

    public static ClientOverrideConfiguration overrides() {
        return ClientOverrideConfiguration.builder().apiCallAttemptTimeout(ATTEMPT).apiCallTimeout(CALL).build();
    }
}
