package imagejobs.adapters.http;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

import org.apache.hc.client5.http.ClientProtocolException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.routing.DefaultRoutePlanner;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.MalformedChunkCodingException;
import org.apache.hc.core5.http.MessageConstraintException;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.TruncatedChunkException;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.util.Timeout;

import imagejobs.shared.image.ImageHeaders;
import imagejobs.shared.log.StructuredLog;
import imagejobs.adapters.net.NetworkFailures;
import imagejobs.shared.reference.AddressPolicy;
import imagejobs.shared.reference.ReferenceUri;
import imagejobs.shared.worker.Redact;
import imagejobs.shared.worker.ReferenceException;
import imagejobs.shared.worker.UrlFetcher.Fetched;

/**
 * Apache HttpClient 5 (classic) set up for {@link SafeUrlFetcher}'s rules, one GET at a time: names resolved only by
 * {@link VettingDnsResolver}, the head read by {@link BoundedResponseParser}, TLS checked against the URL's host
 * name, connect and read timeouts and the total deadline's abort; no cookies, authentication, proxy, retries,
 * redirects, content decoding, protocol upgrade or connection reuse (every GET has its own connection to an address
 * vetted for it, and hangs up after). What went wrong is said in the client's terms; the exception's type goes to the
 * log.
 *
 * <p>Apart from {@link SafeUrlFetcher}, which makes it on the first download, so that building the fetcher when a
 * worker container starts loads none of HttpClient (most jobs have no URL reference).
 */
final class VettedHttpClient {
    private static final StructuredLog LOG = StructuredLog.get(SafeUrlFetcher.class);
    private static final String ACCEPT = "image/png, image/jpeg, image/webp, image/heic, image/heif, image/gif";
    /** Set on a GET's context once its connection is open and the request is about to go. */
    private static final String SENT = "imagejobs.reference.sent";

    /** A redirect's Location, or the image. */
    record Answer(String redirect, Fetched fetched) {
    }

    private final SafeUrlFetcher.Limits limits;
    private final CloseableHttpClient client;

