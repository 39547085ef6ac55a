package imagejobs.adapters.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.MessageConstraintException;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.io.DefaultHttpResponseParser;
import org.apache.hc.core5.http.io.HttpMessageParser;
import org.apache.hc.core5.http.io.HttpMessageParserFactory;
import org.apache.hc.core5.http.io.HttpTransportMetrics;
import org.apache.hc.core5.http.io.SessionInputBuffer;
import org.apache.hc.core5.util.CharArrayBuffer;

/**
 * HttpCore's response parser with the limits an image server we do not trust must live within, each failure said in
 * the client's terms ({@link BadResponse}): a status line that is HTTP (HttpClient's default parser skips garbage
 * and then reports a closed connection), lines of at most 8 KB, at most 32 KB for the whole head, a head that ends
 * with its blank line rather than with the connection, and for a 200 a framing we can read (chunked or a
 * Content-Length) before any body byte is.
 */
final class BoundedResponseParser extends DefaultHttpResponseParser {
    static final int MAX_LINE_BYTES = 8 * 1024;
    static final int MAX_HEAD_BYTES = 32 * 1024;
    /** For the connection's input buffer too, which enforces the line length while it reads. */
    static final Http1Config HTTP1 = Http1Config.custom().setMaxLineLength(MAX_LINE_BYTES).build();

    static final HttpMessageParserFactory<ClassicHttpResponse> FACTORY = new HttpMessageParserFactory<>() {
        @Override
        public HttpMessageParser<ClassicHttpResponse> create() {
            return new BoundedResponseParser();
        }

        @Override
        @Deprecated
        public HttpMessageParser<ClassicHttpResponse> create(Http1Config ignored) {
            return create();
        }
    };

    /** What was wrong with the server's answer, as a phrase that follows the reference in a message. */
    static final class BadResponse extends IOException {
        BadResponse(String phrase) {
            super(phrase, null);
        }
    }

    private BoundedResponseParser() {
        super(HTTP1);
    }

    @Override
    protected ClassicHttpResponse createMessage(CharArrayBuffer statusLine) throws IOException, HttpException {
        try {
            return super.createMessage(statusLine);
        } catch (HttpException e) {
            throw new BadResponse("did not answer HTTP");
        }
    }

    @Override
    public ClassicHttpResponse parse(SessionInputBuffer buffer, InputStream in) throws IOException, HttpException {
        Budget head = new Budget(buffer);
        ClassicHttpResponse response = super.parse(head, in);
        if (response != null && head.ended) {
            throw new BadResponse("closed the connection before its answer's headers were complete");
        }
        if (response != null && response.getCode() == 200) {
            checkFraming(response);
        }
        return response;
    }

    /** HttpCore would refuse these too, with words of its own; ours name the header. */
    private static void checkFraming(ClassicHttpResponse response) throws BadResponse {
        Header[] transfer = response.getHeaders(HttpHeaders.TRANSFER_ENCODING);
        if (transfer.length > 0) {
            String coding = join(transfer).trim().toLowerCase(Locale.ROOT);
            if (coding.equals("identity")) {
                response.removeHeaders(HttpHeaders.TRANSFER_ENCODING); // the obsolete way of saying none
            } else if (!coding.equals("chunked")) {
                throw new BadResponse("uses transfer encoding " + shorten(coding));
            }
            if (coding.equals("chunked")) {
                return; // the chunks frame the body; a Content-Length alongside is ignored
            }
        }
        Header[] length = response.getHeaders(HttpHeaders.CONTENT_LENGTH);
        if (length.length > 1) {
            throw new BadResponse("sent an invalid Content-Length");
        }
        if (length.length == 1) {
            String value = length[0].getValue() == null ? "" : length[0].getValue().trim();
            if (value.isEmpty() || value.length() > 18 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new BadResponse("sent an invalid Content-Length");
            }
        }
    }

    static String join(Header[] headers) {
        StringBuilder joined = new StringBuilder();
        for (Header header : headers) {
            if (joined.length() > 0) {
                joined.append(", ");
            }
            joined.append(header.getValue() == null ? "" : header.getValue());
        }
        return joined.toString();
    }

    static String shorten(String text) {
        return text.length() > 40 ? text.substring(0, 37) + "..." : text;
    }

    /**
     * The connection's input buffer, counting the head's bytes and noticing when the connection ends before the
     * blank line that ends the head (HttpCore takes that end for the blank line).
     */
    private static final class Budget implements SessionInputBuffer {
        private final SessionInputBuffer buffer;
        private int used;
        private boolean ended;

        Budget(SessionInputBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public int readLine(CharArrayBuffer line, InputStream in) throws IOException {
            int before = line.length();
            int read;
            try {
                read = buffer.readLine(line, in);
            } catch (MessageConstraintException e) {
                throw new BadResponse("sent a header line longer than " + MAX_LINE_BYTES / 1024 + " KB");
            }
            if (read < 0) {
                ended = true;
                return read;
            }
            used += line.length() - before + 2;
            if (used > MAX_HEAD_BYTES) {
                throw new BadResponse("sent more than " + MAX_HEAD_BYTES / 1024 + " KB of headers");
            }
            return read;
        }

        @Override
        public int length() {
            return buffer.length();
        }

        @Override
        public int capacity() {
            return buffer.capacity();
        }

        @Override
        public int available() {
            return buffer.available();
        }

        @Override
        public int read(byte[] b, int off, int len, InputStream in) throws IOException {
            return buffer.read(b, off, len, in);
        }

        @Override
        public int read(byte[] b, InputStream in) throws IOException {
            return buffer.read(b, in);
        }

        @Override
        public int read(InputStream in) throws IOException {
            return buffer.read(in);
        }

        @Override
        public HttpTransportMetrics getMetrics() {
            return buffer.getMetrics();
        }
    }
}
