package imagejobs.shared.worker;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

import imagejobs.shared.image.ImageHeaders;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.net.NetworkFailures;
import imagejobs.shared.reference.AddressPolicy;
import imagejobs.shared.reference.ReferenceUri;

/**
 * Downloads an image reference without letting a URL reach our own network (SSRF). For every hop, the first and
 * each redirect alike: resolve the host, refuse the URL when any of its addresses is not public
 * ({@link AddressPolicy}), then connect to the vetted address itself. The socket is pinned to that address (TLS
 * still checks the certificate against the host name), so a DNS answer that changes between the check and the
 * connection (rebinding) cannot redirect us. At most 3 redirects, 7 MB streamed with a running count, connect,
 * read and total timeouts, and both the Content-Type and the magic number must be an accepted image type.
 *
 * <p>URLs, the first and every redirect's, are read by {@link ReferenceUri}, the parser submit validated the reference
 * with, so the host resolved and the port dialled are the ones submit checked. Failures are said in the client's
 * terms (refused, reset, timed out, TLS handshake failed); the exception's type goes to the log.
 *
 * <p>A small HTTP/1.1 client of its own, because java.net.http and HttpURLConnection resolve names themselves
 * and offer no way to connect to an address we chose.
 */
public final class SafeUrlFetcher implements UrlFetcher {
    private static final StructuredLog LOG = StructuredLog.get(SafeUrlFetcher.class);
    public static final int MAX_REDIRECTS = 3;
    public static final long MAX_BYTES = 7L * 1024 * 1024;
    public static final Set<String> ACCEPTED_TYPES = Set.of("image/png", "image/jpeg", "image/webp", "image/heic",
            "image/heif", "image/gif");
    private static final int MAX_HEADER_BYTES = 32 * 1024;

    /** Host name → addresses. Production uses the system resolver; tests inject names that do not exist. */
    @FunctionalInterface
    public interface Resolver {
        List<InetAddress> resolve(String host) throws UnknownHostException;

        static Resolver system() {
            return host -> Arrays.asList(InetAddress.getAllByName(host));
        }
    }

    /** Opens a TCP connection to an address that already passed the policy. Tests map it onto a local server. */
    @FunctionalInterface
    public interface Connector {
        Socket connect(InetSocketAddress vetted, int timeoutMillis) throws IOException;

        static Connector direct() {
            return (address, timeout) -> {
                Socket socket = new Socket();
                try {
                    socket.connect(address, timeout);
                    return socket;
                } catch (IOException e) {
                    socket.close();
                    throw e;
                }
            };
        }
    }

    public record Limits(int maxRedirects, long maxBytes, Duration connectTimeout, Duration readTimeout,
                         Duration totalTimeout) {
        public static Limits standard() {
            return new Limits(MAX_REDIRECTS, MAX_BYTES, Duration.ofSeconds(5), Duration.ofSeconds(10),
                    Duration.ofSeconds(30));
        }
    }

    private final Resolver resolver;
    private final Connector connector;
    private final SSLSocketFactory tls;
    private final AddressPolicy policy;
    private final boolean allowPlainHttp;
    private final Limits limits;

    /**
     * @param allowPlainHttp also fetch http:// URLs: for the local stack and tests, which have no TLS; never in AWS
     */
    public SafeUrlFetcher(Resolver resolver, Connector connector, SSLSocketFactory tls, AddressPolicy policy,
                          boolean allowPlainHttp, Limits limits) {
        this.resolver = resolver;
        this.connector = connector;
        this.tls = tls;
        this.policy = policy;
        this.allowPlainHttp = allowPlainHttp;
        this.limits = limits;
    }

    /** The production fetcher; {@code allowLoopback} (ALLOW_LOOPBACK_REFERENCES) also admits plain http. */
    public static SafeUrlFetcher standard(boolean allowLoopback) {
        return new SafeUrlFetcher(Resolver.system(), Connector.direct(),
                (SSLSocketFactory) SSLSocketFactory.getDefault(), new AddressPolicy(allowLoopback), allowLoopback,
                Limits.standard());
    }

    @Override
    public boolean accepts(String url) {
        try {
            return accepted(ReferenceUri.parse(url));
        } catch (ReferenceUri.Invalid e) {
            return false;
        }
    }

    private boolean accepted(ReferenceUri ref) {
        return ref.kind() == ReferenceUri.Kind.WEB && (ref.scheme().equals("https") || allowPlainHttp);
    }

