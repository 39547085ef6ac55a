package imagejobs.local.s3.isolated;

import java.lang.reflect.Field;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.shaded.org.eclipse.jetty.server.Server;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.filesystem.reference.FilesystemConstants;

import imagejobs.local.s3.S3ObjectListener;
import imagejobs.local.s3.S3ProxyHandle;

/**
 * S3Proxy on 127.0.0.1, checking AWS V2/V4 signatures, over jclouds' in-memory ("transient") store or, given a data
 * directory, S3Proxy's own {@code filesystem-nio2} store (one directory per bucket, one file per object, metadata in
 * extended file attributes), so objects outlive a restart. Not jclouds' {@code filesystem} store: that one lists every
 * directory on the way to an object as an object of its own ({@code edits/}, {@code edits/dev/}, ...), which S3 never
 * does. Loaded only by {@link imagejobs.local.s3.S3ProxyClassLoader}.
 * S3Proxy rejects expired presigned URLs ({@code X-Amz-Date + X-Amz-Expires} in the past: 403 AccessDenied "Request
 * has expired") and presigned lifetimes over 7 days, as S3 does; {@link ChecksumHeaders} in front of it takes the
 * flexible checksums that current AWS CLIs and SDKs send by default.
 */
public final class S3ProxyServer implements S3ProxyHandle {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final S3Proxy proxy;
    private final BlobStoreContext context;
    private final NotifyingBlobStore blobStore;
    private volatile boolean closed;

    /**
     * @param dataDir where objects are kept, or null for memory only
     */
    public S3ProxyServer(int port, Path dataDir, String identity, String credential) throws Exception {
        Properties properties = new Properties();
        String provider = "transient";
        if (dataDir != null) {
            provider = "filesystem-nio2";
            properties.setProperty(FilesystemConstants.PROPERTY_BASEDIR, dataDir.toAbsolutePath().toString());
        }
        context = ContextBuilder.newBuilder(provider)
                .credentials(identity, credential)
                .overrides(properties)
                .build(BlobStoreContext.class);
        blobStore = new NotifyingBlobStore(context.getBlobStore(), dataDir != null);
        proxy = S3Proxy.builder()
                .blobStore(blobStore)
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, identity, credential)
                .build();
        try {
            wrapHandler(proxy);
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
            close();
            throw e;
        }
    }

    /**
     * Puts {@link ChecksumHeaders} in front of S3Proxy's handler. S3Proxy builds its Jetty server privately and offers
     * no hook for a handler of ours, so we reach into its one field, before start.
     */
    private static void wrapHandler(S3Proxy proxy) throws ReflectiveOperationException {
        Field field = S3Proxy.class.getDeclaredField("server");
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);
        ChecksumHeaders checksums = new ChecksumHeaders();
        checksums.setHandler(server.getHandler());
        server.setHandler(checksums);
    }

    @Override
    public int port() {
        return proxy.getPort();
    }

    @Override
    public void objectListener(S3ObjectListener listener) {
        blobStore.listener(listener);
    }

    @Override
    public void removeObject(String bucket, String key) {
        blobStore.removeBlob(bucket, key);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            proxy.stop();
        } catch (Exception e) {
            System.err.println("S3Proxy did not stop cleanly: " + e);
        }
        context.close();
    }
}
