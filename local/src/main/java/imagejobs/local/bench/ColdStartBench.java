package imagejobs.local.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.LocalStack;
import imagejobs.local.resources.LocalKey;
import imagejobs.local.runtime.InvocationResult;
import imagejobs.local.runtime.LocalFunction;
import imagejobs.local.s3.S3ObjectListener;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.config.Settings;
import imagejobs.shared.json.Json;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * {@code ./run-local bench cold-start [LogicalId]}: per function, a fresh JVM per run whose class path is the
 * function's jar and the harness only; the handler is built with its no-argument constructor from the environment
 * the local stack gives that function, and handles its first event (from {@code events/}, filled in with real ids)
 * against a private local stack. Then the same with the naive client setup (see bench-harness/src/naive) and the
 * SDK's default HTTP client on the class path. Variants alternate run by run so drift hits both alike.
 */
final class ColdStartBench {
    static final List<String> FUNCTIONS = List.of("SubmitFunction", "StatusFunction", "WorkerFunction",
            "EditTriggerFunction");
    /** The functions that read PRIME_ON_INIT (the API-facing ones, published with SnapStart). */
    static final List<String> PRIMED = List.of("SubmitFunction", "StatusFunction");
    private static final String KEY = LocalKey.DEV.key();
    /** Where Priming (functions/common) looks for the class list in a function jar. */
    static final String CLASS_LIST = "META-INF/imagejobs/preload-classes.txt";

    private final BenchEnvironment env;
    private final PrintStream out;
    private final int runs;
    private final int warmups;
    private final Duration childTimeout;
    private final boolean writeClassLists;

    ColdStartBench(BenchEnvironment env, PrintStream out, int runs, int warmups, Duration childTimeout,
                   boolean writeClassLists) {
        this.env = env;
        this.writeClassLists = writeClassLists;
        this.out = out;
        this.runs = runs;
        this.warmups = warmups;
        this.childTimeout = childTimeout;
    }

    /** One variant's figures for one function, one entry per measured run. */
    private static final class Figures {
        final List<Double> wall = new ArrayList<>();
        final List<Double> firstResponse = new ArrayList<>();
        final List<Double> cpu = new ArrayList<>();
        final List<Double> jitCpu = new ArrayList<>();
        final List<Double> construct = new ArrayList<>();
        final List<Double> invoke = new ArrayList<>();
        final List<Double> classes = new ArrayList<>();
        final List<Double> rssKb = new ArrayList<>();
        long jarBytes;
    }

    /** What a run needs: a fresh event, and a check that the answer is what a user would call success. */
    private record Workload(Supplier<String> events, Predicate<String> success, String expected) {
    }