    VettedHttpClient(SafeUrlFetcher.Resolver resolver, SafeUrlFetcher.Dialler dialler, SSLContext tls,
                     AddressPolicy policy, SafeUrlFetcher.Limits limits) {
        this.limits = limits;
        SSLContext trust;
        try {
            trust = tls != null ? tls : SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no default TLS context", e);
        }
        // BUILTIN: the JDK checks the certificate against the host name HttpClient passes (the URL's), as browsers do.
        TlsSocketStrategy verified = new DefaultClientTlsStrategy(trust, HostnameVerificationPolicy.BUILTIN, null);
        TlsSocketStrategy marked = (socket, target, port, attachment, context) -> {
            try {
                // The name the certificate must carry and SNI names: the URL's, not HttpCore's Unicode spelling (JSSE
                // would turn that back too; this keeps it so whatever JSSE does).
                return verified.upgrade(socket, VettingDnsResolver.asWritten(target), port, attachment, context);
            } catch (IOException e) {
                throw new HandshakeFailed(e);
            }
        };
        Timeout connect = Timeout.of(limits.connectTimeout());
        Timeout read = Timeout.of(limits.readTimeout());
        client = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDnsResolver(new VettingDnsResolver(resolver, policy, dialler))
                        .setTlsSocketStrategy(marked)
                        .setConnectionFactory(ManagedHttpClientConnectionFactory.builder()
                                .http1Config(BoundedResponseParser.HTTP1)
                                .responseParserFactory(BoundedResponseParser.FACTORY)
                                .build())
                        .setDefaultSocketConfig(SocketConfig.custom().setSoTimeout(read).build())
                        .setDefaultConnectionConfig(ConnectionConfig.custom().setConnectTimeout(connect)
                                .setSocketTimeout(read).build())
                        .setDefaultTlsConfig(TlsConfig.custom().setHandshakeTimeout(connect).build())
                        // The worker runs up to 10 jobs at once; never a wait for a connection slot.
                        .setMaxConnTotal(64)
                        .setMaxConnPerRoute(32)
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(connect)
                        .setResponseTimeout(read)
                        .setRedirectsEnabled(false)
                        .setAuthenticationEnabled(false)
                        .setContentCompressionEnabled(false)
                        .setProtocolUpgradeEnabled(false)
                        .setExpectContinueEnabled(false)
                        .build())
                .setRoutePlanner(new DefaultRoutePlanner(null)) // no proxy, whatever the environment says
                .setConnectionReuseStrategy((request, response, context) -> false)
                .addRequestInterceptorLast((request, entity, context) -> context.setAttribute(SENT, Boolean.TRUE))
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableContentCompression()
                .disableConnectionState()
                .build();
    }

    /** A total deadline for one download, redirects included; closed when the download ends. */
    Deadline deadline() {
        return new Deadline(limits.totalTimeout());
    }

    /**
     * One GET of {@code uri}, a hop of the download of {@code shown}, and its answer: a redirect's Location (for the
     * fetcher to re-read and re-vet) or the image.
     */
    Answer get(ReferenceUri uri, String shown, Deadline deadline) throws ReferenceException {
        String hopShown = Redact.url(uri.toString());
        String subject = "reference " + shown + (hopShown.equals(shown) ? "" : " (via " + hopShown + ")");
        HttpGet get = new HttpGet("/");
        get.setPath(uri.requestTarget());
        // The Host header names the host as the URL wrote it (IPv6 in brackets), the port only when not the default.
        get.setHeader(HttpHeaders.HOST, uri.host() + (uri.hasExplicitPort() ? ":" + uri.port() : ""));
        get.setHeader(HttpHeaders.USER_AGENT, "imagejobs-worker");
        get.setHeader(HttpHeaders.ACCEPT, ACCEPT);
        get.setHeader(HttpHeaders.ACCEPT_ENCODING, "identity");
        get.setHeader(HttpHeaders.CONNECTION, "close");
        HttpHost target = new HttpHost(uri.scheme(), uri.bareHost(), uri.port());
        if (!VettingDnsResolver.asWritten(target.getHostName()).equals(uri.bareHost())) {
            // Never seen: it would mean the name looked up or shown to TLS is not the one submit checked.
            throw new ReferenceException(subject + " has a host name this service cannot look up as written");
        }
        HttpClientContext context = HttpClientContext.create();
        ClassicHttpResponse response = null;
        try {
            deadline.watch(get);
            response = client.executeOpen(target, get, context);
            return read(response, subject, deadline);
        } catch (IOException e) {
            throw new ReferenceException(subject + failure(e, uri, context, deadline));
        } finally {
            // Hang up rather than let HttpClient drain what is left of a body we stopped reading (it would, to reuse
            // the connection), then let go of the response.
            get.cancel();
            closeQuietly(response);
        }
    }

    private Answer read(ClassicHttpResponse response, String subject, Deadline deadline)
            throws IOException, ReferenceException {
        int code = response.getCode();
        if (code == 301 || code == 302 || code == 303 || code == 307 || code == 308) {
            String location = header(response, HttpHeaders.LOCATION);
            if (location == null || location.isBlank()) {
                throw new ReferenceException(subject + " redirects without a Location");
            }
            return new Answer(location.trim(), null);
        }
        if (code != 200) {
            throw new ReferenceException(subject + " answered HTTP " + code);
        }
        String encoding = Optional.ofNullable(header(response, HttpHeaders.CONTENT_ENCODING)).orElse("identity").trim()
                .toLowerCase(Locale.ROOT);
        if (!encoding.equals("identity")) {
            throw new ReferenceException(subject + " was sent " + BoundedResponseParser.shorten(encoding)
                    + "-encoded");
        }
        String declared = mediaType(header(response, HttpHeaders.CONTENT_TYPE));
        if (declared == null || !SafeUrlFetcher.ACCEPTED_TYPES.contains(declared)) {
            throw new ReferenceException(subject + " has content type "
                    + (declared == null ? "(none)" : BoundedResponseParser.shorten(declared))
                    + "; accepted: PNG, JPEG, WebP, HEIC/HEIF, GIF");
        }
        byte[] body = body(response.getEntity(), subject, deadline);
        Optional<String> sniffed = ImageHeaders.sniff(body);
        if (sniffed.isEmpty() || !SafeUrlFetcher.ACCEPTED_TYPES.contains(sniffed.get())) {
            throw new ReferenceException(subject + " says " + declared
                    + " but its content is not a PNG, JPEG, WebP, HEIC/HEIF or GIF image");
        }
        return new Answer(null, new Fetched(body, sniffed.get()));
    }

    /** The body, refused unread when its declared length is over the cap and counted as it streams otherwise. */
    private byte[] body(HttpEntity entity, String subject, Deadline deadline)
            throws IOException, ReferenceException {
        if (entity == null) {
            return new byte[0];
        }
        String tooLarge = subject + " is larger than " + limits.maxBytes() + " bytes";
        long length = entity.getContentLength();
        if (length > limits.maxBytes()) {
            throw new ReferenceException(tooLarge);
        }
        // Grown as bytes arrive, never sized by the declared length: a server that promises 7 MB and stalls holds none.
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        byte[] buffer = new byte[16 * 1024];
        try {
            // Not closed: closing drains the rest of the body; the exchange hangs up instead (see exchange).
            InputStream in = entity.getContent();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (out.size() + (long) n > limits.maxBytes()) {
                    throw new ReferenceException(tooLarge);
                }
                out.write(buffer, 0, n);
                if (deadline.expired()) {
                    throw new SocketTimeoutException("deadline");
                }
            }
        } catch (TruncatedChunkException e) {
            throw new BoundedResponseParser.BadResponse("ended before its declared length");
        } catch (MalformedChunkCodingException | MessageConstraintException e) {
            throw new BoundedResponseParser.BadResponse("sent a malformed chunked body");
        } catch (ConnectionClosedException e) {
            throw new BoundedResponseParser.BadResponse(length >= 0 ? "ended before its declared length"
                    : "closed the connection before its answer was complete");
        }
        return out.toByteArray();
    }

    /** What went wrong, after the reference: " refused the connection", ": host x does not resolve", … */
    private String failure(IOException e, ReferenceUri uri, HttpClientContext context, Deadline deadline) {
        if (deadline.expired()) {
            return " did not finish within " + span(limits.totalTimeout());
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof VettingDnsResolver.NonPublicAddress) {
                return " resolves to a non-public address; only public internet hosts can be fetched";
            }
            if (cause instanceof BoundedResponseParser.BadResponse) {
                return " " + cause.getMessage();
            }
            if (cause instanceof HandshakeFailed failed) {
                return handshakeFailure(failed.getCause());
            }
            if (cause instanceof UnknownHostException) {
                return ": host " + uri.bareHost() + " does not resolve";
            }
        }
        // The exception's type and text are the library's words; the client gets ours, the log keeps theirs.
        LOG.warn("reference download failed", "error_type", e.getClass().getName());
        if (!Boolean.TRUE.equals(context.getAttribute(SENT))) {
            if (e instanceof ConnectTimeoutException) {
                return " did not accept a connection within " + span(limits.connectTimeout());
            }
            return " " + NetworkFailures.describe(e, "");
        }
        if (e instanceof NoHttpResponseException) {
            return " closed the connection before its answer's headers were complete";
        }
        if (e instanceof MessageConstraintException) {
            return " sent a header line longer than " + BoundedResponseParser.MAX_LINE_BYTES / 1024 + " KB";
        }
        if (e instanceof SocketTimeoutException) {
            return " did not answer within " + span(limits.readTimeout());
        }
        if (e instanceof ClientProtocolException) {
            return " did not answer HTTP"; // a violation HttpCore caught that the parser above does not name
        }
        return " " + NetworkFailures.describe(e, "before its answer was complete");
    }

    private String handshakeFailure(Throwable cause) {
        if (cause instanceof SocketTimeoutException) {
            return " did not complete the TLS handshake within " + span(limits.connectTimeout());
        }
        LOG.warn("reference TLS handshake failed", "error_type", cause.getClass().getName());
        if (cause instanceof SSLException) {
            return " failed the TLS handshake (no valid certificate for its host, or no TLS at all)";
        }
        return " " + NetworkFailures.describe(cause instanceof IOException io ? io : new IOException(cause),
                "during the TLS handshake");
    }

    /** A failure inside the TLS handshake, told apart from one of the TCP connect before it. */
    private static final class HandshakeFailed extends IOException {
        HandshakeFailed(IOException cause) {
            super("TLS handshake failed", cause);
        }
    }

    /**
     * The whole download's time limit, redirects included: when it passes, the exchange under way is aborted (its
     * connection closed under it), whatever it is waiting for.
     */
    static final class Deadline implements AutoCloseable {
        private final long end;
        private final ScheduledFuture<?> timer;
        private volatile boolean expired;
        private volatile HttpGet current;

        private Deadline(Duration total) {
            end = System.nanoTime() + total.toNanos();
            timer = DeadlineTimer.schedule(this::expire, total);
        }

        private void expire() {
            expired = true;
            HttpGet request = current;
            if (request != null) {
                request.cancel();
            }
        }

        void watch(HttpGet request) throws SocketTimeoutException {
            current = request;
            if (expired()) {
                throw new SocketTimeoutException("deadline");
            }
        }

        boolean expired() {
            return expired || System.nanoTime() - end >= 0;
        }

        @Override
        public void close() {
            timer.cancel(false);
        }
    }

    /** Every value of the header, joined as one; null when absent. */
    private static String header(ClassicHttpResponse response, String name) {
        Header[] headers = response.getHeaders(name);
        return headers.length == 0 ? null : BoundedResponseParser.join(headers);
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

    private static void closeQuietly(Closeable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (IOException | RuntimeException ignored) {
            // the connection is already gone (aborted above)
        }
    }
}
