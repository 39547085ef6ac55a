package imagejobs.shared.limits;

import java.time.Instant;

/**
 * One granted call slot. The call may start at {@code notBefore} (at most the gate's lookahead, about a second,
 * after the grant) and the slot is held until {@link UpstreamGate#release} or {@link UpstreamGate#throttled} or,
 * should the holder die, until {@code expiresAt}.
 *
 * @param ticketed whether the job held a place in its tenant's line (it had waited before)
 */
public record Lease(String model, String tenant, String id, Instant notBefore, Instant expiresAt, boolean ticketed) {
}
