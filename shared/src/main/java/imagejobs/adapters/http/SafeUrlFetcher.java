package imagejobs.adapters.http;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

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
import imagejobs.shared.net.NetworkFailures;
import imagejobs.shared.reference.AddressPolicy;
import imagejobs.shared.reference.ReferenceUri;
import imagejobs.shared.worker.Redact;
import imagejobs.shared.worker.ReferenceException;
import imagejobs.shared.worker.UrlFetcher;

/**
 * Downloads an image reference without letting a URL reach our own network (SSRF), on Apache HttpClient 5 (classic).
 * The protocol is the library's; the rules are ours, applied to every hop, the first and each redirect alike:
 * <ul>
 * <li>the URL is read by {@link ReferenceUri}, the parser submit validated it with: https only (http too where
 *     loopback references are allowed), no credentials, never a Files API URI, so the host resolved and the port
 *     dialled are the ones submit checked;</li>
 * <li>the client's only name resolution is {@link VettingDnsResolver}: one look-up per connection, the host refused
 *     when any answer is not public ({@link AddressPolicy}), and the socket opened to the vetted address itself (no
 *     second resolution, so no DNS rebinding); TLS checks the certificate against the host name, which is also the
 *     SNI name;</li>
 * <li>redirects are never followed by the client: each one is re-read and re-vetted here, at most 3;</li>
 * <li>at most 7 MB: a larger Content-Length is refused unread, and a body is counted as it streams; connect (5 s),
 *     per-read (10 s) and total (30 s, a scheduled abort of the exchange, so a server dripping bytes cannot hold a
 *     worker) timeouts;</li>
 * <li>both the Content-Type and the magic number must be an accepted image type, with no content coding.</li>
 * </ul>
 * No cookies, no authentication, no proxy from the environment, no automatic retries, no protocol upgrade, and no
 * connection reuse: every exchange opens its own connection to an address vetted for it, and hangs up after.
 *
 * <p>Failures are said in the client's terms (refused, reset, timed out, TLS handshake failed); the exception's type
 * goes to the log.
 */
public final class SafeUrlFetcher implements UrlFetcher {
    private static final StructuredLog LOG = StructuredLog.get(SafeUrlFetcher.class);
    public static final int MAX_REDIRECTS = 3;
    public static final long MAX_BYTES = 7L * 1024 * 1024;
    public static final Set<String> ACCEPTED_TYPES = Set.of("image/png", "image/jpeg", "image/webp", "image/heic",
            "image/heif", "image/gif");
    private static final String ACCEPT = "image/png, image/jpeg, image/webp, image/heic, image/heif, image/gif";
    /** Set on an exchange's context once its connection is open and the request is about to go. */
    private static final String SENT = "imagejobs.reference.sent";

    /** Host name → addresses. Production uses the system resolver; tests inject names that do not exist. */
    @FunctionalInterface
    public interface Resolver {
        List<InetAddress> resolve(String host) throws UnknownHostException;

        static Resolver system() {
            return host -> Arrays.asList(InetAddress.getAllByName(host));
        }
    }

    /**
     * Where a connection to an address that passed the policy is opened: that address itself in production. Tests
     * route their public test addresses to a server on 127.0.0.1 (and record what was dialled). Applied after the
     * policy, to vetted addresses only, so it can never let an address through.
     */
    @FunctionalInterface
    public interface Dialler {
        InetSocketAddress target(InetSocketAddress vetted);

        static Dialler direct() {
            return vetted -> vetted;
        }
    }

    public record Limits(int maxRedirects, long maxBytes, Duration connectTimeout, Duration readTimeout,
                         Duration totalTimeout) {
        public static Limits standard() {
            return new Limits(MAX_REDIRECTS, MAX_BYTES, Duration.ofSeconds(5), Duration.ofSeconds(10),
                    Duration.ofSeconds(30));
        }
    }

    /** One thread for every fetcher's total deadlines, started on the first fetch and gone when idle. */
    private static final ScheduledThreadPoolExecutor DEADLINES = deadlineTimer();

    private final Resolver resolver;
    private final Dialler dialler;
    private final SSLContext tls;
    private final AddressPolicy policy;
    private final boolean allowPlainHttp;
    private final Limits limits;
    private volatile CloseableHttpClient client;

