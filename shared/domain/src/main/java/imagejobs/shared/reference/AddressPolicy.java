package imagejobs.shared.reference;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Which resolved addresses a reference download may connect to: public unicast only. Refused: this-network,
 * private, carrier-grade NAT, loopback, link-local (169.254.169.254, the cloud metadata service, is in it),
 * documentation, benchmarking, multicast and reserved IPv4 ranges; unspecified, loopback, unique-local
 * (fc00::/7, AWS's fd00:ec2::254 included), link-local, site-local, multicast, documentation and IETF-special
 * IPv6 ranges; and IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4) when the embedded
 * address is refused. Loopback passes only when the caller allows it (tests, the local stack).
 */
public final class AddressPolicy {
    private final boolean allowLoopback;

    public AddressPolicy(boolean allowLoopback) {
        this.allowLoopback = allowLoopback;
    }

    public boolean allowed(InetAddress address) {
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address || b.length == 4) {
            return allowedV4(b, 0);
        }
        if (address instanceof Inet6Address && b.length == 16) {
            return allowedV6(b);
        }
        return false;
    }

    private boolean allowedV4(byte[] b, int at) {
        int a0 = b[at] & 0xff;
        int a1 = b[at + 1] & 0xff;
        int a2 = b[at + 2] & 0xff;
        if (a0 == 127) {
            return allowLoopback;
        }
        return !(a0 == 0                                  // 0.0.0.0/8 this network
                || a0 == 10                               // 10/8 private
                || (a0 == 100 && (a1 & 0xC0) == 64)      // 100.64/10 carrier-grade NAT (Alibaba's metadata too)
                || (a0 == 169 && a1 == 254)               // 169.254/16 link-local, cloud metadata
                || (a0 == 172 && (a1 & 0xF0) == 16)      // 172.16/12 private
                || (a0 == 192 && a1 == 0 && a2 == 0)      // 192.0.0/24 IETF protocol assignments
                || (a0 == 192 && a1 == 0 && a2 == 2)      // 192.0.2/24 TEST-NET-1
                || (a0 == 192 && a1 == 88 && a2 == 99)    // 192.88.99/24 6to4 relay
                || (a0 == 192 && a1 == 168)               // 192.168/16 private
                || (a0 == 198 && (a1 & 0xFE) == 18)      // 198.18/15 benchmarking
                || (a0 == 198 && a1 == 51 && a2 == 100)   // 198.51.100/24 TEST-NET-2
                || (a0 == 203 && a1 == 0 && a2 == 113)    // 203.0.113/24 TEST-NET-3
                || a0 >= 224);                            // 224/4 multicast, 240/4 reserved, broadcast
    }

    private boolean allowedV6(byte[] b) {
        boolean first10Zero = true;
        for (int i = 0; i < 10; i++) {
            first10Zero &= b[i] == 0;
        }
        if (first10Zero && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
            return allowedV4(b, 12);                       // ::ffff:a.b.c.d mapped
        }
        if (first10Zero && b[10] == 0 && b[11] == 0) {
            boolean last4Zero = b[12] == 0 && b[13] == 0 && b[14] == 0;
            if (last4Zero && (b[15] == 0)) {
                return false;                              // :: unspecified
            }
            if (last4Zero && b[15] == 1) {
                return allowLoopback;                      // ::1 loopback
            }
            return allowedV4(b, 12);                       // ::a.b.c.d compatible (deprecated)
        }
        int w0 = (b[0] & 0xff) << 8 | (b[1] & 0xff);
        int w1 = (b[2] & 0xff) << 8 | (b[3] & 0xff);
        int w2 = (b[4] & 0xff) << 8 | (b[5] & 0xff);
        if (w0 == 0x0064 && w1 == 0xff9b) {
            if (w2 == 0 && b[6] == 0 && b[7] == 0 && b[8] == 0 && b[9] == 0 && b[10] == 0 && b[11] == 0) {
                return allowedV4(b, 12);                   // 64:ff9b::/96 NAT64
            }
            return false;                                  // 64:ff9b:1::/48 local-use NAT64
        }
        if (w0 == 0x2002) {
            return allowedV4(b, 2);                        // 2002::/16 6to4
        }
        return !((w0 == 0x0100 && w1 == 0 && w2 == 0 && b[6] == 0 && b[7] == 0) // 100::/64 discard-only
                || (w0 == 0x2001 && w1 < 0x0200)          // 2001::/23 IETF special (Teredo, ORCHID, …)
                || (w0 == 0x2001 && w1 == 0x0db8)         // 2001:db8::/32 documentation
                || (w0 & 0xFE00) == 0xFC00                // fc00::/7 unique local
                || (w0 & 0xFFC0) == 0xFE80                // fe80::/10 link-local
                || (w0 & 0xFFC0) == 0xFEC0                // fec0::/10 site-local (deprecated)
                || (w0 & 0xFF00) == 0xFF00                // ff00::/8 multicast
                || w0 == 0);                              // the rest of ::/16 is unassigned
    }
}
