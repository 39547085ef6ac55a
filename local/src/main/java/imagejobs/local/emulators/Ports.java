package imagejobs.local.emulators;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Port checks on 127.0.0.1: fail fast with the variable to change, or pick a free port. */
public final class Ports {
    public static final String LOOPBACK = "127.0.0.1";

    private Ports() {
    }

    /**
     * Throws {@link PortInUseException} ("port 3000 is in use; set IMAGEJOBS_API_PORT") when something already
     * listens there. Port 0 (any free port) always passes.
     */
    public static void ensureFree(int port, String variable) {
        if (port == 0) {
            return;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true); // a socket in TIME_WAIT from our own last run does not count
            socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port));
        } catch (IOException e) {
            throw new PortInUseException(port, variable);
        }
    }

    /** A port that was free a moment ago, for servers that cannot report the port they bound. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + LOOPBACK, e);
        }
    }

    /** The port is taken; the message says which variable moves it. */
    public static final class PortInUseException extends RuntimeException {
        private final int port;

        public PortInUseException(int port, String variable) {
            super("port " + port + " is in use; set " + variable);
            this.port = port;
        }

        public int port() {
            return port;
        }
    }
}
