package imagejobs.shared.limits;

import imagejobs.testing.InMemoryGateStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The gate's rules through its port, on the in-memory store, with a fake clock (every call says what "now" is). */
class PacedUpstreamGateTest {
    private static final String PRO = "gemini-3-pro-image-preview";
    private static final List<String> MODELS = List.of(PRO, "gemini-2.5-flash-image");
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final Duration LEASE = Duration.ofMinutes(5);

    private final InMemoryGateStore store = new InMemoryGateStore();
    private int ids;

    private PacedUpstreamGate gate(String limits) {
        return new PacedUpstreamGate(store, UpstreamLimits.parse(limits, MODELS), GateTuning.DEFAULT,
                () -> "lease-" + ++ids, ms -> { }, bound -> 0);
    }

    private static Instant at(long millis) {
        return T0.plusMillis(millis);
    }

    private static SlotRequest first(String tenant) {
        return SlotRequest.first(PRO, tenant, LEASE);
    }

    @Test
    void toldRatePacesCallsEvenlyWithTheGuardAndNeverMoreThanTheQuotaPerMinute() {
        PacedUpstreamGate gate = gate("*:10");
        List<Instant> starts = new ArrayList<>();
        // A new job asking every 100 ms for five minutes: a backlog that never ends. Reserved slots are calls too.
        for (long t = 0; t < 300_000; t += 100) {
            GateDecision decision = gate.acquire(first("a"), at(t));
            if (decision instanceof GateDecision.Granted granted) {
                starts.add(granted.lease().notBefore());
            } else if (decision instanceof GateDecision.Reserved reserved) {
                starts.add(reserved.lease().notBefore());
            }
        }
        starts.sort(null);
        // (60 s + 1 s guard) / 10 = 6.1 s apart, with no burst.
        for (int i = 1; i < starts.size(); i++) {
            assertEquals(6100, Duration.between(starts.get(i - 1), starts.get(i)).toMillis(), "call " + i);
        }
        for (Instant start : starts) {
            long inWindow = starts.stream().filter(s -> !s.isBefore(start) && s.isBefore(start.plusSeconds(60))).count();
            assertTrue(inWindow <= 10, "calls in the minute from " + start + ": " + inWindow);
        }
        assertTrue(starts.size() >= 49, "a slot every 6.1 s for 300 s: " + starts.size());
    }

    @Test
    void aSlotWithinTheLookaheadIsGrantedWithItsStartTime() {
        PacedUpstreamGate gate = gate("*:60");
        Lease first = ((GateDecision.Granted) gate.acquire(first("a"), at(0))).lease();
        GateDecision second = gate.acquire(first("a"), at(200));

        assertEquals(at(0), first.notBefore());
        Lease lease = assertInstanceOf(GateDecision.Granted.class, second).lease();
        assertEquals(at(1017), lease.notBefore(), "61 s / 60 after the first: the caller waits the rest");
        assertEquals(at(1017).plus(LEASE), lease.expiresAt());
    }

