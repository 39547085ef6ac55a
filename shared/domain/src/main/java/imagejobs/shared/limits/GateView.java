package imagejobs.shared.limits;

import java.time.Instant;

/**
 * A model's gate as it stands, for logs, metrics and tests.
 *
 * @param pacedRpm   the requests per minute the gate paces to now (told or learned, the lower), or null: none
 * @param learnedRpm the rate learned from Gemini's 429s, or null while none was learned (or probing passed the
 *                   told limit)
 * @param coolUntil  when the shared cool-down ends, or null when there is none
 * @param inFlight   live leases
 * @param waitingTenants tenants that were denied a slot recently (they share the capacity)
 */
public record GateView(String model, Double pacedRpm, Double learnedRpm, Instant coolUntil, int inFlight,
                       int waitingTenants) {
}
