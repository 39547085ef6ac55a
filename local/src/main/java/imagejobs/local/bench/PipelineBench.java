package imagejobs.local.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import imagejobs.local.LocalStack;
import imagejobs.local.resources.LocalKey;
import imagejobs.local.template.FunctionDefinition;
import imagejobs.adapters.dynamo.JobItemMapper;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * {@code ./run-local bench pipeline}: N jobs submitted over HTTP by C concurrent clients (one API key each) to a
 * private local stack with everything running (front door, submit, SQS pollers with the template's batch size and
 * concurrency, worker, Gemini simulator), first with the simulator answering at once, then with each answer delayed
 * ({@code [sim:delay=MS]} in the prompt). Every job must reach a terminal state before the deadline, or the run fails
 * and says which did not.
 */
final class PipelineBench {
    /** Submits per minute per key: high, so that the benchmark measures the pipeline and not the rate limiter. */
    static final String BENCH_RATE_PER_MINUTE = "1000000";

    private final BenchEnvironment env;
    private final PrintStream out;
    private final int jobCount;
    private final int clients;
    private final List<Integer> delays;
    private final Duration timeout;

    PipelineBench(BenchEnvironment env, PrintStream out, int jobCount, int clients, List<Integer> delays,
                  Duration timeout) {
        this.env = env;
        this.out = out;
        this.jobCount = jobCount;
        this.clients = clients;
        this.delays = delays;
        this.timeout = timeout;
    }

    /** One submit as its client saw it. */
    private record Submit(String requestId, int status, long startedEpochMs, double latencyMs) {
    }

    /** One phase's figures. */
    private record Figures(int delayMs, double submitsPerSecond, double submitP50, double submitP99, double doneP50,
                           double doneP99, double jobsPerSecond, Map<JobStatus, Integer> counts, double seconds,
                           double cpuMsPerJob, Map<String, Double> cpuByComponent) {
    }

