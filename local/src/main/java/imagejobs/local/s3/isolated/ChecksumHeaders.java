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
 * the header the AWS CLI, boto3 and the SDKs send by default since early 2025 (and to the other algorithms but
 * CRC64NVME, which it accepts without checking). Here every {@code x-amz-checksum-<algorithm>} header is taken as S3
 * takes it: on a PUT with a plain body (PutObject, UploadPart) the body is checked against it as it streams through,
 * and a mismatch is S3's 400 BadDigest with nothing stored; elsewhere (a copy, CompleteMultipartUpload's whole-object
 * value, an aws-chunked body whose checksum S3Proxy reads from the trailer) it is accepted as is. S3Proxy never sees
 * these headers in its list of header names (so it does not refuse them), but still reads their values, which V4
 * signatures cover.
 */
final class ChecksumHeaders extends HandlerWrapper {
    static final String PREFIX = "x-amz-checksum-";
    /** Not a checksum but part of the same feature (FULL_OBJECT or COMPOSITE on CreateMultipartUpload). */
    static final String CHECKSUM_TYPE = "x-amz-checksum-type";

    @Override
    public void handle(String target, Request baseRequest, HttpServletRequest request, HttpServletResponse response)
            throws IOException, ServletException {
        Map<String, String> checksums = new LinkedHashMap<>();
        boolean any = false;
        for (String name : Collections.list(request.getHeaderNames())) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals(CHECKSUM_TYPE)) {
                any = true;
            } else if (lower.startsWith(PREFIX) && FlexibleChecksum.isAlgorithmHeader(lower)) {
                any = true;
                checksums.put(lower, request.getHeader(name));
            }
        }
        if (!any) {
            super.handle(target, baseRequest, request, response);
            return;
        }
        super.handle(target, baseRequest, new CheckedRequest(request, hasPlainBody(request) ? checksums : Map.of()), response);
    }

    /** A PUT that uploads its own bytes, not framed as aws-chunked (whose checksum travels in the trailer). */
    private static boolean hasPlainBody(HttpServletRequest request) {
        String contentSha256 = request.getHeader("x-amz-content-sha256");
        String encoding = request.getHeader("Content-Encoding");
        return "PUT".equals(request.getMethod())
                && request.getHeader("x-amz-copy-source") == null
                && (contentSha256 == null || !contentSha256.startsWith("STREAMING-"))
                && (encoding == null || !encoding.toLowerCase(Locale.ROOT).contains("aws-chunked"));
    }

    /** The request as S3Proxy sees it: checksum headers left out of the names, the body checked as it is read. */
    private static final class CheckedRequest extends HttpServletRequestWrapper {
        private final Map<String, String> toCheck;
        private ServletInputStream body;

        CheckedRequest(HttpServletRequest request, Map<String, String> toCheck) {
            super(request);
            this.toCheck = toCheck;
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            List<String> names = Collections.list(super.getHeaderNames());
            names.removeIf(n -> {
                String lower = n.toLowerCase(Locale.ROOT);
                return lower.equals(CHECKSUM_TYPE) || (lower.startsWith(PREFIX) && FlexibleChecksum.isAlgorithmHeader(lower));
            });
            return Collections.enumeration(names);
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (toCheck.isEmpty()) {
                return super.getInputStream();
            }
            if (body == null) {
                body = new ChecksumCheckingInputStream(super.getInputStream(), toCheck);
            }
            return body;
        }
    }
}
