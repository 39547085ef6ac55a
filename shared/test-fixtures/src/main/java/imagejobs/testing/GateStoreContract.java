package imagejobs.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import imagejobs.shared.limits.GateDecision;
import imagejobs.shared.limits.GateState;
import imagejobs.shared.limits.GateStore;
import imagejobs.shared.limits.Lease;
import imagejobs.shared.limits.PacedUpstreamGate;
import imagejobs.shared.limits.SlotRequest;
import imagejobs.shared.limits.UpstreamLimits;

/**
 * What every {@link GateStore} must do, so the in-memory one cannot drift from the DynamoDB one: records written only
 * if unchanged, every field kept, atomic lines, the forced ways out, and the gate's limits holding with several
 * workers (threads) at once. Each test uses its own model id, so the store can be shared.
 */
public abstract class GateStoreContract {
    /**
     * The clock every write of the contract carries, a year ahead of the wall clock: a store stamps its items'
     * expires_at from it, and DynamoDB Local's TTL sweep (about every second) deletes items whose expires_at has
     * passed, whatever the test's own clock. With a fixed past date the sweep deleted the line item while tickets were
     * being taken, and the count started again at 1 ("no ticket twice: 145 of 200").
     */
    protected static final Instant T0 = Instant.now().plus(Duration.ofDays(365)).truncatedTo(ChronoUnit.DAYS)
            .plusSeconds(36_000);

    protected abstract GateStore store();

    private static String model() {
        return "model-" + UUID.randomUUID();
    }

    @Test
    void aStoredRecordComesBackWithEveryField() {
        String model = model();
        GateState state = new GateState(0, 1_772_358_000_123_456L, 42.5, 1_772_358_000_000L, 1_772_358_120_000L, 3,
                true, 1_772_358_030_000L, 2, 12_345,
                Map.of("lease-1", new GateState.LeaseEntry("acme", 1_772_358_001_000L, 1_772_358_301_000L, true),
                        "lease-2", new GateState.LeaseEntry("b.c-d_e", 1_772_358_002_000L, 1_772_358_302_000L, false)),
                Map.of(1_772_358_000L, 3, 1_772_358_001L, 1),
                Map.of("acme", new GateState.TenantEntry(1_772_358_004_000_000L, 1_772_358_000_500L),
                        "b.c-d_e", new GateState.TenantEntry(0, 0)));

        assertTrue(store().save(model, state, 0, T0.toEpochMilli()));

        GateState back = store().load(model);
        GateState expected = state.copy();
        expected.version(1);
        assertEquals(expected, back);
        assertEquals(42.5, back.learnedRpm());
        assertEquals(Set.of("lease-1", "lease-2"), back.leases().keySet());
    }

    @Test
    void aModelNeverStoredIsAFreshRecordOfVersionZero() {
        GateState fresh = store().load(model());

        assertEquals(0, fresh.version());
        assertTrue(fresh.leases().isEmpty());
        assertEquals(new GateState(), fresh);
    }

    @Test
    void aWriteOnAStaleVersionIsRefused() {
        String model = model();
        assertTrue(store().save(model, new GateState(), 0, T0.toEpochMilli()));
        assertFalse(store().save(model, new GateState(), 0, T0.toEpochMilli()), "created twice");
        GateState v1 = store().load(model);

        assertTrue(store().save(model, v1, 1, T0.toEpochMilli()));
        assertFalse(store().save(model, v1, 1, T0.toEpochMilli()), "version 1 is gone");
        assertEquals(2, store().load(model).version());
    }

