package imagejobs.shared.limits;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;

/**
 * The gate's decisions on one model's {@link GateState}, free of storage and clocks (the caller passes "now"), so
 * the same rules run in memory, on DynamoDB and in the simulation harness.
 *
 * <ul>
 * <li><b>Pacing</b> is GCRA (the virtual-scheduling form of a leaky bucket): calls start at least
 * (60 s + guard) / rpm apart, with no burst, so no 60-second window sees more than the quota however the calls
 * are spread. A slot up to {@code lookahead} ahead may be granted; the caller waits out the rest.</li>
 * <li><b>Concurrency</b> counts live leases; an expired lease (its holder died) no longer counts.</li>
 * <li><b>Cool-down</b>: a 429 stops every caller of the model until Gemini's retry delay has passed.</li>
 * <li><b>Learning</b>: when no quota was told (or a higher one), a 429 teaches the rate Gemini accepted: the calls
 * granted in the 60 s before the throttled one. The gate paces to the lower of told and learned, and while jobs
 * wait it probes upward every {@code probeEvery}, by 5 %, then 10 %, 20 %... until the next 429.</li>
 * <li><b>Fair shares</b>: while several tenants wait (a denial marks a tenant waiting for a window of a few of its
 * turns), each gets 1/n of the rate (its own pacing clock, spaced n times wider) and of the concurrency. A tenant
 * alone may use everything.</li>
 * </ul>
 */
public final class GateRules {
    private static final long MINUTE_MICROS = 60_000_000L;
    /** Grants kept per second, for what the next 429 teaches (calls can take a while to be refused). */
    private static final long GRANTS_KEPT_SECONDS = 120;

    /** What {@link #acquire} decided, and whether the state changed (then it must be written back). */
    public sealed interface Verdict {
        boolean changed();
    }

    /**
     * A slot: the lease is in the state already. Times in epoch ms. {@code reserved}: the slot is later than the
     * lookahead; the job comes back for it at {@code notBefore}. {@code changed} is false when an earlier reservation
     * was taken up (nothing new to write).
     */
    public record Grant(long notBefore, long expiresAt, boolean reserved, boolean changed) implements Verdict {
    }

    /**
     * No slot before {@code retryAt} (epoch ms). {@code spacingMillis} is how far apart this tenant's turns are at
     * the current rate: a job with others of its tenant ahead comes back that much later per job ahead.
     */
    public record Deny(WaitReason reason, long retryAt, long spacingMillis, boolean changed) implements Verdict {
    }

    private final GateTuning tuning;

    public GateRules(GateTuning tuning) {
        this.tuning = tuning;
    }

    public GateTuning tuning() {
        return tuning;
    }

