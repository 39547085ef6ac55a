package imagejobs.shared.limits;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongConsumer;
import java.util.function.LongUnaryOperator;
import java.util.function.Supplier;

/**
 * {@link UpstreamGate} on a {@link GateStore}: every decision reads the model's record, applies {@link GateRules} and
 * writes the record back only if nobody wrote in between, retrying a bounded number of times. So every worker
 * instance, however many run at once, sees one shared pace, one set of leases and one cool-down.
 *
 * <p>A write whose answer was lost (the store retried it and then saw its own change) is recognised on the next
 * read by the lease id it added or removed, so a grant is never handed out twice for one request.
 */
public final class PacedUpstreamGate implements UpstreamGate {
    /** Conflicting writers are rare (a grant per slot); eight rounds cover dozens of workers asking at once. */
    public static final int MAX_WRITE_TRIES = 8;
    /** Comes back this long after writers kept colliding. */
    static final long CONTENDED_RETRY_MILLIS = 1000;
    /** Jobs at the front of a line that are denied come back spread over this many turns (see the harness). */
    static final long FRONT_SPREAD_TURNS = 3;

    private final GateStore store;
    private final UpstreamLimits limits;
    private final GateRules rules;
    private final Supplier<String> leaseIds;
    private final LongConsumer pause;
    /** bound → a number in [0, bound). */
    private final LongUnaryOperator jitter;

    public PacedUpstreamGate(GateStore store, UpstreamLimits limits) {
        this(store, limits, GateTuning.DEFAULT, () -> UUID.randomUUID().toString(), PacedUpstreamGate::sleep,
                bound -> bound <= 0 ? 0 : ThreadLocalRandom.current().nextLong(bound));
    }

    /**
     * @param leaseIds a new unique id per request
     * @param pause    waits the given milliseconds between colliding writes (tests pass a no-op)
     * @param jitter   bound → a number in [0, bound) (tests pin it)
     */
    public PacedUpstreamGate(GateStore store, UpstreamLimits limits, GateTuning tuning, Supplier<String> leaseIds,
                             LongConsumer pause, LongUnaryOperator jitter) {
        this.store = store;
        this.limits = limits;
        this.rules = new GateRules(tuning);
        this.leaseIds = leaseIds;
        this.pause = pause;
        this.jitter = jitter;
    }

    @Override
    public GateDecision acquire(SlotRequest request, Instant now) {
        long t = now.toEpochMilli();
        ModelLimit limit = limits.forModel(request.model());
        boolean reserved = request.reservation() != null;
        // A voided reservation's id is reused for the new slot: it is unique and nobody else holds it.
        String leaseId = reserved ? request.reservation() : leaseIds.get();
        GateStore.Line line = store.line(request.model(), request.tenant());
        long position = position(request, line);
        GateState stored = null;
        for (int attempt = 0; attempt < MAX_WRITE_TRIES; attempt++) {
            stored = store.load(request.model());
            GateState.LeaseEntry landed = stored.leases.get(leaseId);
            if (landed != null && !reserved) {
                return granted(request, leaseId, landed, landed.notBefore() - t > rules.tuning().lookahead().toMillis(),
                        false, t);
            }
            GateState state = stored.copy();
            GateRules.Verdict verdict = rules.acquire(state, limit, request.tenant(), leaseId, reserved,
                    request.ticket() != null, position, request.leaseFor(), t);
            if (verdict instanceof GateRules.Grant grant && !grant.changed()) {
                return granted(request, leaseId, state.leases.get(leaseId), grant.reserved(), false, t);
            }
            if (!verdict.changed() || store.save(request.model(), state, stored.version(), t)) {
                if (verdict instanceof GateRules.Grant grant) {
                    return granted(request, leaseId, state.leases.get(leaseId), grant.reserved(), true, t);
                }
                return denied(request, (GateRules.Deny) verdict, line, t);
            }
            backOff(attempt);
        }
        // Writers kept colliding. When nothing limits the model (no told limit, nothing learned, no cool-down) there
        // is no slot to miss: the call goes ahead unrecorded (a lesson from a later 429 may count it short, which only
        // errs low) instead of sending the job round the queue for contention alone, which under a deep backlog
        // would only add writes.
        if (limit.unlimited() && stored != null && stored.learnedRpm() <= 0 && stored.coolUntil() <= t) {
            return new GateDecision.Granted(new Lease(request.model(), request.tenant(), leaseId, now,
                    now.plus(request.leaseFor()), request.ticket() != null));
        }
        // Otherwise the model is busy, so this job is not missing a free slot; it asks again shortly.
        return denied(request, new GateRules.Deny(WaitReason.RATE,
                t + CONTENDED_RETRY_MILLIS + jitter.applyAsLong(CONTENDED_RETRY_MILLIS),
                CONTENDED_RETRY_MILLIS, false), line, t);
    }

    /**
     * A waiting job's place in its tenant's line (1 when its turn came, or passed while it was away); a new job goes
     * behind the tenant's waiting ones.
     */
    private static long position(SlotRequest request, GateStore.Line line) {
        if (request.ticket() != null) {
            return Math.max(1, request.ticket() - line.served());
        }
        return Math.max(1, line.issued() - line.served() + 1);
    }

