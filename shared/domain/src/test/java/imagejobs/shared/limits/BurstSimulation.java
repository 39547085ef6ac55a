package imagejobs.shared.limits;

import imagejobs.testing.InMemoryGateStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * A discrete-event simulation of a burst draining through the gate, in virtual time (no Lambda, no emulators, no
 * sleeping): a queue with whole-second message delays, workers that ask the gate before each call and re-send a
 * denied message with its delay, and a Gemini quota (a sliding 60-second window, answering 429 with the truthful
 * retry delay, as the local simulator does). It prints what the benchmark will measure: the share of 429s, the
 * rate achieved against the quota and each tenant's waits. Used to tune {@link GateTuning}; {@code main} runs the
 * standard scenarios ({@code -Dverbose=true}: calls and denials per minute; {@code -Dtrace=N}: every decision
 * for job N), {@link BurstSimulationTest} holds the targets.
 */
public final class BurstSimulation {

    /** One tenant's burst: {@code jobs} submitted at once, {@code at} ms after the start. */
    public record Burst(String tenant, int jobs, long at) {
    }

    /**
     * @param quotaRpm     what the simulated Gemini accepts per 60-second window
     * @param told         the limits the service is told (GEMINI_LIMITS), or {@link ModelLimit#UNLIMITED}
     * @param workers      concurrent workers (the event source's maximum concurrency)
     * @param minCallMs    shortest Gemini call
     * @param maxCallMs    longest Gemini call
     * @param maxJitterMs  network time from the grant to Gemini's front door, uniform in [0, maxJitterMs]
     * @param overheadMs   a worker's own time per message (gate, job and queue calls)
     */
    public record Scenario(String name, int quotaRpm, ModelLimit told, int workers, long minCallMs, long maxCallMs,
                           long maxJitterMs, long overheadMs, List<Burst> bursts, GateTuning tuning, long seed) {

        public static Scenario standard(String name, int quotaRpm, ModelLimit told, int workers, List<Burst> bursts) {
            return new Scenario(name, quotaRpm, told, workers, 5_000, 15_000, 150, 40, bursts, GateTuning.DEFAULT,
                    16);
        }

        public Scenario with(GateTuning newTuning) {
            return new Scenario(name, quotaRpm, told, workers, minCallMs, maxCallMs, maxJitterMs, overheadMs, bursts,
                    newTuning, seed);
        }

        public Scenario withCalls(long minMs, long maxMs) {
            return new Scenario(name, quotaRpm, told, workers, minMs, maxMs, maxJitterMs, overheadMs, bursts, tuning,
                    seed);
        }

        public Scenario withSeed(long newSeed) {
            return new Scenario(name, quotaRpm, told, workers, minCallMs, maxCallMs, maxJitterMs, overheadMs, bursts,
                    tuning, newSeed);
        }
    }

    /** Per tenant: queue waits (submit to call start of the successful call) and completion times, ms. */
    public record TenantResult(String tenant, int jobs, long waitP50, long waitP95, long doneP50, long doneMax) {
    }

