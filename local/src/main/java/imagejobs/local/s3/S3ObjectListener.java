package imagejobs.local.s3;

/**
 * Told about every object S3Proxy stores. This is where the S3 event notification bridge plugs in: it will match
 * the template's S3 event sources (bucket, event pattern, prefix/suffix) and invoke the function with an S3 event.
 * Called on S3Proxy's request thread after the object is stored; implementations must return quickly.
 */
@FunctionalInterface
public interface S3ObjectListener {

    S3ObjectListener NONE = event -> { };

    void objectCreated(S3ObjectCreated event);

    /**
     * @param eventName the S3 event name without the {@code s3:} prefix, e.g. {@code ObjectCreated:Put},
     *                  {@code ObjectCreated:Copy}, {@code ObjectCreated:CompleteMultipartUpload}
     */
    record S3ObjectCreated(String bucket, String key, String eTag, long size, String eventName) {
    }
}
