package imagejobs.it.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on 127.0.0.1 in front of one emulator, pointed to by the functions' {@code AWS_ENDPOINT_URL_*}, that
 * makes the service behind it unavailable on request:
 * <ul>
 * <li>{@link Mode#REFUSE}: the listening socket is closed, so new connections are refused (ECONNREFUSED) and every
 * open connection is cut; clients fail fast, as against a service whose endpoint is down;</li>
 * <li>{@link Mode#BLACKHOLE}: connections are accepted but no byte moves in either direction, on new and open
 * connections alike, as in a network stall; when the stall ends everything flows on, late.</li>
 * </ul>
 * The emulator itself keeps its state: only the path to it fails.
 */
final class FaultProxy implements AutoCloseable {
    enum Mode { PASS, REFUSE, BLACKHOLE }

    private final String name;
    private final InetSocketAddress target;
    private final int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final ExecutorService threads;
    private final Object gate = new Object();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong cut = new AtomicLong();
    private final AtomicInteger outages = new AtomicInteger();
    private volatile ServerSocket listener;
    private volatile Mode mode = Mode.PASS;
    private volatile boolean closed;

    private FaultProxy(String name, URI target) throws IOException {
        this.name = name;
        this.target = new InetSocketAddress(target.getHost(), target.getPort());
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fault-proxy-" + name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.listener = bind(0);
        this.port = listener.getLocalPort();
        accept(listener);
    }

    static FaultProxy start(String name, URI target) {
        try {
            return new FaultProxy(name, target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    String name() {
        return name;
    }

    Mode mode() {
        return mode;
    }

    long connections() {
        return connections.get();
    }

    /** Connections cut by an outage. */
    long cut() {
        return cut.get();
    }

    /** Outages started so far. */
    int outages() {
        return outages.get();
    }

    synchronized void mode(Mode next) {
        Mode previous = mode;
        if (next == previous) {
            return;
        }
        if (previous == Mode.PASS) {
            outages.incrementAndGet();
        }
        if (previous == Mode.REFUSE) {
            try {
                listener = bind(port);
            } catch (IOException e) {
                throw new UncheckedIOException("could not listen on " + port + " again", e);
            }
            accept(listener);
        }
        mode = next;
        if (next == Mode.REFUSE) {
            closeQuietly(listener);
            for (Socket s : open) {
                cut.incrementAndGet();
                closeQuietly(s);
            }
        }
        synchronized (gate) {
            gate.notifyAll();
        }
    }

    /** Makes the service unavailable in {@code outageMode} for {@code millis}, then lets it recover. */
    void outage(Mode outageMode, long millis) {
        mode(outageMode);
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            mode(Mode.PASS);
        }
    }

    private static ServerSocket bind(int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        return s;
    }

    private void accept(ServerSocket server) {
        threads.execute(() -> {
            while (!closed && !server.isClosed()) {
                Socket client;
                try {
                    client = server.accept();
                } catch (IOException e) {
                    return; // closed for an outage or for good
                }
                connections.incrementAndGet();
                open.add(client);
                threads.execute(() -> connect(client));
            }
        });
    }

    private void connect(Socket client) {
        Socket upstream = new Socket();
        try {
            awaitFlowing();
            if (mode == Mode.REFUSE || closed) {
                throw new IOException("refused");
            }
            upstream.connect(target, 2000);
            open.add(upstream);
            threads.execute(() -> pump(client, upstream));
            pump(upstream, client);
        } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[32 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                awaitFlowing();
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side went away: close both below
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            open.remove(from);
            open.remove(to);
        }
    }

    /** Blocks while the proxy stalls traffic. */
    private void awaitFlowing() throws IOException {
        synchronized (gate) {
            while (mode == Mode.BLACKHOLE && !closed) {
                try {
                    gate.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
        }
        if (mode == Mode.REFUSE) {
            throw new IOException("refused");
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (Exception ignored) {
            // closing is all we want
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        open.forEach(FaultProxy::closeQuietly);
        synchronized (gate) {
            gate.notifyAll();
        }
        threads.shutdownNow();
    }

    @Override
    public String toString() {
        return name + " proxy " + endpoint() + " -> " + target;
    }
}