    /**
     * @param achievedShare successful calls per minute while the backlog lasted (first submit to last success),
     *                      divided by the quota
     */
    public record Result(Scenario scenario, int jobs, int succeeded, int calls, int throttled, double throttledShare,
                         double achievedShare, long drainMs, Map<String, TenantResult> tenants, int denials,
                         int maxSeenInWindow, int peakInFlight) {

        /** The fairness target: every job of {@code light} finished before the median job of {@code heavy}. */
        public boolean lightBeforeHeavyMedian(String light, String heavy) {
            return tenants.get(light).doneMax() <= tenants.get(heavy).doneP50();
        }

        public String line() {
            StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                    "%-34s jobs %5d ok %5d calls %5d 429s %4d (%5.2f%%) achieved %5.1f%% of %d rpm, drained in %s,"
                            + " denials/job %.1f, window peak %d, in flight peak %d",
                    scenario.name(), jobs, succeeded, calls, throttled, 100 * throttledShare, 100 * achievedShare,
                    scenario.quotaRpm(), minutes(drainMs), (double) denials / jobs, maxSeenInWindow, peakInFlight));
            tenants.values().forEach(t -> out.append(String.format(Locale.ROOT,
                    "%n    tenant %-3s %5d jobs: wait p50 %s p95 %s, done p50 %s, last done %s", t.tenant(), t.jobs(),
                    minutes(t.waitP50()), minutes(t.waitP95()), minutes(t.doneP50()), minutes(t.doneMax()))));
            return out.toString();
        }

        private static String minutes(long ms) {
            return String.format(Locale.ROOT, "%dm%02ds", ms / 60_000, (ms / 1000) % 60);
        }
    }

    private record Message(int job, long visibleAt, long seq) {
    }

    private static final class Job {
        final int id;
        final String tenant;
        final long submittedAt;
        Long ticket;
        String reservation;
        long startedAt = -1;
        long doneAt = -1;

        Job(int id, String tenant, long submittedAt) {
            this.id = id;
            this.tenant = tenant;
            this.submittedAt = submittedAt;
        }
    }

    private record Event(long at, long seq, Runnable action) {
    }

    private final Scenario scenario;
    private final Random random;
    private final PriorityQueue<Event> events = new PriorityQueue<>((a, b) -> a.at != b.at
            ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private final PriorityQueue<Message> queue = new PriorityQueue<>((a, b) -> a.visibleAt != b.visibleAt
            ? Long.compare(a.visibleAt, b.visibleAt) : Long.compare(a.seq, b.seq));
    private final Deque<Integer> idleWorkers = new ArrayDeque<>();
    private final List<Job> jobs = new ArrayList<>();
    private final Deque<Long> accepted = new ArrayDeque<>();
    private final UpstreamGate gate;
    private long seq;
    private long now;
    private int calls;
    private int throttled;
    private int denials;
    private int reservations;
    private int maxSeenInWindow;
    private int inFlight;
    private int peakInFlight;
    final Map<String, Integer> reasons = new java.util.TreeMap<>();
    final Map<Long, int[]> perMinute = new java.util.TreeMap<>();

    private BurstSimulation(Scenario scenario) {
        this.scenario = scenario;
        this.random = new Random(scenario.seed());
        UpstreamLimits limits = scenario.told().unlimited() ? UpstreamLimits.none()
                : UpstreamLimits.parse("*:" + scenario.told().rpm()
                        + (scenario.told().concurrency() == null ? "" : ":" + scenario.told().concurrency()),
                        List.of());
        long[] ids = {0};
        this.gate = new PacedUpstreamGate(new InMemoryGateStore(), limits, scenario.tuning(),
                () -> "lease-" + ++ids[0], ms -> { }, bound -> bound <= 0 ? 0 : random.nextLong(bound));
    }

    public static Result run(Scenario scenario) {
        return new BurstSimulation(scenario).simulate();
    }

    private Result simulate() {
        for (Burst burst : scenario.bursts()) {
            at(burst.at(), () -> {
                for (int i = 0; i < burst.jobs(); i++) {
                    Job job = new Job(jobs.size(), burst.tenant(), now);
                    jobs.add(job);
                    send(job.id, now);
                }
            });
        }
        for (int w = 0; w < scenario.workers(); w++) {
            idleWorkers.add(w);
        }
        long limit = 48L * 3600 * 1000;
        while (!events.isEmpty()) {
            Event event = events.poll();
            now = event.at();
            if (now > limit) {
                throw new IllegalStateException(scenario.name() + ": not drained after 48 h of simulated time");
            }
            event.action().run();
        }
        return result();
    }

    private void at(long time, Runnable action) {
        events.add(new Event(time, seq++, action));
    }

    private void send(int job, long visibleAt) {
        queue.add(new Message(job, visibleAt, seq++));
        while (!idleWorkers.isEmpty()) {
            int worker = idleWorkers.poll();
            at(Math.max(now, visibleAt), () -> receive(worker));
        }
    }

    /** A worker long-polls: it takes the first visible message, or waits for the next one to become visible. */
    private void receive(int worker) {
        Message head = queue.peek();
        if (head == null) {
            idleWorkers.add(worker);
            return;
        }
        if (head.visibleAt() > now) {
            at(head.visibleAt(), () -> receive(worker));
            return;
        }
        queue.poll();
        handle(worker, jobs.get(head.job()));
    }

    private void handle(int worker, Job job) {
        long t = now + scenario.overheadMs() / 2;
        GateDecision decision = gate.acquire(new SlotRequest("m", job.tenant, job.ticket, job.reservation,
                Duration.ofMinutes(5)), Instant.ofEpochMilli(t));
        job.reservation = null;
        if (job.id == Integer.getInteger("trace", -1)) {
            System.out.println("t=" + t + " job " + job.id + " ticket " + job.ticket + " -> " + decision + " view "
                    + gate.view("m", Instant.ofEpochMilli(t)));
        }
        if (decision instanceof GateDecision.Denied denied) {
            denials++;
            reasons.merge(denied.reason() + (denied.position() == 1 ? "@1" : "@n"), 1, Integer::sum);
            perMinute.computeIfAbsent(now / 60_000, m -> new int[4])[denied.reason().ordinal()]++;
            job.ticket = denied.ticket();
            // Queue delays are whole seconds, at most 15 minutes a hop.
            long delaySeconds = Math.min(900, Math.max(0, (denied.retryAt().toEpochMilli() - t + 999) / 1000));
            long sentAt = now + scenario.overheadMs();
            at(sentAt, () -> send(job.id, sentAt + delaySeconds * 1000));
            at(sentAt, () -> receive(worker));
            return;
        }
        if (decision instanceof GateDecision.Reserved reserved) {
            reservations++;
            job.reservation = reserved.lease().id();
            long delaySeconds = Math.min(900, Math.max(0, (reserved.lease().notBefore().toEpochMilli() - t) / 1000));
            long sentAt = now + scenario.overheadMs();
            at(sentAt, () -> send(job.id, sentAt + delaySeconds * 1000));
            at(sentAt, () -> receive(worker));
            return;
        }
        Lease lease = ((GateDecision.Granted) decision).lease();
        long start = Math.max(t, lease.notBefore().toEpochMilli());
        long arrival = start + (scenario.maxJitterMs() == 0 ? 0 : random.nextLong(scenario.maxJitterMs() + 1));
        calls++;
        while (!accepted.isEmpty() && accepted.peekFirst() <= arrival - 60_000) {
            accepted.pollFirst();
        }
        if (accepted.size() >= scenario.quotaRpm()) {
            throttled++;
            // Gemini's RetryInfo: until the oldest call in its window leaves it, whole seconds.
            long retryMs = accepted.peekFirst() + 60_000 - arrival;
            Duration retryDelay = Duration.ofSeconds((retryMs + 999) / 1000);
            long answered = arrival + 30;
            at(answered, () -> {
                gate.throttled(lease, retryDelay, Instant.ofEpochMilli(answered));
                // The job goes back at once; its next request meets the cool-down and gets its place in line.
                send(job.id, answered + scenario.overheadMs());
                receive(worker);
            });
            return;
        }
        accepted.addLast(arrival);
        perMinute.computeIfAbsent(now / 60_000, m -> new int[4])[3]++;
        maxSeenInWindow = Math.max(maxSeenInWindow, accepted.size());
        long duration = scenario.minCallMs() + random.nextLong(scenario.maxCallMs() - scenario.minCallMs() + 1);
        long end = arrival + duration;
        job.startedAt = start;
        inFlight++;
        peakInFlight = Math.max(peakInFlight, inFlight);
        at(end, () -> {
            inFlight--;
            gate.release(lease, Duration.ofMillis(end - start), Instant.ofEpochMilli(end));
            job.doneAt = end + scenario.overheadMs();
            at(job.doneAt, () -> receive(worker));
        });
    }

    private Result result() {
        long first = scenario.bursts().stream().mapToLong(Burst::at).min().orElse(0);
        long last = jobs.stream().mapToLong(j -> j.doneAt).max().orElse(first);
        int succeeded = (int) jobs.stream().filter(j -> j.doneAt >= 0).count();
        double minutes = Math.max(1, last - first) / 60_000.0;
        Map<String, List<Job>> byTenant = new LinkedHashMap<>();
        jobs.forEach(j -> byTenant.computeIfAbsent(j.tenant, t -> new ArrayList<>()).add(j));
        Map<String, TenantResult> tenants = new HashMap<>();
        byTenant.forEach((tenant, list) -> {
            long[] waits = list.stream().mapToLong(j -> j.startedAt - j.submittedAt).sorted().toArray();
            long[] done = list.stream().mapToLong(j -> j.doneAt - first).sorted().toArray();
            tenants.put(tenant, new TenantResult(tenant, list.size(), percentile(waits, 50), percentile(waits, 95),
                    percentile(done, 50), done[done.length - 1]));
        });
        Map<String, TenantResult> ordered = new LinkedHashMap<>();
        byTenant.keySet().forEach(t -> ordered.put(t, tenants.get(t)));
        return new Result(scenario, jobs.size(), succeeded, calls, throttled, calls == 0 ? 0 : (double) throttled / calls,
                succeeded / minutes / scenario.quotaRpm(), last - first, ordered, denials, maxSeenInWindow,
                peakInFlight);
    }

    private static long percentile(long[] sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    /** Five tenants: one heavy burst, four light ones arriving while it drains. */
    public static Scenario manyTenants() {
        return Scenario.standard("quota 60, told, 5 tenants", 60, new ModelLimit(60, null), 20, List.of(
                new Burst("A", 1000, 0), new Burst("B", 10, 10_000), new Burst("C", 10, 60_000),
                new Burst("D", 10, 120_000), new Burst("E", 10, 300_000)));
    }

    /** Long calls and a concurrency limit that binds before the rate does. */
    public static Scenario concurrencyBound() {
        return Scenario.standard("quota 20, told 20:4, calls 10-30 s", 20, new ModelLimit(20, 4), 20, List.of(
                new Burst("A", 200, 0), new Burst("B", 10, 10_000))).withCalls(10_000, 30_000);
    }

    /** The standard scenarios: each quota told, not told, and told too high; two tenants. */
    public static List<Scenario> standardScenarios() {
        List<Scenario> out = new ArrayList<>();
        for (int quota : new int[] {10, 60, 300}) {
            int heavy = quota * 20;
            int workers = Math.max(10, quota / 3);
            List<Burst> bursts = List.of(new Burst("A", heavy, 0), new Burst("B", 10, 10_000));
            out.add(Scenario.standard("quota " + quota + ", told", quota, new ModelLimit(quota, null), workers,
                    bursts));
            out.add(Scenario.standard("quota " + quota + ", not told", quota, ModelLimit.UNLIMITED, workers, bursts));
            out.add(Scenario.standard("quota " + quota + ", told twice the quota", quota,
                    new ModelLimit(quota * 2, null), workers, bursts));
        }
        return out;
    }

    public static void main(String[] args) {
        List<Scenario> all = new ArrayList<>(standardScenarios());
        all.add(manyTenants());
        all.add(concurrencyBound());
        for (Scenario scenario : all) {
            BurstSimulation sim = new BurstSimulation(scenario);
            System.out.println(sim.simulate().line() + "\n    denials " + sim.reasons + " reservations "
                    + sim.reservations);
            if (Boolean.getBoolean("verbose")) {
                sim.perMinute.forEach((m, c) -> System.out.println("      min " + m + ": calls " + c[3] + " rate " + c[0]
                        + " conc " + c[1] + " cool " + c[2]));
            }
        }
    }
}