    /**
     * Decides one request and records the grant, the reservation or the tenant's waiting in {@code s}.
     *
     * @param leaseId  the new lease's id, or, when {@code reserved} is true, the id of the reservation the job holds
     * @param ticketed whether the job already holds a place in its tenant's line
     * @param position its place in that line (1: first, or its turn passed), or for a new job one behind the
     *                 tenant's waiting ones (1 when none wait)
     */
    public Verdict acquire(GateState s, ModelLimit limit, String tenant, String leaseId, boolean reserved,
                           boolean ticketed, long position, Duration leaseFor, long now) {
        prune(s, now);
        if (reserved) {
            GateState.LeaseEntry held = s.leases.get(leaseId);
            if (held != null && held.tenant().equals(tenant)) {
                return new Grant(held.notBefore(), held.expiresAt(), held.notBefore() - now > lookaheadMillis(),
                        false);
            }
            // Voided by a 429 or expired: the job asks like any other, keeping its place in line.
        }
        Double rpm = pacedRpm(s, limit);
        long interval = rpm == null ? 0 : intervalMicros(rpm);
        long callMs = s.callMillis > 0 ? s.callMillis : tuning.defaultCallTime().toMillis();
        int waiting = waitingTenants(s, tenant, now, interval, limit, callMs);
        Integer concurrency = limit.concurrency();
        if (concurrency != null) {
            long concurrencySpacing = Math.max(1, callMs * waiting / concurrency);
            if (s.leases.size() >= concurrency) {
                return deny(s, tenant, WaitReason.CONCURRENCY, expectedFree(s, null, callMs, now), concurrencySpacing,
                        now);
            }
            if (waiting > 1) {
                int share = (concurrency + waiting - 1) / waiting;
                if (count(s, tenant) >= share) {
                    return deny(s, tenant, WaitReason.CONCURRENCY, expectedFree(s, tenant, callMs, now),
                            concurrencySpacing, now);
                }
            }
        }
        GateState.TenantEntry mine = s.tenants.get(tenant);
        long nowMicros = now * 1000;
        long earliest = nowMicros;
        if (s.coolUntil > now) {
            earliest = Math.max(earliest, s.coolUntil * 1000);
        }
        if (rpm != null) {
            earliest = Math.max(earliest, s.tatMicros);
            if (waiting > 1 && mine != null) {
                earliest = Math.max(earliest, mine.tatMicros());
            }
        }
        long spacing = rpm != null ? Math.max(1, interval * waiting / 1000)
                : concurrency != null ? Math.max(1, callMs * waiting / concurrency) : 1000;
        boolean later = earliest - nowMicros > lookaheadMillis() * 1000;
        if (later) {
            WaitReason reason = s.coolUntil > now && s.coolUntil * 1000 >= earliest ? WaitReason.COOL_DOWN
                    : WaitReason.RATE;
            long turns = Math.max(2, tuning.reserveWindow().toMillis() / spacing);
            // The first few of a tenant's line hold the next slots (its share of them), so they neither race each
            // other for the next free one nor lose it to a job that came back early.
            boolean reserve = rpm != null && position <= turns && reservations(s, tenant, now) < turns;
            if (!reserve) {
                return deny(s, tenant, reason, ceilMillis(earliest), spacing, now);
            }
            markWaiting(s, tenant, reason, now);
            mine = s.tenants.get(tenant);
        }
        if (rpm != null) {
            s.tatMicros = earliest + interval;
        }
        long tenantTat = rpm != null ? earliest + interval * waiting : (mine == null ? 0 : mine.tatMicros());
        s.tenants.put(tenant, new GateState.TenantEntry(tenantTat, mine == null ? 0 : mine.waitingAt()));
        long notBefore = ceilMillis(earliest);
        long expiresAt = notBefore + leaseFor.toMillis();
        s.leases.put(leaseId, new GateState.LeaseEntry(tenant, notBefore, expiresAt, ticketed));
        s.grants.merge(Math.floorDiv(notBefore, 1000), 1, Integer::sum);
        return new Grant(notBefore, expiresAt, later, true);
    }

    /**
     * Where a denied job should come back: after the {@code position - 1} jobs of its tenant ahead of it have had
     * their turns.
     */
    public long retryAt(Deny deny, long position) {
        long ahead = Math.max(0, position - 1);
        return deny.retryAt() + Math.round(ahead * deny.spacingMillis() * tuning.spreadFactor());
    }

    /** The call ended (not a 429). Measures its duration and, with a backlog, probes for a higher rate. */
    public void release(GateState s, String leaseId, Duration callTime, ModelLimit limit, long now) {
        prune(s, now);
        s.leases.remove(leaseId);
        if (callTime != null && !callTime.isNegative()) {
            long ms = callTime.toMillis();
            s.callMillis = s.callMillis == 0 ? Math.max(1, ms) : Math.max(1, Math.round(0.8 * s.callMillis + 0.2 * ms));
            s.coolStreak = 0;
        }
        if (s.learnedRpm > 0 && now >= s.probeAt) {
            if (s.saturated) {
                double factor = Math.min(tuning.maxProbeFactor(),
                        1 + tuning.probeStep() * Math.pow(2, Math.min(20, s.probeStreak)));
                s.learnedRpm = s.learnedRpm * factor;
                s.probeStreak++;
                if (limit.rpm() != null && s.learnedRpm >= limit.rpm()) {
                    // Back at the told quota: that is what governs again.
                    s.learnedRpm = 0;
                    s.probeStreak = 0;
                }
            }
            s.probeAt = now + tuning.probeEvery().toMillis();
            s.saturated = false;
        }
    }