    void run(List<String> functions) {
        Path harness = env.harnessJar();
        Path naiveSetup = env.naiveSetupJar();
        List<Path> naiveHttp = env.naiveHttpClientJars();
        try (LocalStack stack = env.startStack("cold starts", b -> b.startSqsPollers(false))) {
            BenchJobs jobs = new BenchJobs(stack, env.root());
            out.println("machine: " + BenchEnvironment.machine());
            out.println("cold start: " + runs + " measured run(s) per variant after " + warmups + " warm-up(s); a fresh"
                    + " JVM per run (" + String.join(" ", env.lambdaJvmOptions(1024, Map.of())).replace(
                    env.workDir().resolve("home").toString(), "<empty home>").replace("1024m", "<MemorySize>m")
                    + "; the tiered options give way to the function's JAVA_TOOL_OPTIONS, as on Lambda)");
            out.println("  tuned: the function as deployed (explicit clients, cold-start priming); unprimed: the same"
                    + " with PRIME_ON_INIT=false; naive: the same jar and code with the naive client setup (default region"
                    + " and credentials chains, HTTP client discovery with the SDK's default Apache client on the class"
                    + " path), no priming and Lambda's default JVM options");
            Map<String, Map<String, Figures>> all = new LinkedHashMap<>();
            for (String id : functions) {
                LocalFunction function = stack.function(id);
                Workload workload = workload(id, stack, jobs);
                Path jar = BenchEnvironment.required(function.definition().codeUri());
                List<Path> naiveClassPath = new ArrayList<>();
                naiveClassPath.add(naiveSetup);
                naiveClassPath.addAll(naiveHttp);
                naiveClassPath.add(jar);
                naiveClassPath.add(harness);
                List<Variant> variants = new ArrayList<>();
                variants.add(new Variant("tuned", List.of(jar, harness), Map.of()));
                if (PRIMED.contains(id)) { // the others do not prime: their unprimed run would repeat the tuned one
                    variants.add(new Variant("unprimed", List.of(jar, harness),
                            Map.of(Settings.PRIME_ON_INIT, "false")));
                }
                variants.add(new Variant("naive", naiveClassPath, Map.of(Settings.PRIME_ON_INIT, "false")));
                Map<String, Figures> figures = new LinkedHashMap<>();
                for (Variant variant : variants) {
                    Figures f = new Figures();
                    f.jarBytes = variant.classPath().stream().filter(p -> p != harness && p != naiveSetup)
                            .mapToLong(ColdStartBench::size).sum();
                    figures.put(variant.name(), f);
                }
                Path lastUnprimedClasses = null;
                for (int i = -warmups; i < runs; i++) {
                    for (Variant variant : variants) {
                        Path classes = measure(id, function, workload, variant, i,
                                i < 0 ? null : figures.get(variant.name()));
                        if (variant.name().equals("unprimed")) {
                            lastUnprimedClasses = classes;
                        }
                    }
                }
                if (writeClassLists && lastUnprimedClasses == null) {
                    env.progress().println("  " + id + " does not prime: no class list written");
                } else if (writeClassLists) {
                    writeClassList(id, jar, function.definition().handler().split("::")[0], lastUnprimedClasses);
                }
                all.put(id, figures);
                print(id, figures);
            }
            out.println();
            out.println("(1) CPU time of the whole process (all threads) up to the first response: less sensitive than wall"
                    + " time to other load on the machine; 'of it JIT': the part the JIT compiler threads used");
            out.println("machine at the end: " + BenchEnvironment.machine());
            summary(all);
        }
    }

    /** One way of running a function: its class path and what it changes in the function's environment. */
    private record Variant(String name, List<Path> classPath, Map<String, String> environment) {
    }

