package imagejobs.adapters.http;

import java.io.Closeable;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.classic.methods.HttpPost;
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
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.io.DefaultHttpResponseParserFactory;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.util.Timeout;

import imagejobs.adapters.net.NetworkFailures;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.reference.AddressPolicy;
import imagejobs.shared.reference.ReferenceUri;
import imagejobs.shared.webhooks.DeliveryOutcome;
import imagejobs.shared.webhooks.WebhookSender;

/**
 * Sends webhook deliveries on Apache HttpClient 5 set up as the reference fetcher's client is: the only name
 * resolution is {@link VettingDnsResolver} (every answer must pass {@link AddressPolicy}, and the socket goes to the
 * vetted address itself, so a DNS answer that changes between the check and the connection never reaches a socket;
 * each delivery resolves afresh, so an answer that turns private later is refused then), TLS checked against the
 * URL's host name (also the SNI name), no proxy from the environment, no cookies, authentication, retries, protocol
 * upgrade, content decoding or connection reuse. What is ours:
 * <ul>
 * <li>the URL is read by {@link ReferenceUri}, the parser intake validated it with (https only, plain http where
 *     loopback is allowed);</li>
 * <li>redirects are never followed: a 3xx is a failed attempt, as Standard Webhooks advises;</li>
 * <li>one time limit for the whole exchange ({@link Limits#total()}, 10 s: a 2xx within it is success), enforced by
 *     aborting the exchange, whatever it waits for, so a slow or silent receiver cannot hold a delivery function;</li>
 * <li>the response body is never read (the status line and headers are all a delivery needs; the head is bounded by
 *     HttpCore's line and header-count limits) and nothing the receiver sends is logged.</li>
 * </ul>
 * The head is parsed by HttpCore's own parser rather than the fetcher's {@link BoundedResponseParser}, whose framing
 * checks are about reading an image body, which a delivery never does. Every receiver behaviour becomes a
 * {@link DeliveryOutcome} in the receiver's terms; exception types go to the log, never to the client.
 */
public final class SafeWebhookSender implements WebhookSender {
    private static final StructuredLog LOG = StructuredLog.get(SafeWebhookSender.class);
    private static final String USER_AGENT = "imagejobs-webhooks/1";
    /** Set on the context once the connection is open and the request is about to go. */
    private static final String SENT = "imagejobs.webhook.sent";
    static final int MAX_HEADER_LINE_BYTES = 8 * 1024;
    static final int MAX_HEADERS = 100;

    /** Connect (and TLS handshake) limit, and the limit for the whole exchange. */
    public record Limits(Duration connectTimeout, Duration total) {
        public static Limits standard() {
            return new Limits(Duration.ofSeconds(5), Duration.ofSeconds(10));
        }
    }

    private final boolean allowPlainHttp;
    private final Limits limits;
    private final Clock clock;
    private final CloseableHttpClient client;

