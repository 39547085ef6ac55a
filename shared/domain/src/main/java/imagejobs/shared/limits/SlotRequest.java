package imagejobs.shared.limits;

import java.time.Duration;
import java.util.Objects;

/**
 * A job asking to call Gemini.
 *
 * @param model       the upstream model id (the quota's unit)
 * @param tenant      whose job it is (fair shares between tenants)
 * @param ticket      the job's place in its tenant's line from an earlier denial, or null the first time
 * @param reservation the id of the reservation the job was given earlier ({@link GateDecision.Reserved}), or null
 * @param leaseFor    how long the slot is held should the caller never give it back (crash, timeout): longer than
 *                    the call may take
 */
public record SlotRequest(String model, String tenant, Long ticket, String reservation, Duration leaseFor) {
    public SlotRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(tenant, "tenant");
        if (leaseFor == null || leaseFor.isNegative() || leaseFor.isZero()) {
            throw new IllegalArgumentException("leaseFor must be positive");
        }
    }

    /** A job asking for the first time. */
    public static SlotRequest first(String model, String tenant, Duration leaseFor) {
        return new SlotRequest(model, tenant, null, null, leaseFor);
    }
}
