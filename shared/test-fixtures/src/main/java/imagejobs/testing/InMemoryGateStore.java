package imagejobs.testing;

import imagejobs.shared.limits.GateState;
import imagejobs.shared.limits.GateStore;

import java.util.HashMap;
import java.util.Map;

/**
 * {@link GateStore} in this process's memory, with the same optimistic-concurrency rule as the DynamoDB one (a save
 * fails if the version moved). For tests, the simulation harness and single-process runs.
 */
public final class InMemoryGateStore implements GateStore {
    private final Map<String, GateState> states = new HashMap<>();
    private final Map<String, Line> lines = new HashMap<>();

    @Override
    public synchronized GateState load(String model) {
        GateState state = states.get(model);
        return state == null ? new GateState() : state.copy();
    }

    @Override
    public synchronized boolean save(String model, GateState state, long expectedVersion, long nowMillis) {
        GateState current = states.get(model);
        long version = current == null ? 0 : current.version();
        if (version != expectedVersion) {
            return false;
        }
        GateState stored = state.copy();
        stored.version(expectedVersion + 1);
        states.put(model, stored);
        return true;
    }

    @Override
    public synchronized Line takeTicket(String model, String tenant, long nowMillis) {
        return lines.merge(key(model, tenant), new Line(1, 0), (a, b) -> new Line(a.issued() + 1, a.served()));
    }

    @Override
    public synchronized Line line(String model, String tenant) {
        return lines.getOrDefault(key(model, tenant), new Line(0, 0));
    }

    @Override
    public synchronized Line serve(String model, String tenant, int tickets, long nowMillis) {
        return lines.merge(key(model, tenant), new Line(0, tickets),
                (a, b) -> new Line(a.issued(), a.served() + tickets));
    }

    @Override
    public synchronized void forceRelease(String model, String leaseId) {
        GateState state = states.get(model);
        if (state != null && state.removeLease(leaseId)) {
            state.version(state.version() + 1);
        }
    }

    @Override
    public synchronized void forceCoolDown(String model, long untilMillis) {
        GateState state = states.computeIfAbsent(model, m -> new GateState());
        if (state.coolUntil() < untilMillis) {
            state.extendCoolDown(untilMillis);
            state.version(state.version() + 1);
        }
    }

    private static String key(String model, String tenant) {
        return model + "\u0000" + tenant;
    }
}
