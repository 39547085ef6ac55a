package imagejobs.local.s3.isolated;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.domain.Blob;
import org.jclouds.blobstore.domain.BlobMetadata;
import org.jclouds.blobstore.domain.MultipartPart;
import org.jclouds.blobstore.domain.MultipartUpload;
import org.jclouds.blobstore.options.CopyOptions;
import org.jclouds.blobstore.options.PutOptions;
import org.jclouds.blobstore.util.ForwardingBlobStore;
import org.jclouds.io.Payload;
import org.jclouds.io.Payloads;
import org.jclouds.io.payloads.FilePayload;

import imagejobs.local.s3.S3ObjectListener;

/**
 * The blob store S3Proxy serves, wrapped so that every stored object is reported to an {@link S3ObjectListener}
 * (the hook for S3 event notifications). Listener failures are logged, never turned into S3 errors: on AWS a
 * notification problem does not fail the upload either.
 *
 * <p>For the on-disk store it also takes each upload's bytes in full (into a temporary file outside the buckets)
 * before the store sees them: S3Proxy's filesystem store writes a body straight into the bucket's directory under a
 * temporary name and leaves that file behind, listed as an object, when the body fails midway (a checksum mismatch,
 * a client that hangs up).
 */
final class NotifyingBlobStore extends ForwardingBlobStore {
    private volatile S3ObjectListener listener = S3ObjectListener.NONE;
    /**
     * Uploads in progress. S3Proxy stores an empty stub object named after the upload id when an upload starts (its
     * MULTIPART_REQUIRES_STUB quirk for these stores): that put is bookkeeping, not an object a client created.
     */
    private final Set<String> uploadIds = ConcurrentHashMap.newKeySet();

    private final boolean spoolUploads;

    /**
     * @param spoolUploads take every upload in full before the delegate stores it (the on-disk store)
     */
    NotifyingBlobStore(BlobStore delegate, boolean spoolUploads) {
        super(delegate);
        this.spoolUploads = spoolUploads;
    }

    void listener(S3ObjectListener listener) {
        this.listener = listener == null ? S3ObjectListener.NONE : listener;
    }

    @Override
    public String putBlob(String container, Blob blob) {
        return putBlob(container, blob, PutOptions.NONE);
    }

    private String store(String container, Blob blob, PutOptions options) {
        if (!spoolUploads) {
            return super.putBlob(container, blob, options);
        }
        Path spool = spool(blob.getPayload());
        try {
            blob.setPayload(payload(spool, blob.getPayload()));
            return super.putBlob(container, blob, options);
        } finally {
            deleteQuietly(spool);
        }
    }

    @Override
    public String putBlob(String container, Blob blob, PutOptions options) {
        String eTag = store(container, blob, options);
        if (!uploadIds.contains(blob.getMetadata().getName())) {
            notifyCreated(container, blob.getMetadata().getName(), eTag, "ObjectCreated:Put");
        }
        return eTag;
    }

    @Override
    public MultipartUpload initiateMultipartUpload(String container, BlobMetadata metadata, PutOptions options) {
        MultipartUpload upload = super.initiateMultipartUpload(container, metadata, options);
        uploadIds.add(upload.id());
        return upload;
    }

    @Override
    public void abortMultipartUpload(MultipartUpload upload) {
        super.abortMultipartUpload(upload);
        uploadIds.remove(upload.id());
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
        uploadIds.remove(upload.id());
        notifyCreated(upload.containerName(), upload.blobName(), eTag, "ObjectCreated:CompleteMultipartUpload");
        return eTag;
    }

    @Override
    public MultipartPart uploadMultipartPart(MultipartUpload upload, int partNumber, Payload payload) {
        if (!spoolUploads) {
            return super.uploadMultipartPart(upload, partNumber, payload);
        }
        Path spool = spool(payload);
        try {
            return super.uploadMultipartPart(upload, partNumber, payload(spool, payload));
        } finally {
            deleteQuietly(spool);
        }
    }

    /** The payload's bytes in a temporary file; on any failure reading them the file is gone and the failure thrown. */
    private static Path spool(Payload payload) {
        Path file;
        try {
            file = Files.createTempFile("imagejobs-s3-upload-", ".part");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (InputStream in = payload.openStream()) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            deleteQuietly(file);
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            deleteQuietly(file);
            throw e;
        }
    }

    /** The spooled bytes with the original payload's content metadata (type, length, MD5, ...). */
    private static Payload payload(Path spool, Payload original) {
        FilePayload file = Payloads.newFilePayload(spool.toFile());
        file.setContentMetadata(original.getContentMetadata());
        return file;
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            System.err.println("could not delete " + file + ": " + e.getMessage());
        }
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
