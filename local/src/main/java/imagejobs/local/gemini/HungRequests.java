package imagejobs.local.gemini;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;

/**
 * Requests that asked never to be answered ({@code [sim:hang]}). They are parked here rather than holding a
 * request thread, so a test hanging many calls cannot starve the simulator; the connection is dropped after the
 * hang limit or when the simulator closes, whichever comes first.
 */
final class HungRequests {
    private final java.util.Map<HttpExchange, Runnable> parked = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private final Duration limit;

    HungRequests(ScheduledExecutorService timer, Duration limit) {
        this.timer = timer;
        this.limit = limit;
    }

    /** @param drop closes the exchange (and whatever else it holds) when its time is up */
    void park(HttpExchange exchange, Runnable drop) {
        parked.put(exchange, drop);
        timer.schedule(() -> release(exchange), limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Closing an exchange that sent no headers drops the connection: the client sees the server vanish. */
    private void release(HttpExchange exchange) {
        Runnable drop = parked.remove(exchange);
        if (drop != null) {
            drop.run();
        }
    }

    void releaseAll() {
        parked.keySet().forEach(this::release);
    }
}
