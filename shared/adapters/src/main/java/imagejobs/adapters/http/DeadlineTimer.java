package imagejobs.adapters.http;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one thread that ends outbound HTTP exchanges at their total deadline (reference downloads, webhook deliveries):
 * HttpClient's own timeouts bound each connect and read, not the whole exchange. Made on first use, gone when idle.
 */
final class DeadlineTimer {
    private static final ScheduledThreadPoolExecutor INSTANCE = create();

    private DeadlineTimer() {
    }

    /** Runs {@code onExpiry} once {@code after} has passed, unless the returned future is cancelled first. */
    static ScheduledFuture<?> schedule(Runnable onExpiry, Duration after) {
        return INSTANCE.schedule(onExpiry, after.toNanos(), TimeUnit.NANOSECONDS);
    }

    private static ScheduledThreadPoolExecutor create() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "http-deadline");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        timer.setKeepAliveTime(10, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true);
        return timer;
    }
}
