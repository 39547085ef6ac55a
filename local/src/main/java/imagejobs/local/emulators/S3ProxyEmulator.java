package imagejobs.local.emulators;

import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;

import imagejobs.local.s3.S3ObjectListener;
import imagejobs.local.s3.S3ProxyClassLoader;
import imagejobs.local.s3.S3ProxyHandle;

/**
 * S3Proxy as the S3 endpoint, run in its own class loader ({@link S3ProxyClassLoader}; the server itself is
 * {@code imagejobs.local.s3.isolated.S3ProxyServer}): in memory, or with a data directory in files that outlive a
 * restart. It checks AWS V2/V4 signatures against {@link LocalCredentials}, rejects expired presigned URLs, and takes
 * the CRC32/CRC32C/CRC64NVME/SHA checksums current AWS CLIs and SDKs send by default.
 */
public final class S3ProxyEmulator implements Emulator {
    private final S3ProxyHandle server;
    private volatile boolean closed;

    private S3ProxyEmulator(S3ProxyHandle server) {
        this.server = server;
    }

    /**
     * @param dataDir where objects are kept across restarts (created if missing), or null: in memory only
     */
    public static S3ProxyEmulator start(int requestedPort, Path dataDir) {
        S3ProxyClassLoader loader = S3ProxyClassLoader.shared();
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        // jclouds finds its providers through the context class loader, and Jetty's threads inherit it.
        thread.setContextClassLoader(loader);
        try {
            // The one reflective step across the class-loader boundary; from here on the handle is a plain interface.
            S3ProxyHandle server = Class.forName(S3ProxyClassLoader.SERVER_CLASS, true, loader)
                    .asSubclass(S3ProxyHandle.class)
                    .getConstructor(int.class, Path.class, String.class, String.class)
                    .newInstance(requestedPort, dataDir, LocalCredentials.ACCESS_KEY_ID,
                            LocalCredentials.SECRET_ACCESS_KEY);
            return new S3ProxyEmulator(server);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw new IllegalStateException("S3Proxy did not start: " + cause.getMessage(), cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("S3Proxy could not be loaded: " + e, e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** Where the S3 notification bridge registers; see {@link S3ObjectListener}. */
    public void objectListener(S3ObjectListener listener) {
        server.objectListener(listener);
    }

    /**
     * Drops an object straight from the store, without an S3 request: for callers that store many large objects
     * nobody reads again (the pipeline benchmark's images), which would otherwise all stay on the heap.
     */
    public void removeObject(String bucket, String key) {
        server.removeObject(bucket, key);
    }

    @Override
    public String name() {
        return "S3Proxy (S3)";
    }

    @Override
    public int port() {
        return server.port();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.close();
    }
}
