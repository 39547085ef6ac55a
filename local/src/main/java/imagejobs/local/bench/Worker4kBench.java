package imagejobs.local.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.LocalStack;
import imagejobs.local.resources.LocalKey;
import imagejobs.local.runtime.LocalFunction;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;

/**
 * {@code ./run-local bench worker-4k}: the worker function in a child JVM (its jar and the harness, the environment
 * the local stack gives it) taking gemini-3-pro-image-preview 4K jobs from message to {@code success} against the
 * stack, the Gemini simulator answering at once (each size is drawn once, then cached). Three child JVMs per aspect
 * ratio:
 * <ol>
 * <li>timing: warm-ups, then the measured jobs, Lambda-like JVM options; a 1K job of the same model before each 4K
 *     one gives the fixed cost of a job (DynamoDB, SQS, S3 round trips) next to the size-dependent part;</li>
 * <li>heap: the same with a 2 MB young generation, so a collection comes every couple of MB and the heap left after
 *     each shows what the job kept alive; peak = highest after-collection heap during the job minus the heap after
 *     a full collection just before it;</li>
 * <li>floor: base64-decode the same image's text and write the bytes, nothing else.</li>
 * </ol>
 */
final class Worker4kBench {
    private static final String MODEL = "gemini-3-pro-image-preview";
    private static final String KEY = LocalKey.DEV.key();
    /** Young generation of the heap runs: small, so that little allocation happens between two collections. */
    static final String HEAP_RUN_YOUNG = "-Xmn2m";

    private final BenchEnvironment env;
    private final PrintStream out;
    private final int runs;
    private final int warmups;
    private final List<String> ratios;
    private final Duration childTimeout;

    Worker4kBench(BenchEnvironment env, PrintStream out, int runs, int warmups, List<String> ratios,
                  Duration childTimeout) {
        this.env = env;
        this.out = out;
        this.runs = runs;
        this.warmups = warmups;
        this.ratios = ratios;
        this.childTimeout = childTimeout;
    }

    /** One ratio's figures. */
    private record Figures(String ratio, int width, int height, long bytes, double ms, double cpuMs, double smallMs,
                           double smallCpuMs, double geminiMs, double smallGeminiMs, double floorMs, double peakHeap,
                           double retained) {
    }

    /** Peak RSS of the timing child JVM per ratio (MB), and the MemorySize it ran with. */
    private final Map<String, Double> peakRssMb = new LinkedHashMap<>();
    private int memoryMb;

    void run() {
        Path harness = env.harnessJar();
        try (LocalStack stack = env.startStack("the 4K worker benchmark", b -> b.startSqsPollers(false))) {
            BenchJobs jobs = new BenchJobs(stack, env.root());
            LocalFunction worker = stack.function("WorkerFunction");
            Path jar = BenchEnvironment.required(worker.definition().codeUri());
            out.println("machine: " + BenchEnvironment.machine());
            String toolOptions = worker.environment().get("JAVA_TOOL_OPTIONS");
            out.println("worker 4K: " + MODEL + " 4K, simulator answering at once; " + runs + " measured job(s) after "
                    + warmups + " warm-up(s) per child JVM (worker jar + harness, "
                    + worker.definition().memoryMb() + " MB Lambda-like options, JIT: "
                    + (toolOptions == null ? "Lambda's default " + String.join(" ", BenchEnvironment.LAMBDA_TIERED_DEFAULT)
                    : "JAVA_TOOL_OPTIONS=" + toolOptions) + ")");
            List<Figures> all = new ArrayList<>();
            for (String ratio : ratios) {
                all.add(measure(ratio, stack, jobs, worker, List.of(jar, harness)));
            }
            print(all);
        }
    }

