package imagejobs.local.s3;

/**
 * What the stack sees of an S3Proxy server, which runs in its own class loader ({@link S3ProxyClassLoader}): JDK
 * types and {@link S3ObjectListener} only, so nothing of S3Proxy's bundled libraries crosses into the stack.
 */
public interface S3ProxyHandle extends AutoCloseable {

    /** The port it listens on (the real one, also when started on port 0). */
    int port();

    /** Told about every object stored; replaces the previous listener ({@link S3ObjectListener#NONE}: none). */
    void objectListener(S3ObjectListener listener);

    /** Drops an object from the store without an S3 request (see the pipeline benchmark). */
    void removeObject(String bucket, String key);

    /** Stops the server and releases the store; safe to call twice. */
    @Override
    void close();
}
