package imagejobs.shared.limits;

/**
 * Where {@link PacedUpstreamGate} keeps its state: one record per model, written only if unchanged since it was read
 * (optimistic concurrency), and one counter pair per (model, tenant) for the tenant's line. Implemented in memory
 * ({@code imagejobs.testing.InMemoryGateStore}) and on DynamoDB ({@code imagejobs.adapters.dynamo.DynamoGateStore}).
 */
public interface GateStore {

    /** A tenant's line: tickets handed out and tickets served (or given up). */
    record Line(long issued, long served) {
    }

    /** The model's state as stored (strongly consistent), or a new {@link GateState} of version 0. */
    GateState load(String model);

    /**
     * Stores {@code state} as version {@code expectedVersion + 1} if the stored version is still
     * {@code expectedVersion} (0: nothing stored). False when another writer came first; the caller reads again.
     *
     * @param nowMillis for the record's expiry (a model unused for days is forgotten)
     */
    boolean save(String model, GateState state, long expectedVersion, long nowMillis);

    /** Hands out the tenant's next ticket (1, 2, ...) atomically; returns the line after it. */
    Line takeTicket(String model, String tenant, long nowMillis);

    /** The tenant's line as it is. */
    Line line(String model, String tenant);

    /** Counts {@code tickets} (one, or two to write off a lost one) as served, atomically; returns the line after. */
    Line serve(String model, String tenant, int tickets, long nowMillis);

    /** Removes a lease without reading first: the way out when writers keep colliding. */
    void forceRelease(String model, String leaseId);

    /** Sets the cool-down without reading first (never shortens it): the way out when writers keep colliding. */
    void forceCoolDown(String model, long untilMillis);
}
