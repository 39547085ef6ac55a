package imagejobs.it.worker;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import javax.imageio.ImageIO;

import com.sun.net.httpserver.HttpServer;

import imagejobs.shared.reference.AddressPolicy;

/** Servers for the SSRF tests: a trap that counts connections, and a redirecting image host. */
final class SsrfFixtures {
    private SsrfFixtures() {
    }

    /** Host part of a URL for an address ({@code [v6]} in brackets). */
    static String host(InetAddress address) {
        String text = address.getHostAddress();
        int scope = text.indexOf('%');
        text = scope < 0 ? text : text.substring(0, scope);
        return address instanceof Inet6Address ? "[" + text + "]" : text;
    }

    /**
     * This machine's own addresses that are not public and not loopback (a container's 172.17.x.x, a 10.x or
     * fd00:: address, ...): a trap can listen there, so a test can prove nothing connected to it.
     */
    static List<InetAddress> localNonPublicAddresses() {
        AddressPolicy strict = new AddressPolicy(false);
        List<InetAddress> out = new ArrayList<>();
        try {
            for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
                if (!nic.isUp() || nic.isLoopback()) {
                    continue;
                }
                nic.inetAddresses().filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress()
                        && !a.isAnyLocalAddress() && !strict.allowed(a)).forEach(out::add);
            }
        } catch (SocketException e) {
            return List.of();
        }
        return out;
    }

    /** Listens on one address and counts every connection it accepts: it must stay at zero. */
    static final class Trap implements AutoCloseable {
        private final ServerSocket server;
        private final AtomicInteger connections = new AtomicInteger();

        Trap(InetAddress address) throws IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(address, 0));
            Thread accept = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        connections.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "ssrf-trap-" + address.getHostAddress());
            accept.setDaemon(true);
            accept.start();
        }

        int port() {
            return server.getLocalPort();
        }

        String url(String scheme, String path) {
            return scheme + "://" + host(server.getInetAddress()) + ":" + port() + path;
        }

        int connections() {
            return connections.get();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    /**
     * An image host on 127.0.0.1: {@code /img.png} is a small PNG, {@code /r/{name}} answers 302 to the location
     * registered under that name. Counts requests per path.
     */
    static final class ImageHost implements AutoCloseable {
        private final HttpServer server;
        private final Map<String, String> redirects = new ConcurrentHashMap<>();
        private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
        static final byte[] PNG = png();

        ImageHost() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            server.createContext("/", exchange -> {
                String path = exchange.getRequestURI().getPath();
                hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
                String location = path.startsWith("/r/") ? redirects.get(path.substring(3)) : null;
                if (location != null) {
                    exchange.getResponseHeaders().add("Location", location);
                    exchange.sendResponseHeaders(302, -1);
                } else if (path.equals("/img.png")) {
                    exchange.getResponseHeaders().add("Content-Type", "image/png");
                    exchange.sendResponseHeaders(200, PNG.length);
                    exchange.getResponseBody().write(PNG);
                } else {
                    exchange.sendResponseHeaders(404, -1);
                }
                exchange.close();
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        /** Registers a redirect and returns the URL that answers it, on 127.0.0.1. */
        String redirect(String name, String location) {
            redirects.put(name, location);
            return "http://127.0.0.1:" + port() + "/r/" + name;
        }

        int hits(String path) {
            AtomicInteger n = hits.get(path);
            return n == null ? 0 : n.get();
        }

        @Override
        public void close() {
            server.stop(0);
        }

        private static byte[] png() {
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", out);
                return out.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
