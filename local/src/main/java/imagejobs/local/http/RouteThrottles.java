package imagejobs.local.http;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

import imagejobs.local.template.FunctionDefinition.RouteThrottle;

/**
 * API Gateway's route throttling for the local front door: one token bucket per throttled route, shared by all
 * callers, holding up to the burst limit and refilled at the rate limit per second; a request finding the bucket
 * empty gets API Gateway's own 429. Hand-written because the buckets must behave exactly as API Gateway documents
 * them (burst = bucket size, fractional rates) and nothing on the local classpath offers that: Guava's RateLimiter
 * has no settable burst.
 */
final class RouteThrottles {
    private final Map<String, Bucket> buckets = new HashMap<>();
    private final LongSupplier nanoTime;

    RouteThrottles(RouteTable routes) {
        this(routes, System::nanoTime);
    }

    RouteThrottles(RouteTable routes, LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        for (RouteTable.Route route : routes.routes()) {
            if (route.throttle() != null) {
                buckets.put(route.routeKey(), new Bucket(route.throttle(), nanoTime.getAsLong()));
            }
        }
    }

    /** True when the route may serve one more request now (a token was taken). */
    boolean tryAcquire(RouteTable.Route route) {
        Bucket bucket = buckets.get(route.routeKey());
        return bucket == null || bucket.take(nanoTime.getAsLong());
    }

    private static final class Bucket {
        private final double ratePerNano;
        private final double capacity;
        private double tokens;
        private long last;

        Bucket(RouteThrottle limits, long now) {
            this.ratePerNano = limits.rateLimit() / 1e9;
            this.capacity = limits.burstLimit();
            this.tokens = capacity;
            this.last = now;
        }

        synchronized boolean take(long now) {
            tokens = Math.min(capacity, tokens + Math.max(0, now - last) * ratePerNano);
            last = now;
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }
    }
}
