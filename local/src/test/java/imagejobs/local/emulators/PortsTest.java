package imagejobs.local.emulators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;

import org.junit.jupiter.api.Test;

class PortsTest {

    @Test
    void aTakenPortNamesTheVariableToSet() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            Ports.PortInUseException e = assertThrows(Ports.PortInUseException.class,
                    () -> Ports.ensureFree(taken.getLocalPort(), "IMAGEJOBS_API_PORT"));
            assertEquals("port " + taken.getLocalPort() + " is in use; set IMAGEJOBS_API_PORT", e.getMessage());
        }
        Ports.ensureFree(0, "ANY"); // port 0 always passes
    }

    @Test
    void portsComeFromTheEnvironment() {
        assertEquals(EmulatorPorts.defaults(), EmulatorPorts.fromEnvironment(Map.of()));
        assertEquals(new EmulatorPorts(3100, 9000, 0, 9324, 8090, 3001),
                EmulatorPorts.fromEnvironment(Map.of("IMAGEJOBS_API_PORT", "3100", "IMAGEJOBS_DYNAMODB_PORT", "0")));
        assertEquals(3101, EmulatorPorts.fromEnvironment(Map.of("IMAGEJOBS_SYNC_PORT", "3101")).sync());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmulatorPorts.fromEnvironment(Map.of("IMAGEJOBS_S3_PORT", "abc")));
        assertEquals("IMAGEJOBS_S3_PORT must be a port number (0-65535, 0 = any free port), got 'abc'", e.getMessage());
    }
}
