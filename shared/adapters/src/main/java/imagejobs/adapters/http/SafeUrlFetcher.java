package imagejobs.adapters.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import javax.net.ssl.SSLContext;

import imagejobs.shared.catalog.ModelSpec;
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
 * HttpClient itself is behind {@link VettedHttpClient}, made on the first download.
 *
 * <p>Failures are said in the client's terms (refused, reset, timed out, TLS handshake failed); the exception's type
 * goes to the log.
 */
public final class SafeUrlFetcher implements UrlFetcher {
    public static final int MAX_REDIRECTS = 3;
    /** A reference image may be as large as an inline one (seed 004: 7 MB). */
    public static final long MAX_BYTES = ModelSpec.DEFAULT_MAX_INLINE_IMAGE_BYTES;
    public static final Set<String> ACCEPTED_TYPES = Set.of("image/png", "image/jpeg", "image/webp", "image/heic",
            "image/heif", "image/gif");

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

    private final Resolver resolver;
    private final Dialler dialler;
    private final SSLContext tls;
    private final AddressPolicy policy;
    private final boolean allowPlainHttp;
    private final Limits limits;
    private volatile VettedHttpClient http;

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
        VettedHttpClient http = http();
        try (VettedHttpClient.Deadline deadline = http.deadline()) {
            for (int hop = 0; ; hop++) {
                VettedHttpClient.Answer answer = http.get(current, shown, deadline);
                if (answer.redirect() == null) {
                    return answer.fetched();
                }
                if (hop >= limits.maxRedirects()) {
                    throw new ReferenceException("reference " + shown + " redirects more than "
                            + limits.maxRedirects() + " times");
                }
                String next;
                try {
                    // java.net.URI only joins a relative Location to the current URL; ReferenceUri reads the result.
                    next = new URI(current.toString()).resolve(new URI(answer.redirect())).toString();
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

    /**
     * Made on the first download, once per container: most jobs have no URL reference, and HttpClient's classes and
     * the JDK's trust store cost a cold start a few hundred milliseconds.
     */
    private VettedHttpClient http() {
        VettedHttpClient built = http;
        if (built == null) {
            synchronized (this) {
                built = http;
                if (built == null) {
                    built = new VettedHttpClient(resolver, dialler, tls, policy, limits);
                    http = built;
                }
            }
        }
        return built;
    }
}
