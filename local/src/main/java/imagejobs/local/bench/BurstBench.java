package imagejobs.local.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.adapters.dynamo.JobItemMapper;
import imagejobs.local.GeminiSimulatorLauncher;
import imagejobs.local.LocalStack;
import imagejobs.local.gemini.GeminiSimulator;
import imagejobs.local.gemini.SimLatency;
import imagejobs.local.gemini.SimQuotas;
import imagejobs.local.resources.LocalKey;
import imagejobs.local.runtime.LocalFunction;
import imagejobs.shared.json.Json;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@code ./run-local bench burst}: a heavy tenant submits a burst far above the Gemini quota, then a light tenant
 * submits a few jobs; the simulator enforces the quota (requests per minute) and takes as long as Gemini does; the
 * service is told the quota ({@code GEMINI_LIMITS}) or not. Waits until every job is terminal (or a deadline) and
 * prints what the issue asks: outcomes, upstream calls and 429s, the rate achieved against the quota, queue waits
 * per tenant, fairness, and the worker's Lambda-seconds and GB-seconds per job.
 */
final class BurstBench {
    static final String HEAVY = "burst-heavy";
    static final String LIGHT = "burst-light";
    private static final LocalKey HEAVY_KEY = new LocalKey(HEAVY, "ij_bench_burst_heavy");
    private static final LocalKey LIGHT_KEY = new LocalKey(LIGHT, "ij_bench_burst_light");
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(30);

    /** The run's settings; {@code limits} null = the service is not told the quota. */
    record Options(int jobs, int lightJobs, int simRpm, String latency, String limits, int workers, String model,
                   int clients, Duration timeout) {
    }

    private final BenchEnvironment env;
    private final PrintStream out;
    private final Options o;

    BurstBench(BenchEnvironment env, PrintStream out, Options options) {
        this.env = env;
        this.out = out;
        this.o = options;
    }

    void run() {
        Map<String, String> simEnv = Map.of(SimQuotas.RPM_ENV, "*:" + o.simRpm(), SimLatency.ENV, o.latency());
        try (LocalStack stack = env.startStack("the burst benchmark", b -> {
            b.keys(List.of(HEAVY_KEY, LIGHT_KEY))
                    .geminiStarter(new GeminiSimulatorLauncher(simEnv))
                    .parameter("WorkerMaxConcurrency", String.valueOf(o.workers()))
                    .functionEnvironment("DEFAULT_RATE_PER_MINUTE", PipelineBench.BENCH_RATE_PER_MINUTE);
            if (o.limits() != null) {
                b.functionEnvironment("GEMINI_LIMITS", o.limits());
            }
            return b;
        })) {
            ExecutorService dropper = PipelineBench.dropImagesAsTheyArrive(stack);
            try {
                measure(stack);
            } finally {
                dropper.shutdownNow();
            }
        }
    }

    private void measure(LocalStack stack) {
        GeminiSimulator sim = stack.geminiSimulator().orElseThrow();
        LocalFunction worker = stack.function("WorkerFunction");
        BenchJobs jobs = new BenchJobs(stack, env.root());
        out.println("machine: " + BenchEnvironment.machine());
        out.println("burst: " + o.jobs() + " jobs from " + HEAVY + ", then " + o.lightJobs() + " from " + LIGHT
                + "; model " + o.model() + "; simulator quota " + o.simRpm() + " requests/min, latency " + o.latency()
                + " ms; service " + (o.limits() == null ? "NOT told the quota (no GEMINI_LIMITS)"
                : "told GEMINI_LIMITS=" + o.limits()) + "; WorkerMaxConcurrency " + o.workers()
                + "; worker MemorySize " + worker.definition().memoryMb() + " MB");
        out.println("  the burst is " + Stats.fmt((double) o.jobs() / o.simRpm(), 1) + "x what the quota serves per"
                + " minute; draining it at the full quota takes "
                + Stats.fmt((o.jobs() + o.lightJobs()) / (double) o.simRpm(), 1) + " min");
        sim.resetStats();
        long invocations0 = worker.invocations();
        Duration invoked0 = worker.invokedTime();

        long start = System.currentTimeMillis();
        long deadline = System.nanoTime() + o.timeout().toNanos();
        Map<String, Integer> refused = Collections.synchronizedMap(new LinkedHashMap<>());
        List<String> heavyIds = submitAll(jobs, HEAVY_KEY, o.jobs(), "heavy", refused, deadline);
        env.progress().println("burst: " + heavyIds.size() + " heavy jobs accepted in "
                + Stats.fmt((System.currentTimeMillis() - start) / 1000.0, 1) + " s; submitting the light tenant's");
        List<String> lightIds = submitAll(jobs, LIGHT_KEY, o.lightJobs(), "light", refused, deadline);
        List<String> ids = new ArrayList<>(heavyIds);
        ids.addAll(lightIds);

        List<BurstFigures.Job> rows = awaitTerminal(stack, sim, ids, start, deadline);
        String upstream = upstreamModel();
        JsonNode stats = sim.stats().path("models").path(upstream);
        BurstFigures f = new BurstFigures(rows, ids.size() - rows.size(), start, o.simRpm(),
                stats.path("calls").asLong(), stats.path("answered_429").asLong(),
                worker.invocations() - invocations0,
                (worker.invokedTime().minus(invoked0)).toNanos() / 1e9, worker.definition().memoryMb());
        print(f, refused, stats);
    }

