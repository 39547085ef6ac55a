package imagejobs.local.s3.isolated;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jclouds.http.HttpResponse;
import org.jclouds.http.HttpResponseException;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;

/**
 * A request body checked against its {@code x-amz-checksum-*} headers as it is read: a plain body at its end, an
 * aws-chunked one (which passes through unchanged for S3Proxy to decode) at its last chunk, over the payload inside
 * the framing. A mismatch throws jclouds' HttpResponseException with status 400, which S3Proxy turns into S3's 400
 * BadDigest. The stores read the whole body before they commit an object, so nothing is stored (see
 * {@link NotifyingBlobStore} for the on-disk store's temporary files).
 */
final class ChecksumCheckingInputStream extends ServletInputStream {
    private record Expected(String header, String value, FlexibleChecksum actual) {
    }

    private final ServletInputStream in;
    private final List<Expected> expected = new ArrayList<>();
    private final AwsChunkedPayload chunked;
    private boolean checked;

    /**
     * @param headers    checksum headers (lower-case name to value) to check the payload against
     * @param awsChunked whether the body is aws-chunked framing
     */
    ChecksumCheckingInputStream(ServletInputStream in, Map<String, String> headers, boolean awsChunked) {
        this.in = in;
        headers.forEach((header, value) -> expected.add(new Expected(header, value, FlexibleChecksum.forHeader(header))));
        this.chunked = awsChunked ? new AwsChunkedPayload(this::payload) : null;
    }

    private void payload(byte[] b, int off, int len) {
        for (Expected e : expected) {
            e.actual().update(b, off, len);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n == -1 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0 && chunked == null) {
            payload(b, off, n);
        } else if (n > 0) {
            chunked.feed(b, off, n);
            if (chunked.complete()) { // S3Proxy reads no further than the last chunk
                check();
            }
        } else if (n == -1 && chunked == null) {
            check();
        }
        return n;
    }

    private void check() {
        if (checked) {
            return;
        }
        checked = true;
        for (Expected e : expected) {
            if (!e.actual().base64().equals(e.value() == null ? null : e.value().trim())) {
                throw new HttpResponseException("the body does not match " + e.header(), null,
                        HttpResponse.builder().statusCode(400).message("BadDigest").build());
            }
        }
    }

    @Override
    public boolean isFinished() {
        return in.isFinished();
    }

    @Override
    public boolean isReady() {
        return in.isReady();
    }

    @Override
    public void setReadListener(ReadListener listener) {
        in.setReadListener(listener);
    }

    @Override
    public int available() throws IOException {
        return in.available();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
