package imagejobs.adapters.http;

import java.net.IDN;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.hc.client5.http.DnsResolver;

import imagejobs.shared.reference.AddressPolicy;

/**
 * The only name resolution the reference client does: looks the host up once per connection, refuses the host when
 * any of its addresses is not public ({@link AddressPolicy}), and hands HttpClient the vetted addresses themselves,
 * already resolved, so the socket is opened to exactly what was checked (a DNS answer that changes between the
 * check and the connection, rebinding, never reaches a socket). Never answers {@code null} or an unresolved address:
 * either would make HttpClient or the socket look the name up again.
 */
final class VettingDnsResolver implements DnsResolver {
    /** Some answer for the host is not a public address; the host is refused whole. */
    static final class NonPublicAddress extends UnknownHostException {
        NonPublicAddress(String host) {
            super(host);
        }
    }

    private final SafeUrlFetcher.Resolver resolver;
    private final AddressPolicy policy;
    private final SafeUrlFetcher.Dialler dialler;

    VettingDnsResolver(SafeUrlFetcher.Resolver resolver, AddressPolicy policy, SafeUrlFetcher.Dialler dialler) {
        this.resolver = resolver;
        this.policy = policy;
        this.dialler = dialler;
    }

    /**
     * The host name as the URL wrote it, from HttpCore's spelling of it: HttpCore turns a name that starts with
     * {@code xn--} into Unicode ({@code xn--r8jz45g.jp} → {@code 例え.jp}), and Java's IDN only does so when turning
     * the result back gives the name again, so this is the name submit checked, which is the one to look up and to
     * present to TLS.
     */
    static String asWritten(String host) {
        return host.chars().allMatch(c -> c < 0x80) ? host : IDN.toASCII(host).toLowerCase(Locale.ROOT);
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        List<InetAddress> addresses = resolver.resolve(asWritten(host));
        if (addresses == null || addresses.isEmpty()) {
            throw new UnknownHostException(host);
        }
        for (InetAddress address : addresses) {
            if (address == null || !policy.allowed(address)) {
                throw new NonPublicAddress(host);
            }
        }
        return addresses.toArray(new InetAddress[0]);
    }

    /** What HttpClient 5.5+ asks for: the vetted addresses with the port, in the resolver's order. */
    @Override
    public List<InetSocketAddress> resolve(String host, int port) throws UnknownHostException {
        List<InetSocketAddress> targets = new ArrayList<>();
        for (InetAddress address : resolve(host)) {
            targets.add(dialler.target(new InetSocketAddress(address, port)));
        }
        return targets;
    }

    /** Only authentication schemes (Kerberos) ask; none is enabled, and a reverse lookup is nothing we want. */
    @Override
    public String resolveCanonicalHostname(String host) {
        return host;
    }
}
