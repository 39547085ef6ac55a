package imagejobs.shared.limits;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Everything the gate knows about one model, as one stored record (one DynamoDB item): read, decided on by
 * {@link GateRules}, and written back only if nobody wrote in between ({@code version}). Times are epoch
 * milliseconds, the pacing clocks epoch microseconds (a 1,000 rpm spacing is 61 ms; rounding it to whole
 * milliseconds would drift).
 */
public final class GateState {
    /** A granted slot: who holds it, when its call may start, when it is given up for dead. */
    public record LeaseEntry(String tenant, long notBefore, long expiresAt, boolean ticketed) {
    }

    /**
     * A tenant seen by the gate: its own pacing clock (its fair share) and when it last had to wait (0: not
     * waiting).
     */
    public record TenantEntry(long tatMicros, long waitingAt) {
    }

    long version;
    /** GCRA's theoretical arrival time: the earliest start of the next call at the paced rate. */
    long tatMicros;
    /** Requests per minute learned from 429s; 0 when none. */
    double learnedRpm;
    /** When the current rate was learned: calls granted before it belong to an episode already learned from. */
    long learnedAt;
    long probeAt;
    int probeStreak;
    /** A job was denied for rate since the last probe: there is demand for a higher rate. */
    boolean saturated;
    long coolUntil;
    int coolStreak;
    /** Moving average of call durations; 0 until one was measured. */
    long callMillis;
    final Map<String, LeaseEntry> leases;
    /** Grants per epoch second of their start, for the last two minutes (what a 429 teaches). */
    final NavigableMap<Long, Integer> grants;
    final Map<String, TenantEntry> tenants;

    public GateState() {
        this(0, 0, 0, 0, 0, 0, false, 0, 0, 0, Map.of(), Map.of(), Map.of());
    }

    public GateState(long version, long tatMicros, double learnedRpm, long learnedAt, long probeAt, int probeStreak,
                     boolean saturated, long coolUntil, int coolStreak, long callMillis, Map<String, LeaseEntry> leases,
                     Map<Long, Integer> grants, Map<String, TenantEntry> tenants) {
        this.version = version;
        this.tatMicros = tatMicros;
        this.learnedRpm = learnedRpm;
        this.learnedAt = learnedAt;
        this.probeAt = probeAt;
        this.probeStreak = probeStreak;
        this.saturated = saturated;
        this.coolUntil = coolUntil;
        this.coolStreak = coolStreak;
        this.callMillis = callMillis;
        this.leases = new LinkedHashMap<>(leases);
        this.grants = new TreeMap<>(grants);
        this.tenants = new HashMap<>(tenants);
    }

    public GateState copy() {
        return new GateState(version, tatMicros, learnedRpm, learnedAt, probeAt, probeStreak, saturated, coolUntil,
                coolStreak, callMillis, leases, grants, tenants);
    }

    /** The stored record's version; 0 for a model never stored. */
    public long version() {
        return version;
    }

    public void version(long newVersion) {
        this.version = newVersion;
    }

    public long tatMicros() {
        return tatMicros;
    }

    public double learnedRpm() {
        return learnedRpm;
    }

    public long learnedAt() {
        return learnedAt;
    }

    public long probeAt() {
        return probeAt;
    }

    public int probeStreak() {
        return probeStreak;
    }

    public boolean saturated() {
        return saturated;
    }

    public long coolUntil() {
        return coolUntil;
    }

    /** The stores' forced cool-down (a store outside this package applies it as DynamoDB's conditional SET does). */
    public void extendCoolDown(long untilMillis) {
        coolUntil = Math.max(coolUntil, untilMillis);
    }

    /** The stores' forced release; true if the lease was there. */
    public boolean removeLease(String leaseId) {
        return leases.remove(leaseId) != null;
    }

    public int coolStreak() {
        return coolStreak;
    }

    public long callMillis() {
        return callMillis;
    }

    public Map<String, LeaseEntry> leases() {
        return java.util.Collections.unmodifiableMap(leases);
    }

    public Map<Long, Integer> grants() {
        return java.util.Collections.unmodifiableMap(grants);
    }

    public Map<String, TenantEntry> tenants() {
        return java.util.Collections.unmodifiableMap(tenants);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GateState s && version == s.version && tatMicros == s.tatMicros
                && Double.compare(learnedRpm, s.learnedRpm) == 0 && learnedAt == s.learnedAt && probeAt == s.probeAt
                && probeStreak == s.probeStreak && saturated == s.saturated && coolUntil == s.coolUntil
                && coolStreak == s.coolStreak && callMillis == s.callMillis && leases.equals(s.leases)
                && grants.equals(s.grants) && tenants.equals(s.tenants);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(version, tatMicros, leases.keySet());
    }

    @Override
    public String toString() {
        return "GateState[v" + version + ", tat=" + tatMicros + "us, learned=" + learnedRpm + ", cool=" + coolUntil
                + ", leases=" + leases.size() + ", tenants=" + tenants.keySet() + "]";
    }
}