    /**
     * Gemini refused the lease's call with 429: frees the slot, cools the model down and, if the refusal opens a
     * new episode and looks like a per-minute quota, learns the rate Gemini accepted.
     *
     * @param retryDelay what Gemini asked for, or null: a backoff doubling per 429 in a row
     */
    public void throttled(GateState s, String leaseId, long leaseNotBefore, Duration retryDelay, long now) {
        prune(s, now);
        s.leases.remove(leaseId);
        long delay = retryDelay != null ? Math.max(0, retryDelay.toMillis()) : backoff(s.coolStreak);
        s.coolStreak = Math.min(30, s.coolStreak + 1);
        s.coolUntil = Math.max(s.coolUntil, now + delay);
        // Reservations inside the cool-down would meet the same 429: their holders ask again when they come back.
        s.leases.values().removeIf(lease -> lease.notBefore() > now && lease.notBefore() < s.coolUntil);
        // Only Gemini's own quota answer (it always names its delay) teaches a rate; a bare 429 from elsewhere (a
        // proxy, an overload) only cools down.
        if (retryDelay != null && delay <= tuning.learnMaxDelay().toMillis() && leaseNotBefore >= s.learnedAt) {
            long second = Math.floorDiv(leaseNotBefore, 1000);
            int accepted = 0;
            for (int n : s.grants.subMap(second - 60, true, second, false).values()) {
                accepted += n;
            }
            if (accepted >= 1) {
                s.learnedRpm = Math.max(tuning.minLearnedRpm(), accepted);
                s.learnedAt = now;
                s.probeAt = now + tuning.probeEvery().toMillis();
                s.probeStreak = 0;
                s.saturated = false;
            }
        }
    }

    public void coolDown(GateState s, long until) {
        s.coolUntil = Math.max(s.coolUntil, until);
    }

    /** The tenant has no job waiting any more: it stops holding a share. True when that changed the state. */
    public boolean tenantDone(GateState s, String tenant) {
        GateState.TenantEntry entry = s.tenants.get(tenant);
        if (entry == null || entry.waitingAt() == 0) {
            return false;
        }
        s.tenants.put(tenant, new GateState.TenantEntry(entry.tatMicros(), 0));
        return true;
    }

    public GateView view(String model, GateState s, ModelLimit limit, long now) {
        prune(s, now);
        Double rpm = pacedRpm(s, limit);
        long interval = rpm == null ? 0 : intervalMicros(rpm);
        long callMs = s.callMillis > 0 ? s.callMillis : tuning.defaultCallTime().toMillis();
        int waiting = waitingTenants(s, null, now, interval, limit, callMs);
        return new GateView(model, rpm, s.learnedRpm > 0 ? s.learnedRpm : null,
                s.coolUntil > now ? Instant.ofEpochMilli(s.coolUntil) : null, s.leases.size(), waiting);
    }

    /** The rate paced to: the lower of the told and the learned one, null when neither exists. */
    public static Double pacedRpm(GateState s, ModelLimit limit) {
        Double told = limit.rpm() == null ? null : limit.rpm().doubleValue();
        Double learned = s.learnedRpm > 0 ? s.learnedRpm : null;
        if (told == null) {
            return learned;
        }
        return learned == null ? told : Math.min(told, learned);
    }

    long intervalMicros(double rpm) {
        return Math.max(1, Math.round((MINUTE_MICROS + tuning.guard().toNanos() / 1000) / rpm));
    }

    private Deny deny(GateState s, String tenant, WaitReason reason, long retryAt, long spacingMillis, long now) {
        boolean changed = markWaiting(s, tenant, reason, now);
        return new Deny(reason, Math.max(retryAt, now), spacingMillis, changed);
    }

    /** Notes that the tenant waits (it shares the capacity) and that there is demand beyond the rate. */
    private boolean markWaiting(GateState s, String tenant, WaitReason reason, long now) {
        boolean changed = false;
        GateState.TenantEntry entry = s.tenants.get(tenant);
        if (entry == null || entry.waitingAt() == 0 || now - entry.waitingAt() >= tuning.waitingRefresh().toMillis()) {
            s.tenants.put(tenant, new GateState.TenantEntry(entry == null ? 0 : entry.tatMicros(), now));
            changed = true;
        }
        if (reason == WaitReason.RATE && !s.saturated) {
            s.saturated = true;
            changed = true;
        }
        return changed;
    }