    @Test
    void ticketsAreHandedOutOnceEachUnderConcurrency() throws Exception {
        String model = model();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<Long>>> futures = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                futures.add(pool.submit(() -> {
                    List<Long> mine = new ArrayList<>();
                    for (int i = 0; i < 25; i++) {
                        mine.add(store().takeTicket(model, "acme", T0.toEpochMilli()).issued());
                    }
                    return mine;
                }));
            }
            TreeSet<Long> all = new TreeSet<>();
            for (Future<List<Long>> f : futures) {
                all.addAll(f.get(60, TimeUnit.SECONDS));
            }
            assertEquals(200, all.size(), "no ticket twice");
            assertEquals(1L, all.first());
            assertEquals(200L, all.last());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(new GateStore.Line(200, 0), store().line(model, "acme"));
        assertEquals(new GateStore.Line(200, 2), store().serve(model, "acme", 2, T0.toEpochMilli()));
        assertEquals(new GateStore.Line(0, 0), store().line(model, "other"), "lines are per tenant");
    }

    @Test
    void theForcedWaysOutRemoveALeaseAndNeverShortenACoolDown() {
        String model = model();
        store().forceRelease(model, "nothing-stored-yet");
        GateState state = new GateState(0, 0, 0, 0, 0, 0, false, 0, 0, 0,
                Map.of("lease-1", new GateState.LeaseEntry("acme", 1, 2, false)), Map.of(), Map.of());
        assertTrue(store().save(model, state, 0, T0.toEpochMilli()));

        long t0 = T0.toEpochMilli();
        store().forceRelease(model, "lease-1");
        store().forceCoolDown(model, t0 + 5000);
        store().forceCoolDown(model, t0 + 4000);

        GateState after = store().load(model);
        assertTrue(after.leases().isEmpty());
        assertEquals(t0 + 5000, after.coolUntil());
        assertTrue(after.version() > 1, "other writers notice: " + after.version());
        store().forceCoolDown(model(), t0 + 7000);
    }

    @Test
    void aCrashedWorkersSlotComesBackWhenItsLeaseEnds() {
        PacedUpstreamGate gate = new PacedUpstreamGate(store(), UpstreamLimits.parse("*:6000:2", List.of()));
        String model = model();
        String tenant = "acme";
        Instant start = T0;
        SlotRequest crashing = SlotRequest.first(model, tenant, Duration.ofSeconds(20));
        assertInstanceOf(GateDecision.Granted.class, gate.acquire(crashing, start));
        assertInstanceOf(GateDecision.Granted.class, gate.acquire(crashing, start.plusMillis(20)));

        GateDecision full = gate.acquire(SlotRequest.first(model, tenant, Duration.ofSeconds(20)), start.plusSeconds(5));
        assertEquals(imagejobs.shared.limits.WaitReason.CONCURRENCY,
                assertInstanceOf(GateDecision.Denied.class, full).reason());

        // Neither holder came back: both slots are free once their leases end, and nothing was leaked.
        Instant later = start.plusSeconds(21);
        assertInstanceOf(GateDecision.Granted.class, gate.acquire(SlotRequest.first(model, tenant,
                Duration.ofSeconds(20)), later));
        assertEquals(1, gate.view(model, later).inFlight());
    }

    /**
     * Eight workers, each asking, waiting for its slot, "calling" for 20-60 ms and releasing, until 60 calls were
     * made: the calls' start times are never closer than the paced spacing, never more than the concurrency are in
     * flight, and no lease is handed out twice.
     */
    @Test
    void severalWorkersAtOnceStayWithinTheRateAndTheConcurrency() throws Exception {
        String model = "gemini-busy-" + UUID.randomUUID();
        // 600 rpm: (60 s + 1 s guard) / 600 = 101.7 ms apart; at most 3 in flight.
        PacedUpstreamGate gate = new PacedUpstreamGate(store(), UpstreamLimits.parse("*:600:3", List.of()));
        List<long[]> calls = Collections.synchronizedList(new ArrayList<>());
        Set<String> leaseIds = ConcurrentHashMap.newKeySet();
        AtomicInteger started = new AtomicInteger();
        AtomicInteger duplicates = new AtomicInteger();
        ExecutorService workers = Executors.newFixedThreadPool(8);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                String tenant = "tenant-" + (w % 2);
                futures.add(workers.submit(() -> {
                    Long ticket = null;
                    String reservation = null;
                    while (started.get() < 60 && System.nanoTime() < deadline) {
                        GateDecision d = gate.acquire(new SlotRequest(model, tenant, ticket, reservation,
                                Duration.ofSeconds(30)), Instant.now());
                        reservation = null;
                        if (d instanceof GateDecision.Denied denied) {
                            ticket = denied.ticket();
                            waitUntil(denied.retryAt());
                        } else if (d instanceof GateDecision.Reserved reserved) {
                            ticket = null;
                            reservation = reserved.lease().id();
                            waitUntil(reserved.lease().notBefore().minusMillis(200));
                        } else {
                            Lease lease = ((GateDecision.Granted) d).lease();
                            ticket = null;
                            if (!leaseIds.add(lease.id())) {
                                duplicates.incrementAndGet();
                            }
                            waitUntil(lease.notBefore());
                            started.incrementAndGet();
                            long begin = lease.notBefore().toEpochMilli();
                            sleep(20 + (long) (Math.random() * 40));
                            long end = System.currentTimeMillis();
                            gate.release(lease, Duration.ofMillis(end - begin), Instant.now());
                            calls.add(new long[] {begin, end});
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(180, TimeUnit.SECONDS);
            }
        } finally {
            workers.shutdownNow();
        }
        assertTrue(calls.size() >= 60, "calls made: " + calls.size());
        assertEquals(0, duplicates.get(), "a lease handed out twice");
        List<Long> starts = calls.stream().map(c -> c[0]).sorted().toList();
        for (int i = 1; i < starts.size(); i++) {
            assertTrue(starts.get(i) - starts.get(i - 1) >= 101, "calls " + (i - 1) + " and " + i + " start "
                    + (starts.get(i) - starts.get(i - 1)) + " ms apart");
        }
        int peak = 0;
        for (long[] call : calls) {
            // A call counts from its slot's start until its release was written.
            int inFlight = (int) calls.stream().filter(c -> c[0] <= call[0] && call[0] < c[1]).count();
            peak = Math.max(peak, inFlight);
        }
        assertTrue(peak <= 3, "peak in flight " + peak);
        assertEquals(0, gate.view(model, Instant.now()).inFlight(), "every slot given back");
    }

    private static void waitUntil(Instant at) {
        long ms = Duration.between(Instant.now(), at).toMillis();
        if (ms > 0) {
            // The simulated worker waits for its turn: in the service this is the queue's delay.
            sleep(Math.min(ms, 5_000));
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

}