    /** Runs the function once in a fresh JVM; returns its class-load log. */
    private Path measure(String id, LocalFunction function, Workload workload, Variant variant, int run,
                         Figures figures) {
        Path event = env.workDir().resolve(id + "-" + variant.name() + "-" + (run < 0 ? "w" + (-run) : run) + ".json");
        Path classLog = env.workDir().resolve(event.getFileName() + ".classes");
        try {
            Files.writeString(event, workload.events().get(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> environment = new LinkedHashMap<>(function.environment());
        environment.put("BENCH_TIMEOUT_MILLIS", Long.toString(function.definition().timeoutSeconds() * 1000L));
        environment.putAll(variant.environment());
        if (variant.name().equals("naive")) {
            environment.remove("JAVA_TOOL_OPTIONS"); // Lambda's default JVM options, not the template's
        }
        String handler = function.definition().handler().split("::")[0];
        ChildJvm.Result r = new ChildJvm()
                .options(env.lambdaJvmOptions(function.definition().memoryMb(), environment))
                .option("-Xlog:class+load=info:file=" + classLog + ":uptime,tid") // when and on which thread: kept with --keep
                .classPath(variant.classPath())
                .environment(environment)
                .timeout(childTimeout)
                .run(env.workDir(), event.getFileName().toString().replace(".json", ""), BenchEnvironment.HARNESS_MAIN,
                        List.of("cold", handler, event.toString()));
        String response = r.get("response");
        boolean success;
        try {
            success = workload.success().test(response);
        } catch (RuntimeException e) {
            success = false;
        }
        if (!success) {
            throw new BenchException(id + " (" + variant.name() + ") answered " + response + "; expected " + workload.expected()
                    + "; see " + r.log());
        }
        double firstResponse = (Long.parseLong(r.get("first_response_ns")) - r.spawnNanos()) / 1e6;
        long classes = lines(classLog);
        env.progress().printf("  %-20s %-8s %s: first response %s ms (CPU %s ms), process %s ms, %s classes%n", id,
                variant.name(), run < 0 ? "warm-up" : "run " + (run + 1) + "/" + runs, Stats.fmt(firstResponse, 0),
                r.get("cpu_ms_at_first_response"), Stats.fmt(r.wallMillis(), 0), classes);
        if (figures != null) {
            figures.wall.add(r.wallMillis());
            figures.firstResponse.add(firstResponse);
            figures.cpu.add(r.number("cpu_ms_at_first_response"));
            figures.jitCpu.add(r.number("jit_cpu_ms_at_first_response"));
            figures.construct.add(r.number("construct_ms"));
            figures.invoke.add(r.number("invoke_ms"));
            figures.classes.add((double) classes);
            figures.rssKb.add(r.number("vm_hwm_kb"));
        }
        return classLog;
    }

    /**
     * The function's class list for {@code Priming.preloadClasses}: what an unprimed cold start loaded from the
     * function jar and from the JDK's modules (not the CDS archive, already mapped), in load order, from the handler
     * class on. Hidden classes (lambdas) cannot be loaded by name and are left out.
     */
    private void writeClassList(String id, Path jar, String handlerClass, Path classLog) {
        Path moduleDir = jar.getParent().getParent();
        Path list = moduleDir.resolve("src/main/resources").resolve(CLASS_LIST);
        List<String> names = new ArrayList<>();
        boolean started = false;
        try {
            for (String line : Files.readAllLines(classLog, StandardCharsets.ISO_8859_1)) {
                int at = line.indexOf(" source: ");
                if (at < 0) {
                    continue;
                }
                String name = line.substring(line.lastIndexOf(']', at) + 1, at).strip();
                String source = line.substring(at + " source: ".length());
                started |= name.equals(handlerClass);
                if (started && !name.contains("/") && !name.contains("$$Lambda")
                        && (source.startsWith("jrt:/") || source.endsWith("/" + jar.getFileName()))) {
                    names.add(name);
                }
            }
            Files.createDirectories(list.getParent());
            Files.writeString(list, "# Classes a cold start of " + id + " loads, in order (Priming.preloadClasses).\n"
                    + "# Written by ./run-local bench cold-start " + id + " --write-class-lists; rewrite after"
                    + " dependency upgrades.\n" + String.join("\n", names) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        env.progress().println("  wrote " + names.size() + " class names to " + list);
    }

    private Workload workload(String id, LocalStack stack, BenchJobs jobs) {
        return switch (id) {
            case "SubmitFunction" -> new Workload(() -> jobs.submitEvent(KEY), r -> statusCode(r) == 202,
                    "202 (job queued)");
            case "StatusFunction" -> {
                String finished = finishedJob(stack, jobs);
                yield new Workload(() -> jobs.statusGetEvent(KEY, finished),
                        r -> statusCode(r) == 200 && r.contains("success"), "200 with the finished job");
            }
            case "WorkerFunction" -> new Workload(() -> {
                String requestId = jobs.submitWarmingUp(KEY, jobs.sampleSubmitBody());
                return jobs.sqsEvent(List.of(jobs.receive(requestId, Duration.ofSeconds(30))));
            }, r -> Json.parse(r).path("batchItemFailures").isEmpty(), "no batch item failures (job succeeded)");
            case "EditTriggerFunction" -> {
                String[] object = uploadEditSource(stack, jobs);
                yield new Workload(() -> jobs.s3PutEvent(object[0], Long.parseLong(object[1])),
                        "QUEUED"::equals, "QUEUED");
            }
            default -> throw new BenchException("no cold-start workload for " + id + "; functions: " + FUNCTIONS);
        };
    }

    /** A job taken to success by the in-process worker: what the status function's first event asks for. */
    private String finishedJob(LocalStack stack, BenchJobs jobs) {
        String problem = null;
        for (int attempt = 0; attempt < 3; attempt++) { // a fresh in-process worker may miss its init allowance
            String requestId = jobs.submitWarmingUp(KEY, jobs.sampleSubmitBody());
            Message message = jobs.receive(requestId, Duration.ofSeconds(30));
            InvocationResult result = stack.function("WorkerFunction").invokeWithResult(
                    jobs.sqsEvent(List.of(message)));
            Job job = jobs.job(requestId).orElseThrow();
            if (!result.functionError() && job.status() == JobStatus.SUCCESS) {
                return requestId;
            }
            problem = job.status() + " " + result.payload();
        }
        throw new BenchException("could not prepare a finished job for the status function: " + problem);
    }

    /** Stores the object events/s3-put-edit.json names (a small PNG with a prompt), without notifying the stack. */
    private static String[] uploadEditSource(LocalStack stack, BenchJobs jobs) {
        JsonNode record = jobs.read("s3-put-edit.json").path("Records").path(0);
        String bucket = record.path("s3").path("bucket").path("name").asText();
        String key = imagejobs.shared.edits.S3Upload.decodeKey(record.path("s3").path("object").path("key").asText());
        stack.emulators().s3().objectListener(S3ObjectListener.NONE); // the runs, not the bridge, deliver the event
        byte[] png = smallPng();
        var put = stack.s3().putObject(r -> r.bucket(bucket).key(key).contentType("image/png")
                .metadata(Map.of("prompt", "add a small hat")), RequestBody.fromBytes(png));
        return new String[] {put.eTag().replace("\"", ""), Long.toString(png.length)};
    }

    private static byte[] smallPng() {
        var image = new java.awt.image.BufferedImage(64, 64, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                image.setRGB(x, y, (x * 4) << 16 | (y * 4) << 8 | 128);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static int statusCode(String response) {
        return Json.parse(response).path("statusCode").asInt(-1);
    }

    private void print(String id, Map<String, Figures> figures) {
        out.println();
        out.println(id + " (median of " + runs + ")");
        String row = "  %-14s %7s %11s %15s %11s %11s %13s %10s %8s %12s%n";
        out.printf(row, "setup", "jar MB", "process ms", "1st response ms", "CPU ms (1)", "of it JIT", "construct ms",
                "invoke ms", "classes", "peak RSS MB");
        figures.forEach((name, f) -> out.printf(row, name,
                Stats.mb(f.jarBytes), Stats.fmt(Stats.median(f.wall), 0), Stats.fmt(Stats.median(f.firstResponse), 0),
                Stats.fmt(Stats.median(f.cpu), 0), Stats.fmt(Stats.median(f.jitCpu), 0),
                Stats.fmt(Stats.median(f.construct), 0),
                Stats.fmt(Stats.median(f.invoke), 0), Stats.fmt(Stats.median(f.classes), 0),
                Stats.fmt(Stats.median(f.rssKb) / 1024, 0)));
        Figures naive = figures.get("naive");
        for (String name : List.of("tuned", "unprimed")) {
            Figures f = figures.get(name);
            if (f == null) {
                continue;
            }
            out.printf(row, name + "/naive", Stats.percent((double) f.jarBytes / naive.jarBytes),
                    Stats.percent(ratio(f.wall, naive.wall)), Stats.percent(ratio(f.firstResponse, naive.firstResponse)),
                    Stats.percent(ratio(f.cpu, naive.cpu)), Stats.percent(ratio(f.jitCpu, naive.jitCpu)),
                    Stats.percent(ratio(f.construct, naive.construct)),
                    Stats.percent(ratio(f.invoke, naive.invoke)), Stats.percent(ratio(f.classes, naive.classes)),
                    Stats.percent(ratio(f.rssKb, naive.rssKb)));
        }
    }

    private void summary(Map<String, Map<String, Figures>> all) {
        out.println();
        out.println("target: submit and status cold start (time to first response) at most 60% of the naive setup's");
        for (String id : List.of("SubmitFunction", "StatusFunction")) {
            Map<String, Figures> f = all.get(id);
            if (f == null) {
                continue;
            }
            double r = ratio(f.get("tuned").firstResponse, f.get("naive").firstResponse);
            double c = ratio(f.get("tuned").cpu, f.get("naive").cpu);
            out.println("  " + id + ": " + Stats.percent(r) + " of naive (CPU time: " + Stats.percent(c) + ") -> "
                    + (r <= 0.60 ? "met" : "MISSED"));
        }
    }

    private static double ratio(List<Double> a, List<Double> b) {
        return Stats.median(a) / Stats.median(b);
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long lines(Path file) {
        try (var lines = Files.lines(file, StandardCharsets.ISO_8859_1)) {
            return lines.filter(l -> !l.isBlank()).count();
        } catch (IOException e) {
            return -1;
        }
    }
}