    /** The tenant's slots still to come (reservations). */
    private long reservations(GateState s, String tenant, long now) {
        long n = 0;
        for (GateState.LeaseEntry lease : s.leases.values()) {
            if (lease.tenant().equals(tenant) && lease.notBefore() - now > lookaheadMillis()) {
                n++;
            }
        }
        return n;
    }

    private long lookaheadMillis() {
        return tuning.lookahead().toMillis();
    }

    /**
     * Tenants that waited recently, the asking one included (so at least 1 when one asks). The window is four of a waiting tenant's turns (it
     * asks again about once a turn), kept within [minActiveWindow, maxActiveWindow].
     */
    private int waitingTenants(GateState s, String asking, long now, long intervalMicros, ModelLimit limit,
                               long callMs) {
        long maxWindow = tuning.maxActiveWindow().toMillis();
        int recent = 0;
        for (GateState.TenantEntry e : s.tenants.values()) {
            if (e.waitingAt() > 0 && e.waitingAt() >= now - maxWindow) {
                recent++;
            }
        }
        long turn = intervalMicros > 0 ? intervalMicros / 1000
                : limit.concurrency() != null ? callMs / limit.concurrency() : 0;
        long window = Math.min(maxWindow, Math.max(tuning.minActiveWindow().toMillis(),
                4 * turn * Math.max(1, recent)));
        int count = 0;
        boolean askingCounted = false;
        for (Map.Entry<String, GateState.TenantEntry> e : s.tenants.entrySet()) {
            long at = e.getValue().waitingAt();
            if (at > 0 && at >= now - window) {
                count++;
                askingCounted |= e.getKey().equals(asking);
            }
        }
        return asking != null && !askingCounted ? count + 1 : count;
    }

    private static int count(GateState s, String tenant) {
        int n = 0;
        for (GateState.LeaseEntry lease : s.leases.values()) {
            if (lease.tenant().equals(tenant)) {
                n++;
            }
        }
        return n;
    }

    /** When the first of the (tenant's, or all) live calls should be over, going by the average call time. */
    private static long expectedFree(GateState s, String tenant, long callMs, long now) {
        long soonest = Long.MAX_VALUE;
        for (GateState.LeaseEntry lease : s.leases.values()) {
            if (tenant == null || lease.tenant().equals(tenant)) {
                soonest = Math.min(soonest, lease.notBefore() + callMs);
            }
        }
        // A call running past the average may end any moment: look again in a second.
        return soonest == Long.MAX_VALUE ? now + 1000 : Math.max(now + 1000, soonest);
    }

    private long backoff(int streak) {
        long base = tuning.backoffBase().toMillis();
        long cap = tuning.backoffCap().toMillis();
        return Math.min(cap, base << Math.min(20, streak));
    }

    /** Forgets what no decision needs any more: dead leases, old grant counts, tenants long gone. */
    private void prune(GateState s, long now) {
        s.leases.values().removeIf(lease -> lease.expiresAt() <= now);
        s.grants.headMap(Math.floorDiv(now, 1000) - GRANTS_KEPT_SECONDS, false).clear();
        long nowMicros = now * 1000;
        long forgetBefore = now - tuning.maxActiveWindow().toMillis();
        for (Iterator<Map.Entry<String, GateState.TenantEntry>> it = s.tenants.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, GateState.TenantEntry> e = it.next();
            GateState.TenantEntry t = e.getValue();
            if (t.waitingAt() < forgetBefore && t.tatMicros() < nowMicros && count(s, e.getKey()) == 0) {
                it.remove();
            }
        }
        if (s.coolUntil > 0 && s.coolUntil < now - tuning.backoffCap().toMillis()) {
            s.coolUntil = 0;
        }
    }

    private static long ceilMillis(long micros) {
        return Math.floorDiv(micros + 999, 1000);
    }
}
