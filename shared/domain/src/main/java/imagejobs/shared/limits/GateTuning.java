package imagejobs.shared.limits;

import java.time.Duration;

/**
 * The gate's constants. {@link #DEFAULT} is what the service runs with; the simulation harness and the tests vary
 * them.
 *
 * @param guard              added to the minute when pacing: calls are spaced by (60 s + guard) / rpm, so the
 *                           spread of arrival times at Gemini (network, clocks) never puts rpm + 1 calls into one
 *                           of its 60-second windows; 1 s costs 1.6 % of the quota
 * @param lookahead          how far ahead of its time a slot may be granted; the caller waits out the rest (at most
 *                           this long) so that whole-second queue delays do not waste slots
 * @param reserveWindow      a job among the first of its tenant's line that this window of the tenant's turns holds
 *                           (at least two) gets a reservation (a slot later on) instead of a plain denial, as long as
 *                           its tenant holds fewer reservations than that
 * @param probeEvery         with a learned rate and a backlog, how often the gate tries a higher rate
 * @param probeStep          the first probe's increase (5 %); each further probe without a 429 doubles it
 * @param maxProbeFactor     the largest single increase (×2)
 * @param learnMaxDelay      a 429 asking for a longer wait than this is not a per-minute quota (a daily one, an
 *                           outage): it cools down without teaching a rate
 * @param minLearnedRpm      the learned rate never goes below this
 * @param backoffBase        cool-down after a 429 that named no delay, doubling per 429 in a row
 * @param backoffCap         longest such cool-down
 * @param defaultCallTime    expected call duration until some were measured (concurrency waits)
 * @param minActiveWindow    a tenant denied a slot within this window (at least) shares the capacity
 * @param maxActiveWindow    ... and at most this window; in between, four of its turns
 * @param waitingRefresh     a waiting tenant's mark is rewritten at most this often (saves writes)
 * @param spreadFactor       a denied job comes back after (position - 1) × the tenant's spacing × this
 */
public record GateTuning(Duration guard, Duration lookahead, Duration reserveWindow,
                         Duration probeEvery, double probeStep, double maxProbeFactor, Duration learnMaxDelay,
                         double minLearnedRpm, Duration backoffBase, Duration backoffCap, Duration defaultCallTime,
                         Duration minActiveWindow, Duration maxActiveWindow, Duration waitingRefresh,
                         double spreadFactor) {

    public static final GateTuning DEFAULT = new GateTuning(Duration.ofSeconds(1), Duration.ofSeconds(1),
            Duration.ofSeconds(5), Duration.ofSeconds(120), 0.05, 2.0, Duration.ofSeconds(65),
            1.0, Duration.ofSeconds(2), Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(15),
            Duration.ofSeconds(120), Duration.ofSeconds(1), 1.0);

    public GateTuning withSpreadFactor(double factor) {
        return new GateTuning(guard, lookahead, reserveWindow, probeEvery, probeStep, maxProbeFactor,
                learnMaxDelay, minLearnedRpm, backoffBase, backoffCap, defaultCallTime, minActiveWindow,
                maxActiveWindow, waitingRefresh, factor);
    }

    public GateTuning withReserveWindow(Duration window) {
        return new GateTuning(guard, lookahead, window, probeEvery, probeStep, maxProbeFactor,
                learnMaxDelay, minLearnedRpm, backoffBase, backoffCap, defaultCallTime, minActiveWindow,
                maxActiveWindow, waitingRefresh, spreadFactor);
    }

    public GateTuning withProbe(Duration every, double step) {
        return new GateTuning(guard, lookahead, reserveWindow, every, step, maxProbeFactor, learnMaxDelay,
                minLearnedRpm, backoffBase, backoffCap, defaultCallTime, minActiveWindow, maxActiveWindow,
                waitingRefresh, spreadFactor);
    }

    public GateTuning withGuard(Duration newGuard) {
        return new GateTuning(newGuard, lookahead, reserveWindow, probeEvery, probeStep, maxProbeFactor,
                learnMaxDelay, minLearnedRpm, backoffBase, backoffCap, defaultCallTime, minActiveWindow,
                maxActiveWindow, waitingRefresh, spreadFactor);
    }

    public GateTuning withLookahead(Duration newLookahead) {
        return new GateTuning(guard, newLookahead, reserveWindow, probeEvery, probeStep, maxProbeFactor,
                learnMaxDelay, minLearnedRpm, backoffBase, backoffCap, defaultCallTime, minActiveWindow,
                maxActiveWindow, waitingRefresh, spreadFactor);
    }
}
