package imagejobs.shared.reference;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressPolicyTest {
    private final AddressPolicy strict = new AddressPolicy(false);
    private final AddressPolicy loopbackOk = new AddressPolicy(true);

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.1.2.3", "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254",
            "192.168.1.1", "169.254.169.254", "169.254.0.1", "100.64.0.1", "100.100.100.200", "0.0.0.0", "0.1.2.3",
            "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "192.0.2.10", "198.51.100.7",
            "203.0.113.9", "198.18.0.1", "192.0.0.8",
            "::1", "::", "fc00::1", "fd00:ec2::254", "fe80::1", "febf::1", "fec0::1", "ff02::1", "2001:db8::1",
            "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::10.0.0.1", "64:ff9b::a00:1",
            "64:ff9b:1::1", "2002:a00:1::", "2001::1", "100::1"})
    void refused(String address) throws UnknownHostException {
        assertFalse(strict.allowed(InetAddress.getByName(address)), address);
    }

    @ParameterizedTest
    @ValueSource(strings = {"93.184.216.34", "8.8.8.8", "1.1.1.1", "172.32.0.1", "172.15.255.255", "100.128.0.1",
            "169.253.1.1", "2606:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8", "64:ff9b::808:808",
            "2002:808:808::"})
    void allowed(String address) throws UnknownHostException {
        assertTrue(strict.allowed(InetAddress.getByName(address)), address);
    }

    @Test
    void ipv4MappedAsAnIpv6ObjectIsCheckedToo() throws UnknownHostException {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = (byte) 169;
        mapped[13] = (byte) 254;
        mapped[14] = (byte) 169;
        mapped[15] = (byte) 254;
        InetAddress v6 = Inet6Address.getByAddress(null, mapped, -1);
        assertTrue(v6 instanceof Inet6Address);
        assertFalse(strict.allowed(v6));
    }

    @Test
    void loopbackOnlyWhenAllowed() throws UnknownHostException {
        assertTrue(loopbackOk.allowed(InetAddress.getByName("127.0.0.1")));
        assertTrue(loopbackOk.allowed(InetAddress.getByName("::1")));
        assertFalse(loopbackOk.allowed(InetAddress.getByName("10.0.0.1")), "private stays refused");
        assertFalse(loopbackOk.allowed(InetAddress.getByName("169.254.169.254")));
        assertFalse(loopbackOk.allowed(InetAddress.getByName("0.0.0.0")));
    }
}
