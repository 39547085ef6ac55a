package imagejobs.local.s3.isolated;

import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.gaul.shaded.org.eclipse.jetty.server.Request;
import org.gaul.shaded.org.eclipse.jetty.server.handler.HandlerWrapper;

import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

/**
 * S3's flexible checksums in front of S3Proxy 3.0, which answers 501 NotImplemented to {@code x-amz-checksum-crc32},
 * the header the AWS CLI and boto3 send by default since early 2025 (and to the other algorithms but CRC64NVME, which
 * it accepts without checking). Here every {@code x-amz-checksum-<algorithm>} header is taken as S3 takes it: on a PUT
 * that uploads bytes (PutObject, UploadPart; plain or aws-chunked body) the object's bytes are checked against it as
 * they stream through ({@link ChecksumCheckingInputStream}), and a mismatch is S3's 400 BadDigest with nothing stored;
 * elsewhere (a copy, CompleteMultipartUpload's whole-object value) it is accepted as is. S3Proxy never sees these
 * headers in its list of header names (so it does not refuse them), but still reads their values where V4 signatures
 * cover them.
 *
 * <p>Not covered: signed aws-chunked bodies with a trailing checksum ({@code STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER},
 * what the Java SDK sends by default over plain HTTP), whose signature S3Proxy 3.0 cannot check (403); such clients
 * need {@code AWS_REQUEST_CHECKSUM_CALCULATION=when_required}.
 */
final class ChecksumHeaders extends HandlerWrapper {
    static final String PREFIX = "x-amz-checksum-";
    /** Not a checksum but part of the same feature (FULL_OBJECT or COMPOSITE on CreateMultipartUpload). */
    static final String CHECKSUM_TYPE = "x-amz-checksum-type";
    static final String CONTENT_SHA256 = "x-amz-content-sha256";

    @Override
    public void handle(String target, Request baseRequest, HttpServletRequest request, HttpServletResponse response)
            throws IOException, ServletException {
        Map<String, String> checksums = new LinkedHashMap<>();
        boolean checksumHeaders = false;
        for (String name : Collections.list(request.getHeaderNames())) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (isChecksumHeader(lower)) {
                checksumHeaders = true;
                if (FlexibleChecksum.isAlgorithmHeader(lower)) {
                    checksums.put(lower, request.getHeader(name));
                }
            }
        }
        if (!checksumHeaders) {
            super.handle(target, baseRequest, request, response);
            return;
        }
        boolean uploadsBytes = "PUT".equals(request.getMethod()) && request.getHeader("x-amz-copy-source") == null;
        super.handle(target, baseRequest, new CheckedRequest(request, uploadsBytes ? checksums : Map.of(),
                isAwsChunked(request)), response);
    }

    private static boolean isChecksumHeader(String lowerCaseName) {
        return lowerCaseName.equals(CHECKSUM_TYPE)
                || (lowerCaseName.startsWith(PREFIX) && FlexibleChecksum.isAlgorithmHeader(lowerCaseName));
    }

    /** A body framed as aws-chunked (signed or unsigned chunks, perhaps a trailer), which S3Proxy decodes. */
    private static boolean isAwsChunked(HttpServletRequest request) {
        String contentSha256 = request.getHeader(CONTENT_SHA256);
        String encoding = request.getHeader("Content-Encoding");
        return (contentSha256 != null && contentSha256.startsWith("STREAMING-"))
                || (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("aws-chunked"));
    }

    /** The request as S3Proxy sees it: checksum headers left out of the names, the body checked as it is read. */
    private static final class CheckedRequest extends HttpServletRequestWrapper {
        private final Map<String, String> toCheck;
        private final boolean awsChunked;
        private ServletInputStream body;

        CheckedRequest(HttpServletRequest request, Map<String, String> toCheck, boolean awsChunked) {
            super(request);
            this.toCheck = toCheck;
            this.awsChunked = awsChunked;
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            List<String> names = Collections.list(super.getHeaderNames());
            names.removeIf(n -> isChecksumHeader(n.toLowerCase(Locale.ROOT)));
            return Collections.enumeration(names);
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (toCheck.isEmpty()) {
                return super.getInputStream();
            }
            if (body == null) {
                body = new ChecksumCheckingInputStream(super.getInputStream(), toCheck, awsChunked);
            }
            return body;
        }
    }
}