    /**
     * @param tls            trust for https; {@code null}: the JDK's default trust store
     * @param allowPlainHttp also send to http:// URLs: the local stack and tests only (ALLOW_LOOPBACK_REFERENCES)
     */
    public SafeWebhookSender(SafeUrlFetcher.Resolver resolver, SafeUrlFetcher.Dialler dialler, SSLContext tls,
                             AddressPolicy policy, boolean allowPlainHttp, Limits limits, Clock clock) {
        this.allowPlainHttp = allowPlainHttp;
        this.limits = limits;
        this.clock = clock;
        SSLContext trust;
        try {
            trust = tls != null ? tls : SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no default TLS context", e);
        }
        TlsSocketStrategy verified = new DefaultClientTlsStrategy(trust, HostnameVerificationPolicy.BUILTIN, null);
        TlsSocketStrategy marked = (socket, target, port, attachment, context) -> {
            try {
                // The certificate's and SNI's name: the URL's, as the fetcher does (HttpCore may spell it in Unicode).
                return verified.upgrade(socket, VettingDnsResolver.asWritten(target), port, attachment, context);
            } catch (IOException e) {
                throw new HandshakeFailed(e);
            }
        };
        Timeout connect = Timeout.of(limits.connectTimeout());
        Timeout total = Timeout.of(limits.total());
        Http1Config http1 = Http1Config.custom().setMaxLineLength(MAX_HEADER_LINE_BYTES)
                .setMaxHeaderCount(MAX_HEADERS).setMaxEmptyLineCount(1).build();
        client = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDnsResolver(new VettingDnsResolver(resolver, policy, dialler))
                        .setTlsSocketStrategy(marked)
                        .setConnectionFactory(ManagedHttpClientConnectionFactory.builder()
                                .http1Config(http1)
                                .responseParserFactory(new DefaultHttpResponseParserFactory(http1))
                                .build())
                        .setDefaultSocketConfig(SocketConfig.custom().setSoTimeout(total).build())
                        .setDefaultConnectionConfig(ConnectionConfig.custom().setConnectTimeout(connect)
                                .setSocketTimeout(total).build())
                        .setDefaultTlsConfig(TlsConfig.custom().setHandshakeTimeout(connect).build())
                        // A delivery function sends one batch of up to 10 at a time: never a wait for a slot.
                        .setMaxConnTotal(64)
                        .setMaxConnPerRoute(32)
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(connect)
                        .setResponseTimeout(total)
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

    /** The production sender; {@code allowLoopback} (ALLOW_LOOPBACK_REFERENCES) also admits plain http. */
    public static SafeWebhookSender standard(boolean allowLoopback) {
        return new SafeWebhookSender(SafeUrlFetcher.Resolver.system(), SafeUrlFetcher.Dialler.direct(), null,
                new AddressPolicy(allowLoopback), allowLoopback, Limits.standard(), Clock.systemUTC());
    }

    @Override
    public DeliveryOutcome send(String url, Map<String, String> headers, byte[] body) {
        ReferenceUri uri;
        try {
            uri = ReferenceUri.parse(url);
        } catch (ReferenceUri.Invalid e) {
            return DeliveryOutcome.refused("the webhook URL " + e.getMessage());
        }
        if (uri.kind() != ReferenceUri.Kind.WEB || !(uri.scheme().equals("https") || allowPlainHttp)) {
            return DeliveryOutcome.refused("the webhook URL is not an https:// URL");
        }
        HttpPost post = new HttpPost("/");
        post.setPath(uri.requestTarget());
        post.setHeader(HttpHeaders.HOST, uri.host() + (uri.hasExplicitPort() ? ":" + uri.port() : ""));
        post.setHeader(HttpHeaders.USER_AGENT, USER_AGENT);
        post.setHeader(HttpHeaders.ACCEPT_ENCODING, "identity");
        post.setHeader(HttpHeaders.CONNECTION, "close");
        headers.forEach(post::setHeader);
        post.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
        HttpHost target = new HttpHost(uri.scheme(), uri.bareHost(), uri.port());
        if (!VettingDnsResolver.asWritten(target.getHostName()).equals(uri.bareHost())) {
            return DeliveryOutcome.refused("the webhook URL has a host name this service cannot look up as written");
        }
        HttpClientContext context = HttpClientContext.create();
        ClassicHttpResponse response = null;
        Deadline deadline = new Deadline(post, limits.total());
        try {
            response = client.executeOpen(target, post, context);
            return answered(response);
        } catch (IOException e) {
            return failure(e, uri, context, deadline);
        } finally {
            deadline.close();
            // Hang up rather than read or drain the body: it is never needed, and a receiver may send anything.
            post.cancel();
            closeQuietly(response);
        }
    }

    private DeliveryOutcome answered(ClassicHttpResponse response) {
        int code = response.getCode();
        if (code >= 200 && code < 300) {
            return DeliveryOutcome.delivered(code);
        }
        Duration retryAfter = code == 429 || code == 503 ? retryAfter(response) : null;
        if (code >= 300 && code < 400) {
            return DeliveryOutcome.failed(code, "answered HTTP " + code + " (a redirect, which is not followed: set"
                    + " the webhook to the final URL)", null);
        }
        return DeliveryOutcome.failed(code, "answered HTTP " + code, retryAfter);
    }

    private DeliveryOutcome failure(IOException e, ReferenceUri uri, HttpClientContext context, Deadline deadline) {
        if (deadline.expired()) {
            return DeliveryOutcome.failed(0, "did not answer within " + span(limits.total()), null);
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof VettingDnsResolver.NonPublicAddress) {
                return DeliveryOutcome.refused("the webhook host resolves to a non-public address; webhooks are sent"
                        + " to public internet hosts only");
            }
            if (cause instanceof HandshakeFailed failed) {
                return DeliveryOutcome.failed(0, handshakeFailure(failed.getCause()), null);
            }
            if (cause instanceof UnknownHostException) {
                return DeliveryOutcome.failed(0, "host " + uri.bareHost() + " does not resolve", null);
            }
        }
        LOG.warn("webhook delivery failed", "error_type", e.getClass().getName());
        if (!Boolean.TRUE.equals(context.getAttribute(SENT))) {
            if (e instanceof ConnectTimeoutException) {
                return DeliveryOutcome.failed(0, "did not accept a connection within " + span(limits.connectTimeout()),
                        null);
            }
            return DeliveryOutcome.failed(0, NetworkFailures.describe(e, ""), null);
        }
        if (e instanceof SocketTimeoutException) {
            return DeliveryOutcome.failed(0, "did not answer within " + span(limits.total()), null);
        }
        return DeliveryOutcome.failed(0, NetworkFailures.describe(e, "before answering"), null);
    }

    private String handshakeFailure(Throwable cause) {
        if (cause instanceof SocketTimeoutException) {
            return "did not complete the TLS handshake within " + span(limits.connectTimeout());
        }
        LOG.warn("webhook TLS handshake failed", "error_type", cause.getClass().getName());
        if (cause instanceof SSLException) {
            return "failed the TLS handshake (no valid certificate for its host, or no TLS at all)";
        }
        return NetworkFailures.describe(cause instanceof IOException io ? io : new IOException(cause),
                "during the TLS handshake");
    }

    /** {@code Retry-After} in seconds or as an HTTP date; null when absent or unreadable. */
    private Duration retryAfter(ClassicHttpResponse response) {
        Header header = response.getFirstHeader(HttpHeaders.RETRY_AFTER);
        if (header == null || header.getValue() == null) {
            return null;
        }
        String value = header.getValue().trim();
        if (!value.isEmpty() && value.length() <= 10 && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Duration.ofSeconds(Long.parseLong(value));
        }
        try {
            Duration until = Duration.between(clock.instant(),
                    ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            return until.isNegative() ? Duration.ZERO : until;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** A failure inside the TLS handshake, told apart from one of the TCP connect before it. */
    private static final class HandshakeFailed extends IOException {
        HandshakeFailed(IOException cause) {
            super("TLS handshake failed", cause);
        }
    }

    /** The exchange's one time limit: when it passes, the exchange is aborted, whatever it is waiting for. */
    private static final class Deadline implements AutoCloseable {
        private final ScheduledFuture<?> timer;
        private volatile boolean expired;

        Deadline(HttpPost post, Duration total) {
            timer = DeadlineTimer.schedule(() -> {
                expired = true;
                post.cancel();
            }, total);
        }

        boolean expired() {
            return expired;
        }

        @Override
        public void close() {
            timer.cancel(false);
        }
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
            // the connection is already gone (cancelled above)
        }
    }
}
