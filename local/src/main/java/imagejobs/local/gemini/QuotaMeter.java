package imagejobs.local.gemini;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/**
 * Enforces {@link SimQuotas} per upstream model and counts what it saw, for {@code GET /__sim/stats}. A call is
 * admitted when fewer than the model's requests per minute were admitted in the last 60 seconds (a sliding window,
 * like Gemini's per-minute quota) and fewer than its concurrency are in flight; a refused call is not counted in the
 * window. The 429's retry delay is the truth: how long until the oldest call in the window leaves it (or, for
 * concurrency, until the first call in flight is expected to end).
 */
final class QuotaMeter {
    private static final long WINDOW_MILLIS = 60_000;

    /** A call in flight; {@link #close()} (idempotent) when its answer was sent or its connection dropped. */
    final class Admission implements AutoCloseable {
        private final ModelMeter meter;
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile long expectedEnd;

        private Admission(ModelMeter meter, long now) {
            this.meter = meter;
            this.expectedEnd = now;
        }

        /** The answer is held back this long ({@code [sim:delay]}): what a concurrency refusal tells others. */
        void expectEndIn(long millis) {
            expectedEnd = clock.getAsLong() + millis;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                synchronized (QuotaMeter.this) {
                    meter.inFlight.remove(this);
                }
            }
        }
    }

    private static final class ModelMeter {
        final Deque<Long> window = new ArrayDeque<>();
        final java.util.Set<Admission> inFlight = new java.util.HashSet<>();
        long calls;
        long throttledRpm;
        long throttledConcurrency;
        long answered429;
        int peakInFlight;
    }

    private final SimQuotas quotas;
    private final LongSupplier clock;
    private final Map<String, ModelMeter> models = new TreeMap<>();
    private Instant since = Instant.now();

    /** @param clock milliseconds, monotonic (tests pass their own) */
    QuotaMeter(SimQuotas quotas, LongSupplier clock) {
        this.quotas = quotas;
        this.clock = clock;
    }

    static QuotaMeter system(SimQuotas quotas) {
        return new QuotaMeter(quotas, () -> System.nanoTime() / 1_000_000);
    }

    /** Admits a call of {@code model} or throws Gemini's 429 for the quota it would exceed. */
    synchronized Admission admit(String model) {
        long now = clock.getAsLong();
        ModelMeter m = models.computeIfAbsent(model, k -> new ModelMeter());
        m.calls++;
        while (!m.window.isEmpty() && m.window.peekFirst() <= now - WINDOW_MILLIS) {
            m.window.pollFirst();
        }
        Integer rpm = quotas.rpmOf(model);
        if (rpm != null && m.window.size() >= rpm) {
            m.throttledRpm++;
            m.answered429++;
            long retry = m.window.peekFirst() + WINDOW_MILLIS - now;
            throw QuotaErrors.exceeded(model, QuotaErrors.REQUESTS_METRIC, QuotaErrors.REQUESTS_PER_MINUTE, rpm,
                    Duration.ofMillis(Math.max(1, retry)));
        }
        Integer concurrency = quotas.concurrencyOf(model);
        if (concurrency != null && m.inFlight.size() >= concurrency) {
            m.throttledConcurrency++;
            m.answered429++;
            long soonest = m.inFlight.stream().mapToLong(a -> a.expectedEnd).min().orElse(now);
            throw QuotaErrors.exceeded(model, QuotaErrors.CONCURRENT_METRIC, QuotaErrors.CONCURRENT_PER_MODEL,
                    concurrency, Duration.ofMillis(Math.max(1, soonest - now)));
        }
        m.window.addLast(now);
        Admission admission = new Admission(m, now);
        m.inFlight.add(admission);
        m.peakInFlight = Math.max(m.peakInFlight, m.inFlight.size());
        return admission;
    }

    /** A 429 the call was answered with for another reason ({@code [sim:status=429]}). */
    synchronized void answered429(String model) {
        models.computeIfAbsent(model, k -> new ModelMeter()).answered429++;
    }

    /**
     * Per model: calls received, calls answered 429 (by the quotas, and in all), the peak and current calls in flight,
     * the calls in the current 60-second window, and the limits.
     */
    synchronized ObjectNode stats() {
        long now = clock.getAsLong();
        ObjectNode out = Json.object();
        out.put("since", since.toString());
        ObjectNode byModel = out.putObject("models");
        models.forEach((model, m) -> {
            while (!m.window.isEmpty() && m.window.peekFirst() <= now - WINDOW_MILLIS) {
                m.window.pollFirst();
            }
            ObjectNode json = byModel.putObject(model);
            json.put("calls", m.calls);
            json.put("answered_429", m.answered429);
            json.put("throttled_rpm", m.throttledRpm);
            json.put("throttled_concurrency", m.throttledConcurrency);
            json.put("in_flight", m.inFlight.size());
            json.put("peak_in_flight", m.peakInFlight);
            json.put("window_count", m.window.size());
            Integer rpm = quotas.rpmOf(model);
            Integer concurrency = quotas.concurrencyOf(model);
            if (rpm == null) {
                json.putNull("rpm_limit");
            } else {
                json.put("rpm_limit", rpm);
            }
            if (concurrency == null) {
                json.putNull("concurrency_limit");
            } else {
                json.put("concurrency_limit", concurrency);
            }
        });
        return out;
    }

    /**
     * Starts counting afresh, for a benchmark's next run: counters to zero, the peak to what is in flight now, and the
     * quota windows emptied (as if a quiet minute had passed). Calls in flight stay counted as in flight.
     */
    synchronized void reset() {
        since = Instant.now();
        models.values().forEach(m -> {
            m.window.clear();
            m.calls = 0;
            m.throttledRpm = 0;
            m.throttledConcurrency = 0;
            m.answered429 = 0;
            m.peakInFlight = m.inFlight.size();
        });
    }
}