    void run() {
        List<LocalKey> keys = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            keys.add(new LocalKey("bench" + c, "ij_bench_client_" + c));
        }
        try (LocalStack stack = env.startStack("the pipeline benchmark", b -> b.keys(keys)
                .functionEnvironment("DEFAULT_RATE_PER_MINUTE", BENCH_RATE_PER_MINUTE))) {
            BenchJobs jobs = new BenchJobs(stack, env.root());
            ExecutorService dropper = dropImagesAsTheyArrive(stack);
            FunctionDefinition.SqsEventSource source = stack.function("WorkerFunction").definition().sqsEventSources()
                    .get(0);
            out.println("machine: " + BenchEnvironment.machine());
            out.println("pipeline: " + jobCount + " jobs by " + clients + " concurrent clients (HTTP, one key each);"
                    + " worker event source: batch size " + source.batchSize() + ", maximum concurrency "
                    + source.maximumConcurrency() + "; request: events/submit-request-queue.json's body");
            try {
                warmUp(stack, jobs, keys);
                List<Figures> all = new ArrayList<>();
                for (int delay : delays) {
                    all.add(phase(stack, jobs, keys, delay, source));
                }
                print(all, source);
            } finally {
                dropper.shutdownNow();
            }
        }
    }

    /**
     * S3Proxy keeps objects on the heap: a thousand 2.7 MB images would fill it (S3 keeps them on disk). Nothing
     * reads a pipeline job's image again, so each is dropped from the store just after it is stored; the small
     * staged outcomes stay (a retried attempt reads them).
     */
    static ExecutorService dropImagesAsTheyArrive(LocalStack stack) {
        ExecutorService dropper = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "bench-image-dropper");
            t.setDaemon(true);
            return t;
        });
        stack.s3ObjectListener(event -> {
            if (event.key().startsWith("outputs/") && !event.key().endsWith("/outcome.json")) {
                dropper.execute(() -> stack.emulators().s3().removeObject(event.bucket(), event.key()));
            }
        });
        return dropper;
    }

    /**
     * One job, then one per client at once, each taken to a terminal state: the functions' classes are loaded and an
     * instance per concurrent caller exists before the clock runs. (On a loaded machine a burst of first calls can
     * exceed Lambda's 10 s initialisation allowance, which the local stack enforces; that is not what this measures.)
     */
    private void warmUp(LocalStack stack, BenchJobs jobs, List<LocalKey> keys) {
        String body = jobs.sampleSubmitBody();
        long deadline = System.nanoTime() + timeout.toNanos();
        env.progress().println("pipeline: warming up (1 job, then 1 per client)");
        Set<String> first = Set.of(jobs.submitWarmingUp(keys.get(0).key(), body));
        awaitTerminal(stack, first, deadline, "warm-up");
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<String>> ids = new ArrayList<>();
            for (LocalKey key : keys) {
                ids.add(pool.submit(() -> jobs.submitWarmingUp(key.key(), body)));
            }
            Set<String> wave = new HashSet<>();
            for (Future<String> id : ids) {
                wave.add(id.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            }
            awaitTerminal(stack, wave, deadline, "warm-up");
        } catch (Exception e) {
            throw new BenchException("the warm-up failed: " + e);
        } finally {
            pool.shutdownNow();
        }
    }

    private Figures phase(LocalStack stack, BenchJobs jobs, List<LocalKey> keys, int delayMs,
                          FunctionDefinition.SqsEventSource source) {
        String sample = jobs.sampleSubmitBody();
        var body = (com.fasterxml.jackson.databind.node.ObjectNode) Json.parse(sample);
        String prompt = body.path("payload").path("prompt").asText() + (delayMs > 0 ? " [sim:delay=" + delayMs + "]" : "");
        env.progress().println("pipeline, simulator delay " + delayMs + " ms: submitting " + jobCount + " jobs from "
                + clients + " clients");
        AtomicInteger next = new AtomicInteger();
        List<Submit> submits = Collections.synchronizedList(new ArrayList<>());
        long deadline = System.nanoTime() + timeout.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(clients, r -> {
            Thread t = new Thread(r, "bench-client");
            t.setDaemon(true);
            return t;
        });
        long cpu0 = cpuMillis();
        CpuByComponent cpuBy = new CpuByComponent();
        long t0 = System.nanoTime();
        long startedEpoch = System.currentTimeMillis();
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            String key = keys.get(c).key();
            futures.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < jobCount && System.nanoTime() < deadline) {
                    var job = body.deepCopy();
                    ((com.fasterxml.jackson.databind.node.ObjectNode) job.path("payload")).put("prompt",
                            prompt + " #" + i);
                    String json = Json.write(job);
                    long epoch = System.currentTimeMillis();
                    BenchJobs.Submitted s = jobs.submit(key, json);
                    submits.add(new Submit(s.requestId(), s.status(), epoch, s.nanos() / 1e6));
                }
                return null;
            }));
        }
        try {
            for (Future<?> f : futures) {
                f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (Exception e) {
            pool.shutdownNow();
            throw new BenchException("submitting did not finish within " + timeout.toSeconds() + " s: " + e);
        }
        pool.shutdown();
        double submitSeconds = (System.nanoTime() - t0) / 1e9;
        List<Submit> rejected = submits.stream().filter(s -> s.status() != 202 || s.requestId() == null).toList();
        if (!rejected.isEmpty()) {
            throw new BenchException(rejected.size() + " of " + submits.size() + " submits were not accepted, e.g. HTTP "
                    + rejected.get(0).status());
        }
        env.progress().println("pipeline, delay " + delayMs + " ms: " + submits.size() + " submitted in "
                + Stats.fmt(submitSeconds, 1) + " s; waiting for every job to finish");

        Map<String, Long> submittedAt = new HashMap<>();
        submits.forEach(s -> submittedAt.put(s.requestId(), s.startedEpochMs()));
        Map<String, JobRow> rows = awaitTerminal(stack, submittedAt.keySet(), deadline, "delay " + delayMs + " ms");

        double cpuPerJob = (double) (cpuMillis() - cpu0) / rows.size();
        Map<String, Double> byComponent = cpuBy.millis();
        Map<JobStatus, Integer> counts = new EnumMap<>(JobStatus.class);
        List<Double> done = new ArrayList<>();
        long lastCompleted = 0;
        for (JobRow row : rows.values()) {
            counts.merge(row.status(), 1, Integer::sum);
            if (row.status() == JobStatus.SUCCESS && row.completedEpochMs() > 0) {
                done.add((double) (row.completedEpochMs() - submittedAt.get(row.requestId())));
            }
            lastCompleted = Math.max(lastCompleted, row.completedEpochMs());
        }
        List<Double> latencies = submits.stream().map(Submit::latencyMs).toList();
        double endToEndSeconds = (lastCompleted - startedEpoch) / 1000.0;
        return new Figures(delayMs, submits.size() / submitSeconds, Stats.percentile(latencies, 50),
                Stats.percentile(latencies, 99), Stats.percentile(done, 50), Stats.percentile(done, 99),
                rows.size() / endToEndSeconds, counts, endToEndSeconds, cpuPerJob, byComponent);
    }

    /** CPU time of this JVM (the whole local stack and its in-process functions), every thread. */
    static long cpuMillis() {
        return ProcessHandle.current().info().totalCpuDuration().map(Duration::toMillis).orElse(-1L);
    }

    private record JobRow(String requestId, JobStatus status, long completedEpochMs) {
    }

    /**
     * Waits until every submitted job is terminal in the jobs table (looked at when the queue is empty, and every
     * few seconds for progress); past the deadline the run fails with the count of jobs in each state.
     */
    private Map<String, JobRow> awaitTerminal(LocalStack stack, Set<String> ids, long deadline, String phase) {
        String queueUrl = stack.queueUrl(BenchJobs.QUEUE);
        long lastScan = 0;
        Map<String, JobRow> rows = Map.of();
        while (true) {
            boolean queueEmpty = queueDepth(stack, queueUrl) == 0;
            long now = System.nanoTime();
            if (queueEmpty || now - lastScan > TimeUnit.SECONDS.toNanos(5) || now > deadline) {
                lastScan = now;
                rows = scan(stack, ids);
                long terminal = rows.values().stream().filter(r -> r.status().terminal()).count();
                env.progress().println("pipeline, " + phase + ": " + terminal + " of " + ids.size() + " jobs finished");
                if (terminal == ids.size()) {
                    return rows;
                }
                if (now > deadline) {
                    Map<String, JobRow> last = rows;
                    Map<String, Integer> states = new HashMap<>();
                    for (String id : ids) {
                        JobRow r = last.get(id);
                        states.merge(r == null ? "missing" : r.status().wire(), 1, Integer::sum);
                    }
                    List<String> stuck = ids.stream().filter(id -> last.get(id) == null
                            || !last.get(id).status().terminal()).limit(5).toList();
                    throw new BenchException("not every job reached a terminal state within " + timeout.toSeconds()
                            + " s: " + states + "; e.g. " + stuck);
                }
            }
            try {
                Thread.sleep(queueEmpty ? 200 : 500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BenchException("interrupted while waiting for jobs");
            }
        }
    }

    private static int queueDepth(LocalStack stack, String queueUrl) {
        Map<QueueAttributeName, String> a = stack.sqs().getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
        return a.values().stream().mapToInt(Integer::parseInt).sum();
    }

    private static Map<String, JobRow> scan(LocalStack stack, Set<String> ids) {
        Map<String, JobRow> rows = new HashMap<>();
        Set<String> wanted = new HashSet<>(ids);
        stack.dynamoDb().scanPaginator(r -> r.tableName(stack.tableName("JobsTable"))
                .projectionExpression("#id, #s, #c")
                .expressionAttributeNames(Map.of("#id", JobItemMapper.REQUEST_ID, "#s", JobItemMapper.STATUS,
                        "#c", JobItemMapper.COMPLETED_AT))).items().forEach(item -> {
            String id = text(item.get(JobItemMapper.REQUEST_ID));
            if (id != null && wanted.contains(id)) {
                JobStatus status = JobStatus.fromWire(text(item.get(JobItemMapper.STATUS))).orElse(JobStatus.QUEUED);
                String completed = text(item.get(JobItemMapper.COMPLETED_AT));
                rows.put(id, new JobRow(id, status, completed == null ? 0 : Instant.parse(completed).toEpochMilli()));
            }
        });
        return rows;
    }

    private static String text(AttributeValue v) {
        return v == null ? null : v.s();
    }

    private void print(List<Figures> all, FunctionDefinition.SqsEventSource source) {
        out.println();
        String row = "  %-9s %10s %13s %13s %14s %14s %8s %8s %12s  %s%n";
        out.printf(row, "delay ms", "submits/s", "submit p50 ms", "submit p99 ms", "to success p50",
                "to success p99", "jobs/s", "seconds", "CPU ms/job", "terminal states");
        for (Figures f : all) {
            out.printf(row, f.delayMs(), Stats.fmt(f.submitsPerSecond(), 1), Stats.fmt(f.submitP50(), 0),
                    Stats.fmt(f.submitP99(), 0), Stats.fmt(f.doneP50(), 0), Stats.fmt(f.doneP99(), 0),
                    Stats.fmt(f.jobsPerSecond(), 1), Stats.fmt(f.seconds(), 1), Stats.fmt(f.cpuMsPerJob(), 1),
                    f.counts());
        }
        out.println();
        out.println("  to success: submit (client clock) to completed_at (the worker's, same machine); jobs/s: jobs over"
                + " the time from the first submit to the last completion");
        int inFlight = source.batchSize() * source.maximumConcurrency();
        for (Figures f : all) {
            out.println("  CPU ms per job at delay " + f.delayMs() + " ms, by component: " + f.cpuByComponent().entrySet()
                    .stream().filter(e -> !e.getKey().equals("total"))
                    .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                    .map(e -> e.getKey() + " " + Stats.fmt(e.getValue() / f.counts().values().stream()
                            .mapToInt(Integer::intValue).sum(), 1)).toList());
        }
        int cores = Runtime.getRuntime().availableProcessors();
        out.println("  CPU ms/job: CPU time of this JVM (emulators, simulator, front door, functions) per job; "
                + cores + " idle cores could do at most " + cores + "000/that jobs/s");
        out.println("  with a delay D the worker side is capped near " + inFlight + " jobs in flight (batch size x"
                + " maximum concurrency), i.e. about " + inFlight + "/D jobs/s");
        out.println("machine at the end: " + BenchEnvironment.machine());
        out.println();
        out.println("target: every job terminal (checked, or the run fails); at least 50 jobs/s end to end at delay 0");
        for (Figures f : all) {
            if (f.delayMs() == 0) {
                out.println("  delay 0: " + Stats.fmt(f.jobsPerSecond(), 1) + " jobs/s (CPU bound: at most "
                        + Stats.fmt(cores * 1000 / f.cpuMsPerJob(), 1) + " jobs/s on " + cores + " idle cores) -> "
                        + (f.jobsPerSecond() >= 50 ? "met" : "MISSED"));
            }
        }
    }
}
