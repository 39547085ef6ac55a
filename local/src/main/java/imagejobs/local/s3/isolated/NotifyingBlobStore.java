package imagejobs.local.s3.isolated;

import java.util.List;

import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.domain.Blob;
import org.jclouds.blobstore.domain.BlobMetadata;
import org.jclouds.blobstore.domain.MultipartPart;
import org.jclouds.blobstore.domain.MultipartUpload;
import org.jclouds.blobstore.options.CopyOptions;
import org.jclouds.blobstore.options.PutOptions;
import org.jclouds.blobstore.util.ForwardingBlobStore;

import imagejobs.local.s3.S3ObjectListener;

/**
 * The blob store S3Proxy serves, wrapped so that every stored object is reported to an {@link S3ObjectListener}
 * (the hook for S3 event notifications). Listener failures are logged, never turned into S3 errors: on AWS a
 * notification problem does not fail the upload either.
 */
final class NotifyingBlobStore extends ForwardingBlobStore {
    private volatile S3ObjectListener listener = S3ObjectListener.NONE;

    NotifyingBlobStore(BlobStore delegate) {
        super(delegate);
    }

    void listener(S3ObjectListener listener) {
        this.listener = listener == null ? S3ObjectListener.NONE : listener;
    }

    @Override
    public String putBlob(String container, Blob blob) {
        String eTag = super.putBlob(container, blob);
        notifyCreated(container, blob.getMetadata().getName(), eTag, "ObjectCreated:Put");
        return eTag;
    }

    @Override
    public String putBlob(String container, Blob blob, PutOptions options) {
        String eTag = super.putBlob(container, blob, options);
        notifyCreated(container, blob.getMetadata().getName(), eTag, "ObjectCreated:Put");
        return eTag;
    }

    @Override
    public String copyBlob(String fromContainer, String fromName, String toContainer, String toName,
                           CopyOptions options) {
        String eTag = super.copyBlob(fromContainer, fromName, toContainer, toName, options);
        notifyCreated(toContainer, toName, eTag, "ObjectCreated:Copy");
        return eTag;
    }

    @Override
    public String completeMultipartUpload(MultipartUpload upload, List<MultipartPart> parts) {
        String eTag = super.completeMultipartUpload(upload, parts);
        notifyCreated(upload.containerName(), upload.blobName(), eTag, "ObjectCreated:CompleteMultipartUpload");
        return eTag;
    }

    private void notifyCreated(String bucket, String key, String eTag, String eventName) {
        S3ObjectListener current = listener;
        if (current == S3ObjectListener.NONE) {
            return;
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try {
            BlobMetadata metadata = blobMetadata(bucket, key);
            Long size = metadata == null ? null : metadata.getContentMetadata().getContentLength();
            // The listener is the stack's code: it runs with the stack's context class loader, not S3Proxy's (threads
            // it starts inherit it).
            thread.setContextClassLoader(current.getClass().getClassLoader());
            current.objectCreated(new S3ObjectListener.S3ObjectCreated(bucket, key, eTag, size == null ? 0 : size,
                    eventName));
        } catch (RuntimeException e) {
            System.err.println("S3 object listener failed for s3://" + bucket + "/" + key + ": " + e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