    private Figures measure(String ratio, LocalStack stack, BenchJobs jobs, LocalFunction worker, List<Path> cp) {
        String name = ratio.replace(':', 'x');
        env.progress().println("worker-4k " + ratio + ": preparing jobs (the first 4K answer of a size is drawn once,"
                + " which takes a few seconds)");
        // Timing: small and 4K jobs alternate, so each 4K figure has a fixed-cost neighbour.
        List<String> timingIds = new ArrayList<>();
        List<Path> timingEvents = new ArrayList<>();
        for (int i = 0; i < warmups + runs; i++) {
            for (String size : List.of("1K", "4K")) {
                String id = jobs.submitWarmingUp(KEY, body(ratio, size));
                timingIds.add(id);
                timingEvents.add(event(jobs, id, name + "-timing-" + i + "-" + size));
            }
        }
        Map<String, String> environment = new LinkedHashMap<>(worker.environment());
        environment.put("BENCH_TIMEOUT_MILLIS", Long.toString(worker.definition().timeoutSeconds() * 1000L));
        List<String> options = env.lambdaJvmOptions(worker.definition().memoryMb(), environment);
        ChildJvm.Result timing = new ChildJvm().options(options).classPath(cp).environment(environment)
                .timeout(childTimeout).run(env.workDir(), "worker-" + name + "-timing", BenchEnvironment.HARNESS_MAIN,
                        args(worker, timingEvents));
        checkAll(jobs, timingIds, timing);
        // The whole run's peak RSS at the function's MemorySize: what sizes MemorySize (issue 16).
        peakRssMb.put(ratio, timing.number("vm_hwm_kb") / 1024);
        memoryMb = worker.definition().memoryMb();
        List<Double> ms = timing.numbers("job_ms");
        List<Double> cpu = timing.numbers("job_cpu_ms");
        List<Double> gemini = geminiLatencies(timing.log());
        if (gemini.size() != ms.size()) {
            throw new BenchException("expected " + ms.size() + " 'gemini answered' lines in " + timing.log() + ", found "
                    + gemini.size());
        }
        List<Double> bigMs = new ArrayList<>();
        List<Double> bigCpu = new ArrayList<>();
        List<Double> bigGemini = new ArrayList<>();
        List<Double> smallMs = new ArrayList<>();
        List<Double> smallCpu = new ArrayList<>();
        List<Double> smallGemini = new ArrayList<>();
        for (int i = warmups * 2; i < ms.size(); i += 2) {
            smallMs.add(ms.get(i));
            smallCpu.add(cpu.get(i));
            smallGemini.add(gemini.get(i));
            bigMs.add(ms.get(i + 1));
            bigCpu.add(cpu.get(i + 1));
            bigGemini.add(gemini.get(i + 1));
        }
        env.progress().println("worker-4k " + ratio + ": 4K jobs took " + bigMs + " ms, 1K jobs " + smallMs + " ms");

        // Heap: 4K jobs only, with a small young generation.
        List<String> heapIds = new ArrayList<>();
        List<Path> heapEvents = new ArrayList<>();
        for (int i = 0; i < warmups + runs; i++) {
            String id = jobs.submitWarmingUp(KEY, body(ratio, "4K"));
            heapIds.add(id);
            heapEvents.add(event(jobs, id, name + "-heap-" + i));
        }
        List<String> heapOptions = new ArrayList<>(options);
        heapOptions.add(HEAP_RUN_YOUNG);
        ChildJvm.Result heap = new ChildJvm().options(heapOptions).classPath(cp).environment(environment)
                .timeout(childTimeout).run(env.workDir(), "worker-" + name + "-heap", BenchEnvironment.HARNESS_MAIN,
                        args(worker, heapEvents));
        checkAll(jobs, heapIds, heap);
        List<Double> baseline = heap.numbers("heap_baseline_bytes");
        List<Double> peaks = heap.numbers("heap_peak_after_gc_bytes");
        List<Double> retained = heap.numbers("heap_retained_bytes");
        List<Double> peakAbove = new ArrayList<>();
        List<Double> retainedAbove = new ArrayList<>();
        for (int i = warmups; i < peaks.size(); i++) {
            peakAbove.add(Math.max(0, peaks.get(i) - baseline.get(i)));
            retainedAbove.add(retained.get(i) - baseline.get(i));
        }

        // The image as stored, and the floor on its base64.
        JsonNode image = jobs.job(timingIds.get(timingIds.size() - 1)).map(Job::outcome).orElseThrow()
                .path("images").path(0);
        String key = image.path("key").asText();
        byte[] bytes = stack.s3().getObjectAsBytes(r -> r.bucket(stack.bucketName("ImagesBucket")).key(key))
                .asByteArray();
        Path base64 = env.workDir().resolve(name + ".b64");
        try {
            Files.writeString(base64, Base64.getEncoder().encodeToString(bytes), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The same JIT settings as the worker: its options, and its JAVA_TOOL_OPTIONS if it has any.
        Map<String, String> floorEnvironment = new LinkedHashMap<>();
        if (environment.containsKey("JAVA_TOOL_OPTIONS")) {
            floorEnvironment.put("JAVA_TOOL_OPTIONS", environment.get("JAVA_TOOL_OPTIONS"));
        }
        ChildJvm.Result floor = new ChildJvm().options(options).classPath(List.of(cp.get(cp.size() - 1)))
                .environment(floorEnvironment).timeout(childTimeout).run(env.workDir(), "floor-" + name, BenchEnvironment.HARNESS_MAIN,
                        List.of("floor", base64.toString(), env.workDir().resolve(name + ".out").toString(),
                                Integer.toString(runs)));
        if ((long) floor.number("bytes") != bytes.length) {
            throw new BenchException("the floor decoded " + floor.get("bytes") + " bytes, the image has " + bytes.length);
        }
        return new Figures(ratio, image.path("width").asInt(), image.path("height").asInt(), bytes.length,
                Stats.median(bigMs), Stats.median(bigCpu), Stats.median(smallMs), Stats.median(smallCpu),
                Stats.median(bigGemini),
                Stats.median(smallGemini), Stats.median(floor.numbers("floor_ms")),
                Stats.median(peakAbove), Stats.median(retainedAbove));
    }

    /** The worker's own figure per job: its "gemini answered" log line's latency_ms (call, download, decode). */
    private static List<Double> geminiLatencies(Path log) {
        List<Double> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                if (line.startsWith("{") && line.contains("\"gemini answered\"")) {
                    out.add(Json.parse(line).path("latency_ms").asDouble());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static List<String> args(LocalFunction worker, List<Path> events) {
        List<String> args = new ArrayList<>();
        args.add("jobs");
        args.add(worker.definition().handler().split("::")[0]);
        events.forEach(e -> args.add(e.toString()));
        return args;
    }

    private static String body(String ratio, String size) {
        return Json.write(Json.object().put("model", MODEL).set("payload", Json.object()
                .put("prompt", "a lighthouse at dusk, worker benchmark").put("aspect_ratio", ratio)
                .put("image_size", size)));
    }

    private Path event(BenchJobs jobs, String requestId, String name) {
        Path file = env.workDir().resolve(name + ".json");
        try {
            Files.writeString(file, jobs.sqsEvent(List.of(jobs.receive(requestId, Duration.ofSeconds(30)))),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private static void checkAll(BenchJobs jobs, List<String> ids, ChildJvm.Result result) {
        for (int i = 0; i < ids.size(); i++) {
            String response = result.get("response." + i);
            Job job = jobs.job(ids.get(i)).orElseThrow();
            if (job.status() != JobStatus.SUCCESS || !Json.parse(response).path("batchItemFailures").isEmpty()) {
                throw new BenchException("job " + ids.get(i) + " ended " + job.status() + " ("
                        + (job.error() == null ? job.lastError() : job.error().message()) + "), worker answered "
                        + response + "; see " + result.log());
            }
        }
    }

    private void print(List<Figures> all) {
        out.println();
        String row = "  %-5s %10s %6s %10s %6s %7s %10s %10s %7s %10s %9s %6s %8s %8s %8s%n";
        out.printf(row, "ratio", "size", "MB", "worker ms", "MB/s", "CPU ms", "gemini ms", "1K job ms", "1K CPU",
                "1K gemini", "floor ms", "MB/s", "/floor", "heap MB", "heap/img");
        for (Figures f : all) {
            double mb = f.bytes() / (1024.0 * 1024.0);
            out.printf(row, f.ratio(), f.width() + "x" + f.height(), Stats.fmt(mb, 2), Stats.fmt(f.ms(), 0),
                    Stats.fmt(mb / (f.ms() / 1000), 0), Stats.fmt(f.cpuMs(), 0), Stats.fmt(f.geminiMs(), 0),
                    Stats.fmt(f.smallMs(), 0), Stats.fmt(f.smallCpuMs(), 0), Stats.fmt(f.smallGeminiMs(), 0),
                    Stats.fmt(f.floorMs(), 1),
                    Stats.fmt(mb / (f.floorMs() / 1000), 0), Stats.fmt(f.ms() / f.floorMs(), 1) + "x",
                    Stats.fmt(f.peakHeap() / (1024.0 * 1024.0), 1), Stats.fmt(f.peakHeap() / f.bytes(), 2) + "x");
        }
        out.println();
        out.println("  worker ms: message to success (median); CPU ms: the worker JVM's CPU time meanwhile (all threads);"
                + " gemini ms: of that, the Gemini call with the answer's download and base64 decoding into a file (the"
                + " worker's own log); the rest is reading and recording the job and uploading the image");
        out.println("  1K job: the same model at 1K, run just before each 4K job: the fixed cost of a job (DynamoDB, SQS,"
                + " S3 round trips to the emulators)");
        out.println("  heap: highest heap left after a collection during the job, above the heap before it (median);"
                + " heap left after the job: " + all.stream().map(f -> Stats.fmt(f.retained() / (1024.0 * 1024.0), 1)
                + " MB").toList());
        out.println("  peak RSS of the worker JVM over the timing run (warm-ups, then 1K and 4K jobs; Lambda's JVM options"
                + " at the template's MemorySize " + memoryMb + " MB): " + peakRssMb.entrySet().stream()
                .map(e -> e.getKey() + " " + Stats.fmt(e.getValue(), 0) + " MB").toList());
        out.println("machine at the end: " + BenchEnvironment.machine());
        out.println();
        out.println("targets: peak heap at most 3x the decoded image; worker overhead at most 3x the decode-and-write"
                + " floor");
        for (Figures f : all) {
            double heapRatio = f.peakHeap() / f.bytes();
            double overhead = f.ms() / f.floorMs();
            double sizeDependent = (f.ms() - f.smallMs()) / f.floorMs();
            double ownCpu = (f.cpuMs() - f.smallCpuMs()) / f.floorMs();
            out.println("  " + f.ratio() + ": heap " + Stats.fmt(heapRatio, 2) + "x -> " + (heapRatio <= 3 ? "met"
                    : "MISSED") + "; overhead " + Stats.fmt(overhead, 1) + "x the floor -> " + (overhead <= 3 ? "met"
                    : "MISSED") + " (4K minus 1K: " + Stats.fmt(sizeDependent, 1) + "x in time, "
                    + Stats.fmt(ownCpu, 1) + "x in the worker's own CPU)");
        }
    }
}