    @Override
    public Fetched fetch(String url) throws ReferenceException {
        String shown = Redact.url(url);
        long deadline = System.nanoTime() + limits.totalTimeout().toNanos();
        ReferenceUri current = parse(url, shown, null);
        for (int hop = 0; ; hop++) {
            Response response = exchange(current, shown, deadline);
            if (response.redirect() == null) {
                return response.fetched();
            }
            if (hop >= limits.maxRedirects()) {
                throw new ReferenceException("reference " + shown + " redirects more than " + limits.maxRedirects()
                        + " times");
            }
            String next;
            try {
                // java.net.URI only joins a relative Location to the current URL; ReferenceUri reads the result.
                next = new URI(current.toString()).resolve(new URI(response.redirect())).toString();
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new ReferenceException("reference " + shown + " redirects to an invalid URL");
            }
            current = parse(next, shown, Redact.url(next));
        }
    }

    /**
     * The URL as {@link ReferenceUri} reads it, submit's parser: a web URL (https, or http where allowed), no
     * credentials, a host that is a name or an address, never a Files API URI or an S3 object.
     */
    private ReferenceUri parse(String url, String shown, String redirect) throws ReferenceException {
        String via = redirect == null ? "" : " (a redirect to " + redirect + ")";
        int colon = url.indexOf(':');
        String scheme = colon > 0 ? url.substring(0, colon).toLowerCase(Locale.ROOT) : "";
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw new ReferenceException("reference " + shown + " must be an https:// URL" + (redirect == null ? ""
                    : " (a redirect led to " + (scheme.isEmpty() || scheme.length() > 20 ? "a non-URL"
                    : scheme + "://") + ")"));
        }
        ReferenceUri ref;
        try {
            ref = ReferenceUri.parse(url);
        } catch (ReferenceUri.Invalid e) {
            throw new ReferenceException("reference " + shown + via + " " + e.getMessage());
        }
        if (ref.kind() == ReferenceUri.Kind.FILES_API) {
            throw new ReferenceException("reference " + shown + via + " is a Gemini Files API URI, which is passed to"
                    + " Gemini, never downloaded");
        }
        if (!accepted(ref)) {
            throw new ReferenceException("reference " + shown + " must be an https:// URL"
                    + (redirect == null ? "" : " (a redirect led to " + ref.scheme() + "://)"));
        }
        return ref;
    }

    private record Response(String redirect, Fetched fetched) {
    }

    private Response exchange(ReferenceUri uri, String shown, long deadline) throws ReferenceException {
        boolean https = uri.scheme().equals("https");
        String bareHost = uri.bareHost();
        int port = uri.port();
        String hopShown = Redact.url(uri.toString());
        String via = hopShown.equals(shown) ? "" : " (via " + hopShown + ")";

        List<InetAddress> addresses = resolve(bareHost, shown, via);
        for (InetAddress address : addresses) {
            if (!policy.allowed(address)) {
                throw new ReferenceException("reference " + shown + via + " resolves to a non-public address;"
                        + " only public internet hosts can be fetched");
            }
        }
        Socket socket = connect(addresses, port, shown, via, deadline);
        String step = https ? "during the TLS handshake" : "before answering";
        try (socket) {
            Socket stream = socket;
            if (https) {
                stream = handshake(socket, bareHost, port, shown, via);
            }
            step = "before its answer was complete";
            stream.setSoTimeout(readTimeout(deadline));
            OutputStream out = stream.getOutputStream();
            String request = "GET " + uri.requestTarget() + " HTTP/1.1\r\n"
                    + "Host: " + uri.host() + (uri.hasExplicitPort() ? ":" + port : "") + "\r\n"
                    + "User-Agent: imagejobs-worker\r\n"
                    + "Accept: image/png, image/jpeg, image/webp, image/heic, image/heif, image/gif\r\n"
                    + "Accept-Encoding: identity\r\n"
                    + "Connection: close\r\n\r\n";
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = new BufferedInputStream(new DeadlineInputStream(stream.getInputStream(), stream,
                    deadline, limits.readTimeout()));
            return read(in, shown, via);
        } catch (TooLarge e) {
            throw new ReferenceException(e.getMessage());
        } catch (SocketTimeoutException e) {
            throw new ReferenceException("reference " + shown + via + " " + (remainingMillis(deadline) <= 0
                    ? "did not finish within " + span(limits.totalTimeout())
                    : step.startsWith("during") ? "did not complete the TLS handshake within "
                    + span(limits.connectTimeout()) : "did not answer within " + span(limits.readTimeout())));
        } catch (SSLException e) {
            LOG.warn("reference TLS handshake failed", "error_type", e.getClass().getName());
            throw new ReferenceException("reference " + shown + via + " failed the TLS handshake (no valid"
                    + " certificate for its host, or no TLS at all)");
        } catch (BadResponse e) {
            throw new ReferenceException("reference " + shown + via + " " + e.getMessage());
        } catch (IOException e) {
            // The exception's type and text are the JDK's words; the client gets ours, the log keeps theirs.
            LOG.warn("reference download failed", "error_type", e.getClass().getName());
            throw new ReferenceException("reference " + shown + via + " " + NetworkFailures.describe(e, step));
        }
    }

    private List<InetAddress> resolve(String host, String shown, String via) throws ReferenceException {
        try {
            List<InetAddress> addresses = resolver.resolve(host);
            if (addresses == null || addresses.isEmpty()) {
                throw new UnknownHostException(host);
            }
            return addresses;
        } catch (UnknownHostException e) {
            throw new ReferenceException("reference " + shown + via + ": host " + host + " does not resolve");
        }
    }

    private Socket connect(List<InetAddress> addresses, int port, String shown, String via, long deadline)
            throws ReferenceException {
        IOException last = null;
        for (InetAddress address : addresses) {
            long left = remainingMillis(deadline);
            if (left <= 0) {
                break;
            }
            try {
                return connector.connect(new InetSocketAddress(address, port),
                        (int) Math.min(left, limits.connectTimeout().toMillis()));
            } catch (SocketTimeoutException e) {
                last = e;
            } catch (IOException e) {
                last = e; // try the host's next address
            }
        }
        if (last != null) {
            LOG.warn("reference connection failed", "error_type", last.getClass().getName());
        }
        throw new ReferenceException("reference " + shown + via + (last instanceof SocketTimeoutException
                ? " did not accept a connection within " + span(limits.connectTimeout())
                : last == null ? " could not be reached in time" : " " + NetworkFailures.describe(last, "")));
    }

    private SSLSocket handshake(Socket socket, String host, int port, String shown, String via) throws IOException {
        SSLSocket ssl = (SSLSocket) tls.createSocket(socket, host, port, true);
        SSLParameters parameters = ssl.getSSLParameters();
        // The socket was opened to an address, so name the host for the certificate check and for SNI ourselves.
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        if (!isIpLiteral(host)) {
            parameters.setServerNames(List.of(new SNIHostName(host)));
        }
        ssl.setSSLParameters(parameters);
        ssl.setSoTimeout(limits.connectTimeout().toMillis() > Integer.MAX_VALUE ? Integer.MAX_VALUE
                : (int) limits.connectTimeout().toMillis());
        ssl.startHandshake();
        return ssl;
    }

    private Response read(InputStream in, String shown, String via) throws IOException, ReferenceException {
        String statusLine = line(in);
        String[] status = statusLine.split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
            throw new ReferenceException("reference " + shown + via + " did not answer HTTP");
        }
        int code;
        try {
            code = Integer.parseInt(status[1]);
        } catch (NumberFormatException e) {
            throw new ReferenceException("reference " + shown + via + " did not answer HTTP");
        }
        Map<String, String> headers = headers(in);
        if (code == 301 || code == 302 || code == 303 || code == 307 || code == 308) {
            String location = headers.get("location");
            if (location == null || location.isBlank()) {
                throw new ReferenceException("reference " + shown + via + " redirects without a Location");
            }
            return new Response(location.trim(), null);
        }
        if (code != 200) {
            throw new ReferenceException("reference " + shown + via + " answered HTTP " + code);
        }
        String encoding = headers.getOrDefault("content-encoding", "identity").trim().toLowerCase(Locale.ROOT);
        if (!encoding.equals("identity")) {
            throw new ReferenceException("reference " + shown + via + " was sent " + encoding + "-encoded");
        }
        String declared = mediaType(headers.get("content-type"));
        if (declared == null || !ACCEPTED_TYPES.contains(declared)) {
            throw new ReferenceException("reference " + shown + via + " has content type "
                    + (declared == null ? "(none)" : declared) + "; accepted: PNG, JPEG, WebP, HEIC/HEIF, GIF");
        }
        byte[] body = body(in, headers, shown, via);
        Optional<String> sniffed = ImageHeaders.sniff(body);
        if (sniffed.isEmpty() || !ACCEPTED_TYPES.contains(sniffed.get())) {
            throw new ReferenceException("reference " + shown + via + " says " + declared
                    + " but its content is not a PNG, JPEG, WebP, HEIC/HEIF or GIF image");
        }
        return new Response(null, new Fetched(body, sniffed.get()));
    }

    private byte[] body(InputStream in, Map<String, String> headers, String shown, String via)
            throws IOException, ReferenceException {
        String tooLarge = "reference " + shown + via + " is larger than " + limits.maxBytes() + " bytes";
        String transfer = headers.getOrDefault("transfer-encoding", "").trim().toLowerCase(Locale.ROOT);
        CappedBuffer out = new CappedBuffer(limits.maxBytes(), tooLarge);
        if (transfer.equals("chunked")) {
            while (true) {
                String sizeLine = line(in);
                int semicolon = sizeLine.indexOf(';');
                long size;
                try {
                    size = Long.parseLong((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
                } catch (NumberFormatException e) {
                    throw new ReferenceException("reference " + shown + via + " sent a malformed chunked body");
                }
                if (size == 0) {
                    headers(in); // trailers
                    return out.toByteArray();
                }
                copy(in, out, size, shown, via);
                line(in);
            }
        }
        if (!transfer.isEmpty() && !transfer.equals("identity")) {
            throw new ReferenceException("reference " + shown + via + " uses transfer encoding " + transfer);
        }
        String length = headers.get("content-length");
        if (length != null) {
            long size;
            try {
                size = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw new ReferenceException("reference " + shown + via + " sent an invalid Content-Length");
            }
            if (size > limits.maxBytes()) {
                throw new ReferenceException(tooLarge);
            }
            copy(in, out, size, shown, via);
            return out.toByteArray();
        }
        byte[] buffer = new byte[16 * 1024];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private static void copy(InputStream in, CappedBuffer out, long size, String shown, String via)
            throws IOException, ReferenceException {
        byte[] buffer = new byte[16 * 1024];
        long left = size;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new ReferenceException("reference " + shown + via + " ended before its declared length");
            }
            out.write(buffer, 0, n);
            left -= n;
        }
    }

    /** Counts as it goes, so an endless body stops at the cap, not at the heap's end. */
    private static final class CappedBuffer extends ByteArrayOutputStream {
        private final long max;
        private final String message;

        CappedBuffer(long max, String message) {
            super(64 * 1024);
            this.max = max;
            this.message = message;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (count + (long) len > max) {
                throw new TooLarge(message);
            }
            super.write(b, off, len);
        }
    }

    /** The server's answer is not HTTP we can read; the message is the client's (after the reference). */
    private static final class BadResponse extends IOException {
        BadResponse(String message) {
            super(message);
        }
    }

    private static final class TooLarge extends RuntimeException {
        TooLarge(String message) {
            super(message, null, false, false);
        }
    }

    private static Map<String, String> headers(InputStream in) throws IOException {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        int total = 0;
        while (true) {
            String line = line(in);
            if (line.isEmpty()) {
                return headers;
            }
            total += line.length();
            if (total > MAX_HEADER_BYTES) {
                throw new BadResponse("sent more than " + MAX_HEADER_BYTES / 1024 + " KB of headers");
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = line.substring(colon + 1).trim();
                headers.merge(name, value, (a, b) -> a + ", " + b);
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            if (line.size() >= 8192) {
                throw new BadResponse("sent a header line longer than 8 KB");
            }
            line.write(c);
        }
        throw new BadResponse("closed the connection before its answer's headers were complete");
    }

    private static String mediaType(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim()
                .toLowerCase(Locale.ROOT);
        return type.equals("image/jpg") || type.equals("image/pjpeg") ? "image/jpeg" : type;
    }

    /** "10 s", or "300 ms" below a second. */
    private static String span(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    private int readTimeout(long deadline) throws SocketTimeoutException {
        long left = remainingMillis(deadline);
        if (left <= 0) {
            throw new SocketTimeoutException("deadline");
        }
        return (int) Math.min(left, limits.readTimeout().toMillis());
    }

    private static long remainingMillis(long deadline) {
        return (deadline - System.nanoTime()) / 1_000_000;
    }

    /** Shrinks the socket's read timeout as the total deadline approaches, so a trickling server cannot hold us. */
    private static final class DeadlineInputStream extends InputStream {
        private final InputStream in;
        private final Socket socket;
        private final long deadline;
        private final Duration readTimeout;

        DeadlineInputStream(InputStream in, Socket socket, long deadline, Duration readTimeout) {
            this.in = in;
            this.socket = socket;
            this.deadline = deadline;
            this.readTimeout = readTimeout;
        }

        private void arm() throws IOException {
            long left = remainingMillis(deadline);
            if (left <= 0) {
                throw new SocketTimeoutException("deadline");
            }
            socket.setSoTimeout((int) Math.min(left, readTimeout.toMillis()));
        }

        @Override
        public int read() throws IOException {
            arm();
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            arm();
            return in.read(b, off, len);
        }
    }
}