    @Override
    public void release(Lease lease, Duration callTime, Instant now) {
        long t = now.toEpochMilli();
        ModelLimit limit = limits.forModel(lease.model());
        for (int attempt = 0; attempt < MAX_WRITE_TRIES; attempt++) {
            GateState stored = store.load(lease.model());
            if (attempt > 0 && !stored.leases.containsKey(lease.id())) {
                return; // the previous write landed
            }
            if (!stored.leases.containsKey(lease.id()) && limit.unlimited() && stored.learnedRpm() <= 0) {
                return; // a slot granted unrecorded (contention, nothing limits the model): nothing to give back
            }
            GateState state = stored.copy();
            rules.release(state, lease.id(), callTime, limit, t);
            if (store.save(lease.model(), state, stored.version(), t)) {
                return;
            }
            backOff(attempt);
        }
        store.forceRelease(lease.model(), lease.id());
    }

    @Override
    public void throttled(Lease lease, Duration retryDelay, Instant now) {
        long t = now.toEpochMilli();
        for (int attempt = 0; attempt < MAX_WRITE_TRIES; attempt++) {
            GateState stored = store.load(lease.model());
            if (attempt > 0 && !stored.leases.containsKey(lease.id())) {
                return;
            }
            GateState state = stored.copy();
            rules.throttled(state, lease.id(), lease.notBefore().toEpochMilli(), retryDelay, t);
            if (store.save(lease.model(), state, stored.version(), t)) {
                return;
            }
            backOff(attempt);
        }
        store.forceRelease(lease.model(), lease.id());
        long delay = retryDelay != null ? retryDelay.toMillis() : rules.tuning().backoffCap().toMillis();
        store.forceCoolDown(lease.model(), t + delay);
    }

    @Override
    public void coolDown(String model, Instant until, Instant now) {
        long t = now.toEpochMilli();
        for (int attempt = 0; attempt < MAX_WRITE_TRIES; attempt++) {
            GateState stored = store.load(model);
            if (stored.coolUntil >= until.toEpochMilli()) {
                return;
            }
            GateState state = stored.copy();
            rules.coolDown(state, until.toEpochMilli());
            if (store.save(model, state, stored.version(), t)) {
                return;
            }
            backOff(attempt);
        }
        store.forceCoolDown(model, until.toEpochMilli());
    }

    @Override
    public void leaveLine(String model, String tenant, Instant now) {
        GateStore.Line line = store.serve(model, tenant, 1, now.toEpochMilli());
        if (line.served() >= line.issued()) {
            tenantDone(model, tenant, now.toEpochMilli());
        }
    }

    @Override
    public GateView view(String model, Instant now) {
        return rules.view(model, store.load(model), limits.forModel(model), now.toEpochMilli());
    }

    /**
     * @param fresh a slot given now (not one reserved earlier): the job's ticket is used up
     */
    private GateDecision granted(SlotRequest request, String leaseId, GateState.LeaseEntry entry, boolean later,
                                 boolean fresh, long now) {
        if (fresh && request.ticket() != null) {
            GateStore.Line line = store.serve(request.model(), request.tenant(), 1, now);
            if (line.served() >= line.issued()) {
                // The tenant's last waiting job got its slot: it stops holding a share at once rather than after the
                // waiting window.
                tenantDone(request.model(), request.tenant(), now);
            }
        }
        Lease lease = new Lease(request.model(), request.tenant(), leaseId, Instant.ofEpochMilli(entry.notBefore()),
                Instant.ofEpochMilli(entry.expiresAt()), entry.ticketed());
        return later ? new GateDecision.Reserved(lease) : new GateDecision.Granted(lease);
    }

    private GateDecision denied(SlotRequest request, GateRules.Deny deny, GateStore.Line before, long now) {
        GateStore.Line line = before;
        long ticket;
        if (request.ticket() == null) {
            line = store.takeTicket(request.model(), request.tenant(), now);
            ticket = line.issued();
        } else {
            ticket = request.ticket();
        }
        long position = Math.max(1, ticket - line.served());
        long retryAt = rules.retryAt(deny, position);
        if (position == 1) {
            // Several jobs at the front (their turns passed while they were away) would all come back for the same
            // next slot; spread over a few turns, most of them find theirs.
            retryAt += jitter.applyAsLong(FRONT_SPREAD_TURNS * deny.spacingMillis());
        }
        return new GateDecision.Denied(deny.reason(), Instant.ofEpochMilli(retryAt), ticket, position);
    }

    /** Best effort: a tenant left marked waiting only loses its mark after the waiting window anyway. */
    private void tenantDone(String model, String tenant, long now) {
        for (int attempt = 0; attempt < 3; attempt++) {
            GateState stored = store.load(model);
            GateState state = stored.copy();
            if (!rules.tenantDone(state, tenant) || store.save(model, state, stored.version(), now)) {
                return;
            }
            backOff(attempt);
        }
    }

    private void backOff(int attempt) {
        pause.accept(1 + ThreadLocalRandom.current().nextLong(1L << Math.min(6, attempt + 1)));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
