package imagejobs.local.emulators;

import java.net.URI;
import java.time.Duration;
import java.util.Properties;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

import imagejobs.local.s3.NotifyingBlobStore;
import imagejobs.local.s3.S3ObjectListener;

/**
 * S3Proxy over jclouds' in-memory ("transient") blob store, checking AWS V2/V4 signatures against
 * {@link LocalCredentials}. It also rejects expired presigned URLs ({@code X-Amz-Date + X-Amz-Expires} in the past:
 * 403 AccessDenied "Request has expired") and presigned lifetimes over 7 days, as S3 does.
 */
public final class S3ProxyEmulator implements Emulator {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final S3Proxy proxy;
    private final BlobStoreContext context;
    private final NotifyingBlobStore blobStore;
    private volatile boolean closed;

    private S3ProxyEmulator(S3Proxy proxy, BlobStoreContext context, NotifyingBlobStore blobStore) {
        this.proxy = proxy;
        this.context = context;
        this.blobStore = blobStore;
    }

    public static S3ProxyEmulator start(int requestedPort) {
        Properties properties = new Properties();
        BlobStoreContext context = ContextBuilder.newBuilder("transient")
                .credentials(LocalCredentials.ACCESS_KEY_ID, LocalCredentials.SECRET_ACCESS_KEY)
                .overrides(properties)
                .build(BlobStoreContext.class);
        NotifyingBlobStore blobStore = new NotifyingBlobStore(context.getBlobStore());
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(blobStore)
                .endpoint(URI.create("http://" + Ports.LOOPBACK + ":" + requestedPort))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, LocalCredentials.ACCESS_KEY_ID,
                        LocalCredentials.SECRET_ACCESS_KEY)
                .build();
        try {
            proxy.start();
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            // start() returns before Jetty reports STARTED on some machines; wait, bounded.
            while (!"STARTED".equals(proxy.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("S3Proxy did not reach STARTED within " + START_TIMEOUT
                            + " (state " + proxy.getState() + ")");
                }
                Thread.sleep(10);
            }
        } catch (Exception e) {
            stopQuietly(proxy);
            context.close();
            throw new IllegalStateException("S3Proxy did not start: " + e.getMessage(), e);
        }
        return new S3ProxyEmulator(proxy, context, blobStore);
    }

    /** Where the S3 notification bridge registers; see {@link S3ObjectListener}. */
    public void objectListener(S3ObjectListener listener) {
        blobStore.listener(listener);
    }

    /**
     * Drops an object straight from the in-memory store, without an S3 request: for callers that store many large
     * objects nobody reads again (the pipeline benchmark's images), which would otherwise all stay on the heap.
     */
    public void removeObject(String bucket, String key) {
        blobStore.removeBlob(bucket, key);
    }

    @Override
    public String name() {
        return "S3Proxy (S3)";
    }

    @Override
    public int port() {
        return proxy.getPort();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopQuietly(proxy);
        context.close();
    }

    private static void stopQuietly(S3Proxy proxy) {
        try {
            proxy.stop();
        } catch (Exception e) {
            System.err.println("S3Proxy did not stop cleanly: " + e);
        }
    }
}