    @Test
    void theFirstOfALineHoldTheNextSlotsAndTheOthersComeBackAtTheirTurns() {
        PacedUpstreamGate gate = gate("*:60");
        assertInstanceOf(GateDecision.Granted.class, gate.acquire(first("a"), at(0)));
        List<GateDecision> decisions = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            decisions.add(gate.acquire(first("a"), at(0)));
        }
        // 61 s / 60 apart: the next four slots (5 s of turns) are reserved, one per job, the rest are denied.
        for (int i = 0; i < 4; i++) {
            Lease reserved = assertInstanceOf(GateDecision.Reserved.class, decisions.get(i)).lease();
            assertEquals(at(1017L * (i + 1) - (i == 3 ? 1 : 0)).toEpochMilli() / 10,
                    reserved.notBefore().toEpochMilli() / 10, "slot " + (i + 1));
        }
        GateDecision.Denied fifth = assertInstanceOf(GateDecision.Denied.class, decisions.get(4));
        GateDecision.Denied tenth = assertInstanceOf(GateDecision.Denied.class, decisions.get(9));
        assertEquals(WaitReason.RATE, fifth.reason());
        assertEquals(1, fifth.ticket());
        assertEquals(6, tenth.ticket());
        assertEquals(1, fifth.position());
        assertEquals(6, tenth.position());
        assertEquals(at(5084), fifth.retryAt(), "after the reserved slots");
        assertEquals(fifth.retryAt().plusMillis(5 * 1016), tenth.retryAt(), "one turn later per job ahead");
    }

    @Test
    void aReservationIsTakenUpWithoutAWriteAndIsDistinctPerJob() {
        PacedUpstreamGate gate = gate("*:60");
        gate.acquire(first("a"), at(0));
        GateDecision.Reserved one = assertInstanceOf(GateDecision.Reserved.class, gate.acquire(first("a"), at(0)));
        GateDecision.Reserved two = assertInstanceOf(GateDecision.Reserved.class, gate.acquire(first("a"), at(0)));
        assertNotEquals(one.lease().notBefore(), two.lease().notBefore());
        long version = store.load(PRO).version();

        GateDecision back = gate.acquire(new SlotRequest(PRO, "a", null, one.lease().id(), LEASE),
                one.lease().notBefore().minusMillis(300));

        Lease lease = assertInstanceOf(GateDecision.Granted.class, back).lease();
        assertEquals(one.lease(), lease);
        assertEquals(version, store.load(PRO).version(), "nothing written");
    }

    @Test
    void concurrencyCountsLiveLeasesAndACrashedHolderFreesItsSlotWhenTheLeaseEnds() {
        PacedUpstreamGate gate = gate("*:1000:2");
        SlotRequest crashy = SlotRequest.first(PRO, "a", Duration.ofSeconds(30));
        assertInstanceOf(GateDecision.Granted.class, gate.acquire(crashy, at(0)));
        Lease second = ((GateDecision.Granted) gate.acquire(crashy, at(0))).lease();

        GateDecision.Denied full = assertInstanceOf(GateDecision.Denied.class, gate.acquire(first("a"), at(100)));
        assertEquals(WaitReason.CONCURRENCY, full.reason());
        assertEquals(at(10_000), full.retryAt(), "when the first call should be over (default 10 s)");

        gate.release(second, Duration.ofSeconds(4), at(4000));
        assertInstanceOf(GateDecision.Granted.class, gate.acquire(first("a"), at(4000)));
        assertInstanceOf(GateDecision.Denied.class, gate.acquire(first("a"), at(29_999)));
        // The first holder never came back (a crash): its lease ends at 30 s and the slot is free again.
        assertInstanceOf(GateDecision.Granted.class, gate.acquire(first("a"), at(30_000)));
        assertEquals(2, gate.view(PRO, at(30_000)).inFlight());
    }

    @Test
    void whileAnotherTenantWaitsEachGetsAShareOfTheConcurrency() {
        PacedUpstreamGate gate = gate("*:6000:4");
        List<Lease> aLeases = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            aLeases.add(((GateDecision.Granted) gate.acquire(first("a"), at(i * 20L))).lease());
        }
        GateDecision.Denied bWaits = assertInstanceOf(GateDecision.Denied.class, gate.acquire(first("b"), at(100)));
        assertEquals(WaitReason.CONCURRENCY, bWaits.reason());

        gate.release(aLeases.get(0), Duration.ofSeconds(1), at(1000));
        // a still holds three of four while b waits: over its half, so the free slot is b's.
        GateDecision.Denied aWaits = assertInstanceOf(GateDecision.Denied.class, gate.acquire(first("a"), at(1000)));
        assertEquals(WaitReason.CONCURRENCY, aWaits.reason());
        assertInstanceOf(GateDecision.Granted.class, gate.acquire(new SlotRequest(PRO, "b", bWaits.ticket(), null,
                LEASE), at(1100)));
    }

    @Test
    void a429CoolsTheModelDownForEveryoneForGeminisDelay() {
        PacedUpstreamGate gate = gate("");
        Lease lease = ((GateDecision.Granted) gate.acquire(first("a"), at(0))).lease();

        gate.throttled(lease, Duration.ofSeconds(37), at(500));

        GateDecision.Denied other = assertInstanceOf(GateDecision.Denied.class, gate.acquire(first("b"), at(1000)));
        assertEquals(WaitReason.COOL_DOWN, other.reason());
        assertEquals(at(37_500), other.retryAt());
        assertEquals(at(37_500), gate.view(PRO, at(1000)).coolUntil());
        assertInstanceOf(GateDecision.Granted.class, gate.acquire(new SlotRequest(PRO, "b", other.ticket(), null,
                LEASE), at(37_500)));
    }

    @Test
    void withAToldRateTheFirstOfTheLineHoldTheSlotsRightAfterTheCoolDown() {
        PacedUpstreamGate gate = gate("*:60");
        Lease lease = ((GateDecision.Granted) gate.acquire(first("a"), at(0))).lease();
        gate.throttled(lease, Duration.ofSeconds(37), at(500));

        Lease first = assertInstanceOf(GateDecision.Reserved.class, gate.acquire(first("b"), at(1000))).lease();
        Lease second = assertInstanceOf(GateDecision.Reserved.class, gate.acquire(first("b"), at(1000))).lease();

        assertEquals(at(37_500), first.notBefore());
        assertEquals(at(38_517), second.notBefore());
    }

    @Test
    void a429VoidsTheReservationsItsCoolDownCovers() {
        PacedUpstreamGate gate = gate("*:60");
        Lease running = ((GateDecision.Granted) gate.acquire(first("a"), at(0))).lease();
        Lease reserved = assertInstanceOf(GateDecision.Reserved.class, gate.acquire(first("a"), at(0))).lease();

        gate.throttled(running, Duration.ofSeconds(20), at(300));

        GateDecision back = gate.acquire(new SlotRequest(PRO, "a", null, reserved.id(), LEASE), reserved.notBefore());
        Lease after = assertInstanceOf(GateDecision.Reserved.class, back).lease();
        assertEquals(at(20_300), after.notBefore(), "a new slot after the cool-down, under the same id");
        assertEquals(reserved.id(), after.id());
    }

    @Test
    void without429DelayTheCoolDownBacksOffAndASuccessResetsIt() {
        PacedUpstreamGate gate = gate("*:1000");
        long t = 0;
        List<Long> coolDowns = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            Lease lease = ((GateDecision.Granted) gate.acquire(first("a"), at(t))).lease();
            gate.throttled(lease, null, at(t));
            coolDowns.add(Duration.between(at(t), gate.view(PRO, at(t)).coolUntil()).toSeconds());
            t = gate.view(PRO, at(t)).coolUntil().toEpochMilli() - T0.toEpochMilli();
        }
        assertEquals(List.of(2L, 4L, 8L, 16L, 32L, 60L, 60L), coolDowns);

        Lease ok = ((GateDecision.Granted) gate.acquire(first("a"), at(t))).lease();
        gate.release(ok, Duration.ofSeconds(3), at(t + 3000));
        Lease again = ((GateDecision.Granted) gate.acquire(first("a"), at(t + 3000))).lease();
        gate.throttled(again, null, at(t + 3000));
        assertEquals(at(t + 5000), gate.view(PRO, at(t + 3000)).coolUntil());
    }

    @Test
    void withNoQuotaToldA429TeachesTheRateGeminiAcceptedAndTheGatePacesToIt() {
        PacedUpstreamGate gate = gate("");
        // Twelve calls in the first 30 s are accepted, the thirteenth is refused.
        List<Lease> leases = new ArrayList<>();
        for (int i = 0; i < 13; i++) {
            leases.add(((GateDecision.Granted) gate.acquire(first("a"), at(i * 2500L))).lease());
        }
        gate.throttled(leases.get(12), Duration.ofSeconds(30), at(30_100));
        // A call granted before the lesson, refused later, belongs to the same episode: nothing more is learned.
        gate.throttled(leases.get(11), Duration.ofSeconds(30), at(30_200));

        GateView view = gate.view(PRO, at(30_200));
        assertEquals(12.0, view.learnedRpm());
        assertEquals(12.0, view.pacedRpm());
        assertEquals(at(60_200), view.coolUntil());
        // After the cool-down, calls are paced (61 s / 12 = 5.083 s apart).
        Lease next = ((GateDecision.Granted) gate.acquire(first("a"), at(60_200))).lease();
        GateDecision.Reserved after = assertInstanceOf(GateDecision.Reserved.class,
                gate.acquire(first("a"), at(60_200)));
        long apart = Duration.between(next.notBefore(), after.lease().notBefore()).toMillis();
        assertTrue(apart == 5083 || apart == 5084, "apart: " + apart);
    }

    @Test
    void aLongRetryDelayIsNotAPerMinuteQuotaAndTeachesNothing() {
        PacedUpstreamGate gate = gate("");
        Lease lease = ((GateDecision.Granted) gate.acquire(first("a"), at(0))).lease();

        gate.throttled(lease, Duration.ofHours(3), at(100));

        assertNull(gate.view(PRO, at(100)).learnedRpm());
        assertEquals(at(100).plus(Duration.ofHours(3)), gate.view(PRO, at(100)).coolUntil());
    }

    @Test
    void withABacklogTheLearnedRateIsProbedUpwardEveryTwoMinutesInGrowingSteps() {
        PacedUpstreamGate gate = gate("*:100");
        learn(gate, 40);
        List<Double> rates = new ArrayList<>();
        long t = 200_000;
        for (int probe = 0; probe < 5; probe++) {
            // A job that has to wait marks the model saturated; a call that ends after probeEvery raises the rate.
            gate.acquire(first("a"), at(t));
            gate.acquire(first("a"), at(t));
            Lease lease = ((GateDecision.Granted) gate.acquire(first("b"), at(t + 120_000))).lease();
            gate.release(lease, Duration.ofSeconds(1), at(t + 120_000));
            rates.add(gate.view(PRO, at(t + 120_000)).learnedRpm());
            t += 120_000;
        }
        // +5 %, +10 %, +20 %, +40 %, then past the told 100: the told limit governs again.
        assertEquals(42.0, rates.get(0), 1e-9);
        assertEquals(46.2, rates.get(1), 1e-9);
        assertEquals(55.44, rates.get(2), 1e-9);
        assertEquals(77.616, rates.get(3), 1e-9);
        assertNull(rates.get(4));
        assertEquals(100.0, gate.view(PRO, at(t)).pacedRpm());
    }

    @Test
    void withoutABacklogTheLearnedRateStaysPut() {
        PacedUpstreamGate gate = gate("");
        learn(gate, 40);

        Lease lease = ((GateDecision.Granted) gate.acquire(first("a"), at(400_000))).lease();
        gate.release(lease, Duration.ofSeconds(1), at(400_000));

        assertEquals(40.0, gate.view(PRO, at(400_000)).learnedRpm());
    }

    /** Forty calls accepted within a minute, then a 429 with a short delay: the gate learns 40 rpm at about 61 s. */
    private static void learn(PacedUpstreamGate gate, int accepted) {
        for (int i = 0; i < accepted; i++) {
            Lease lease = ((GateDecision.Granted) gate.acquire(first("x"), at(i * 1000L))).lease();
            gate.release(lease, Duration.ofMillis(500), at(i * 1000L + 500));
        }
        Lease refused = ((GateDecision.Granted) gate.acquire(first("x"), at(60_000))).lease();
        gate.throttled(refused, Duration.ofSeconds(1), at(60_100));
        assertEquals((double) accepted, gate.view(PRO, at(60_100)).learnedRpm());
    }

    @Test
    void aLightTenantGetsAboutEveryOtherSlotWhileAHeavyOneHasABacklog() {
        PacedUpstreamGate gate = gate("*:60");
        // Tenant a has a backlog: a new job of a asks every 100 ms. Tenant b asks with five jobs from 20 s on.
        java.util.TreeMap<Instant, String> slots = new java.util.TreeMap<>();
        Long bTicket = null;
        int bSlots = 0;
        for (long t = 0; t < 60_000; t += 100) {
            slot(gate.acquire(first("a"), at(t)), slots);
            if (t >= 20_000 && bSlots < 5) {
                GateDecision d = gate.acquire(new SlotRequest(PRO, "b", bTicket, null, LEASE), at(t));
                if (d instanceof GateDecision.Denied denied) {
                    bTicket = denied.ticket();
                } else {
                    slot(d, slots);
                    bSlots++;
                    bTicket = null;
                }
            }
        }
        List<String> order = new ArrayList<>(slots.values());
        int firstB = order.indexOf("b");
        int lastB = order.lastIndexOf("b");
        assertEquals(5, order.stream().filter("b"::equals).count());
        assertTrue(lastB - firstB + 1 <= 12, "b's five slots among a's, about every other one: " + order);
        Instant bAsked = at(20_000);
        Instant bFirst = slots.entrySet().stream().filter(e -> e.getValue().equals("b")).findFirst().orElseThrow()
                .getKey();
        assertTrue(Duration.between(bAsked, bFirst).toMillis() <= 8_000, "b's first slot is near: " + bFirst);
    }

    private static void slot(GateDecision decision, java.util.Map<Instant, String> slots) {
        if (decision instanceof GateDecision.Granted g) {
            slots.put(g.lease().notBefore(), g.lease().tenant());
        } else if (decision instanceof GateDecision.Reserved r) {
            slots.put(r.lease().notBefore(), r.lease().tenant());
        }
    }

    @Test
    void aTenantWhoseLastWaitingJobGotItsSlotStopsHoldingAShare() {
        PacedUpstreamGate gate = gate("*:60");
        GateDecision.Denied aWaits = firstDenial(gate, "a");
        GateDecision.Denied bWaits = firstDenial(gate, "b");
        assertEquals(2, gate.view(PRO, at(0)).waitingTenants());

        GateDecision served = gate.acquire(new SlotRequest(PRO, "b", bWaits.ticket(), null, LEASE), at(14_000));

        assertInstanceOf(GateDecision.Granted.class, served);
        assertEquals(1, gate.view(PRO, at(14_000)).waitingTenants(), "only a, whose job still waits");
        gate.leaveLine(PRO, "a", at(14_000));
        assertEquals(1, aWaits.ticket());
        assertEquals(0, gate.view(PRO, at(14_000)).waitingTenants(), "a's only waiting job left the line");
    }

    /** New jobs of the tenant ask at 0 until one is denied (the first are granted or reserved). */
    private static GateDecision.Denied firstDenial(PacedUpstreamGate gate, String tenant) {
        for (int i = 0; i < 20; i++) {
            if (gate.acquire(first(tenant), at(0)) instanceof GateDecision.Denied d) {
                return d;
            }
        }
        throw new AssertionError(tenant + " was never denied");
    }

    @Test
    void aWriteWhoseAnswerWasLostIsRecognisedAndNeverGrantsTwice() {
        LossyStore lossy = new LossyStore();
        PacedUpstreamGate gate = new PacedUpstreamGate(lossy, UpstreamLimits.parse("*:60:1", MODELS),
                GateTuning.DEFAULT, () -> "lease-" + ++ids, ms -> { }, bound -> 0);
        lossy.loseNextAnswer = true;

        Lease lease = assertInstanceOf(GateDecision.Granted.class, gate.acquire(first("a"), at(0))).lease();

        assertEquals(1, lossy.load(PRO).leases().size());
        assertTrue(lossy.load(PRO).leases().containsKey(lease.id()));
        lossy.loseNextAnswer = true;
        gate.release(lease, Duration.ofSeconds(1), at(1000));
        assertEquals(0, lossy.load(PRO).leases().size());
    }

    @Test
    void whenNothingLimitsTheModelCollidingWritersGoAheadUnrecorded() {
        LossyStore busy = new LossyStore();
        PacedUpstreamGate gate = new PacedUpstreamGate(busy, UpstreamLimits.none(), GateTuning.DEFAULT,
                () -> "lease-" + ++ids, ms -> { }, bound -> 0);
        busy.alwaysConflict = true;

        Lease lease = assertInstanceOf(GateDecision.Granted.class, gate.acquire(first("a"), at(0))).lease();
        assertEquals(at(0), lease.notBefore());
        gate.release(lease, Duration.ofSeconds(1), at(1000));
        assertTrue(busy.load(PRO).leases().isEmpty());

        // Once a cool-down is on, contention denies as before: the model is not free.
        busy.alwaysConflict = false;
        Lease second = ((GateDecision.Granted) gate.acquire(first("b"), at(2000))).lease();
        gate.throttled(second, Duration.ofSeconds(30), at(2000));
        busy.alwaysConflict = true;
        assertInstanceOf(GateDecision.Denied.class, gate.acquire(first("c"), at(3000)));
    }

    @Test
    void writersThatKeepCollidingGetAShortDenialAndReleaseStillFreesTheSlot() {
        LossyStore busy = new LossyStore();
        PacedUpstreamGate gate = new PacedUpstreamGate(busy, UpstreamLimits.parse("*:60:1", MODELS),
                GateTuning.DEFAULT, () -> "lease-" + ++ids, ms -> { }, bound -> 0);
        Lease lease = ((GateDecision.Granted) gate.acquire(first("a"), at(0))).lease();
        busy.alwaysConflict = true;

        GateDecision.Denied denied = assertInstanceOf(GateDecision.Denied.class, gate.acquire(first("b"), at(100)));
        assertEquals(WaitReason.RATE, denied.reason());
        assertEquals(at(1100), denied.retryAt());

        gate.release(lease, Duration.ofSeconds(1), at(1000));
        assertTrue(busy.load(PRO).leases().isEmpty(), "forced out");

        busy.alwaysConflict = false;
        Lease another = ((GateDecision.Granted) gate.acquire(first("c"), at(2000))).lease();
        busy.alwaysConflict = true;
        gate.throttled(another, Duration.ofSeconds(9), at(2000));
        assertTrue(busy.load(PRO).leases().isEmpty());
        assertEquals(11_000, busy.load(PRO).coolUntil() - T0.toEpochMilli());
    }

    /** A store whose save can fail after writing (a lost answer), or always conflict. */
    private static final class LossyStore implements GateStore {
        private final InMemoryGateStore inner = new InMemoryGateStore();
        boolean loseNextAnswer;
        boolean alwaysConflict;

        @Override
        public GateState load(String model) {
            return inner.load(model);
        }

        @Override
        public boolean save(String model, GateState state, long expectedVersion, long nowMillis) {
            if (alwaysConflict) {
                return false;
            }
            boolean saved = inner.save(model, state, expectedVersion, nowMillis);
            if (saved && loseNextAnswer) {
                loseNextAnswer = false;
                return false;
            }
            return saved;
        }

        @Override
        public Line takeTicket(String model, String tenant, long nowMillis) {
            return inner.takeTicket(model, tenant, nowMillis);
        }

        @Override
        public Line line(String model, String tenant) {
            return inner.line(model, tenant);
        }

        @Override
        public Line serve(String model, String tenant, int tickets, long nowMillis) {
            return inner.serve(model, tenant, tickets, nowMillis);
        }

        @Override
        public void forceRelease(String model, String leaseId) {
            inner.forceRelease(model, leaseId);
        }

        @Override
        public void forceCoolDown(String model, long untilMillis) {
            inner.forceCoolDown(model, untilMillis);
        }
    }
}