    /**
     * @param tls            trust for https; {@code null}: the JDK's default trust store
     * @param allowPlainHttp also fetch http:// URLs: for the local stack and tests, which have no TLS; never in AWS
     */
    public SafeUrlFetcher(Resolver resolver, Dialler dialler, SSLContext tls, AddressPolicy policy,
                          boolean allowPlainHttp, Limits limits) {
        this.resolver = resolver;
        this.dialler = dialler;
        this.tls = tls;
        this.policy = policy;
        this.allowPlainHttp = allowPlainHttp;
        this.limits = limits;
    }

    /** The production fetcher; {@code allowLoopback} (ALLOW_LOOPBACK_REFERENCES) also admits plain http. */
    public static SafeUrlFetcher standard(boolean allowLoopback) {
        return new SafeUrlFetcher(Resolver.system(), Dialler.direct(), null, new AddressPolicy(allowLoopback),
                allowLoopback, Limits.standard());
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
        ReferenceUri current = parse(url, shown, null);
        try (TotalDeadline deadline = new TotalDeadline(limits.totalTimeout())) {
            for (int hop = 0; ; hop++) {
                Response response = exchange(current, shown, deadline);
                if (response.redirect() == null) {
                    return response.fetched();
                }
                if (hop >= limits.maxRedirects()) {
                    throw new ReferenceException("reference " + shown + " redirects more than "
                            + limits.maxRedirects() + " times");
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

    /** One request and its answer: a redirect's Location, or the image. */
    private Response exchange(ReferenceUri uri, String shown, TotalDeadline deadline) throws ReferenceException {
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
            response = client().executeOpen(target, get, context);
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

    private Response read(ClassicHttpResponse response, String subject, TotalDeadline deadline)
            throws IOException, ReferenceException {
        int code = response.getCode();
        if (code == 301 || code == 302 || code == 303 || code == 307 || code == 308) {
            String location = header(response, HttpHeaders.LOCATION);
            if (location == null || location.isBlank()) {
                throw new ReferenceException(subject + " redirects without a Location");
            }
            return new Response(location.trim(), null);
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
        if (declared == null || !ACCEPTED_TYPES.contains(declared)) {
            throw new ReferenceException(subject + " has content type "
                    + (declared == null ? "(none)" : BoundedResponseParser.shorten(declared))
                    + "; accepted: PNG, JPEG, WebP, HEIC/HEIF, GIF");
        }
        byte[] body = body(response.getEntity(), subject, deadline);
        Optional<String> sniffed = ImageHeaders.sniff(body);
        if (sniffed.isEmpty() || !ACCEPTED_TYPES.contains(sniffed.get())) {
            throw new ReferenceException(subject + " says " + declared
                    + " but its content is not a PNG, JPEG, WebP, HEIC/HEIF or GIF image");
        }
        return new Response(null, new Fetched(body, sniffed.get()));
    }

    /** The body, refused unread when its declared length is over the cap and counted as it streams otherwise. */
    private byte[] body(HttpEntity entity, String subject, TotalDeadline deadline)
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
    private String failure(IOException e, ReferenceUri uri, HttpClientContext context, TotalDeadline deadline) {
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

    /**
     * Built on the first download, once per container: most jobs have no URL reference, and the client's classes
     * and the JDK's trust store cost a cold start a few hundred milliseconds.
     */
    private CloseableHttpClient client() throws IOException {
        CloseableHttpClient built = client;
        if (built == null) {
            synchronized (this) {
                built = client;
                if (built == null) {
                    built = build();
                    client = built;
                }
            }
        }
        return built;
    }

    private CloseableHttpClient build() throws IOException {
        SSLContext trust;
        try {
            trust = tls != null ? tls : SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IOException("no TLS available", e);
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
        return HttpClients.custom()
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
    private static final class TotalDeadline implements AutoCloseable {
        private final long end;
        private final ScheduledFuture<?> timer;
        private volatile boolean expired;
        private volatile HttpGet current;

        TotalDeadline(Duration total) {
            end = System.nanoTime() + total.toNanos();
            timer = DEADLINES.schedule(this::expire, total.toNanos(), TimeUnit.NANOSECONDS);
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

    private static ScheduledThreadPoolExecutor deadlineTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "reference-deadline");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        timer.setKeepAliveTime(10, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true);
        return timer;
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