    private String upstreamModel() {
        return imagejobs.shared.catalog.ModelCatalog.load().find(o.model()).orElseThrow(
                () -> new BenchException("unknown model " + o.model())).upstreamModel();
    }

    /** Submits {@code count} jobs with {@code clients} threads; returns the accepted ids, counts the refusals. */
    private List<String> submitAll(BenchJobs jobs, LocalKey key, int count, String label,
                                   Map<String, Integer> refused, long deadline) {
        ObjectNode body = (ObjectNode) Json.parse(jobs.sampleSubmitBody());
        body.put("model", o.model());
        String prompt = body.path("payload").path("prompt").asText();
        List<String> ids = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        int threads = Math.max(1, Math.min(o.clients(), count));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "bench-burst-client");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < threads; c++) {
                futures.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < count && System.nanoTime() < deadline) {
                        ObjectNode job = body.deepCopy();
                        ((ObjectNode) job.path("payload")).put("prompt", prompt + " (" + label + " #" + i + ")");
                        BenchJobs.Submitted s = jobs.submit(key.key(), Json.write(job));
                        if (s.status() == 202 && s.requestId() != null) {
                            ids.add(s.requestId());
                        } else {
                            refused.merge("HTTP " + s.status(), 1, Integer::sum);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (Exception e) {
            throw new BenchException("submitting the " + label + " tenant's jobs failed: " + e);
        } finally {
            pool.shutdownNow();
        }
        return new ArrayList<>(ids);
    }

    /** Reads the jobs every few seconds until all are terminal or the deadline passes; progress every 30 s. */
    private List<BurstFigures.Job> awaitTerminal(LocalStack stack, GeminiSimulator sim, List<String> ids, long start,
                                                 long deadline) {
        long nextProgress = 0;
        String upstream = upstreamModel();
        while (true) {
            List<BurstFigures.Job> rows = scan(stack, ids);
            long terminal = rows.stream().filter(BurstFigures.Job::terminal).count();
            long now = System.nanoTime();
            boolean done = terminal == ids.size();
            if (done || now > deadline || now >= nextProgress) {
                nextProgress = now + PROGRESS_EVERY.toNanos();
                JsonNode s = sim.stats().path("models").path(upstream);
                env.progress().println("burst, +" + (System.currentTimeMillis() - start) / 1000 + " s: " + terminal
                        + " of " + ids.size() + " jobs finished; upstream calls " + s.path("calls").asLong()
                        + ", 429s " + s.path("answered_429").asLong() + ", in flight " + s.path("in_flight").asLong());
            }
            if (done || now > deadline) {
                if (!done) {
                    env.progress().println("burst: deadline of " + o.timeout().toSeconds() + " s reached with "
                            + (ids.size() - terminal) + " jobs unfinished; reporting them as stuck");
                }
                return rows;
            }
            BenchJobs.sleep(5000);
        }
    }

    private static List<BurstFigures.Job> scan(LocalStack stack, List<String> ids) {
        java.util.Set<String> wanted = new java.util.HashSet<>(ids);
        List<BurstFigures.Job> rows = new ArrayList<>();
        Map<String, String> names = new HashMap<>();
        names.put("#id", JobItemMapper.REQUEST_ID);
        names.put("#t", JobItemMapper.TENANT);
        names.put("#s", JobItemMapper.STATUS);
        names.put("#e", JobItemMapper.ERROR_CODE);
        names.put("#c", JobItemMapper.CREATED_AT);
        names.put("#b", JobItemMapper.STARTED_AT);
        names.put("#d", JobItemMapper.COMPLETED_AT);
        stack.dynamoDb().scanPaginator(r -> r.tableName(stack.tableName("JobsTable")).consistentRead(true)
                .projectionExpression("#id, #t, #s, #e, #c, #b, #d").expressionAttributeNames(names)).items()
                .forEach(item -> {
                    String id = text(item.get(JobItemMapper.REQUEST_ID));
                    if (id != null && wanted.contains(id)) {
                        rows.add(new BurstFigures.Job(text(item.get(JobItemMapper.TENANT)),
                                text(item.get(JobItemMapper.STATUS)), text(item.get(JobItemMapper.ERROR_CODE)),
                                epoch(item.get(JobItemMapper.CREATED_AT)), epoch(item.get(JobItemMapper.STARTED_AT)),
                                epoch(item.get(JobItemMapper.COMPLETED_AT))));
                    }
                });
        return rows;
    }

    private static String text(AttributeValue v) {
        return v == null ? null : v.s();
    }

    private static long epoch(AttributeValue v) {
        return v == null || v.s() == null ? 0 : Instant.parse(v.s()).toEpochMilli();
    }

    private void print(BurstFigures f, Map<String, Integer> refused, JsonNode stats) {
        boolean told = o.limits() != null;
        out.println();
        out.println("  jobs accepted          " + f.accepted() + (refused.isEmpty() ? "" : "; refused at submit: "
                + refused));
        out.println("  succeeded              " + f.succeeded());
        out.println("  failed, by code        " + (f.failedByCode().isEmpty() ? "none" : f.failedByCode()));
        out.println("  lost (no record)       " + f.lost());
        out.println("  stuck (not terminal)   " + f.stuck());
        out.println("  upstream calls         " + f.upstreamCalls() + " (peak in flight "
                + stats.path("peak_in_flight").asLong() + ")");
        out.println("  upstream 429s          " + f.upstream429s() + " = " + Stats.fmt(f.percent429(), 2)
                + " % of calls");
        out.println("  achieved rate          " + Stats.fmt(f.achievedPercentOfQuota(), 1) + " % of the quota ("
                + f.succeeded() + " successes from the first submit to the last success, against "
                + o.simRpm() + "/min)");
        f.queueWaitSeconds().forEach((tenant, p) -> out.println("  queue wait, " + pad(tenant) + " p50 "
                + Stats.fmt(p[0], 1) + " s, p95 " + Stats.fmt(p[1], 1) + " s (created -> claimed)"));
        out.println("  fairness               " + LIGHT + "'s last job done at +" + Stats.fmt(f.lastDoneSeconds(LIGHT), 0)
                + " s; " + HEAVY + "'s median job done at +" + Stats.fmt(f.medianDoneSeconds(HEAVY), 0) + " s");
        out.println("  worker                 " + f.workerInvocations() + " invocations, "
                + Stats.fmt(f.workerSeconds(), 0) + " Lambda-seconds: " + Stats.fmt(f.workerSecondsPerJob(), 2)
                + " s and " + Stats.fmt(f.workerGbSecondsPerJob(), 2) + " GB-s per job at " + f.workerMemoryMb()
                + " MB");
        out.println("machine at the end: " + BenchEnvironment.machine());
        out.println();
        double max429 = told ? 1 : 10;
        double minRate = told ? 90 : 80;
        out.println("targets (" + (told ? "told the quota" : "not told the quota") + "):");
        verdict("0 failed, 0 lost, 0 stuck", f.failedByCode().isEmpty() && f.lost() == 0 && f.stuck() == 0
                && f.accepted() == o.jobs() + o.lightJobs());
        verdict("burst >= 20x the per-minute quota", o.jobs() >= 20L * o.simRpm());
        verdict("upstream 429s <= " + Stats.fmt(max429, 0) + " % of calls", f.percent429() <= max429);
        verdict("achieved rate >= " + Stats.fmt(minRate, 0) + " % of the quota", f.achievedPercentOfQuota() >= minRate);
        verdict(LIGHT + "'s jobs all done before " + HEAVY + "'s median job", f.fair(HEAVY, LIGHT));
    }

    private void verdict(String target, boolean met) {
        out.println("  " + (met ? "met     " : "MISSED  ") + target);
    }

    private static String pad(String tenant) {
        return String.format("%-12s", tenant + ":");
    }
}
