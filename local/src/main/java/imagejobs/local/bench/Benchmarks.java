package imagejobs.local.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import imagejobs.local.cli.UsageException;

/** The benchmarks by name, their options, and what a failed run looks like to the user. */
public final class Benchmarks {
    public static final List<String> NAMES = List.of("cold-start", "worker-4k", "pipeline", "burst");
    public static final List<String> USAGE = List.of(
            "cold-start [LogicalId] [--runs 5] [--warmup 1] [--keep] [--write-class-lists]   fresh-JVM cold start per"
                    + " function: tuned, unprimed and naive setups (--write-class-lists: refresh the functions' priming"
                    + " class lists from the runs)",
            "worker-4k [--runs 5] [--warmup 1] [--ratios 16:9,1:1] [--keep]   worker time and heap on 4K images vs the floor",
            "pipeline [--jobs 1000] [--clients 32] [--delays 0,2000] [--timeout 600] [--keep]   end-to-end throughput",
            "burst [--jobs 1200] [--light-jobs 10] [--sim-rpm 60] [--latency 5000-15000] [--limits '*:60' | --no-limits]"
                    + " [--workers N] [--model gemini-2.5-flash-image] [--clients 16] [--timeout S] [--keep]   a burst"
                    + " far above the Gemini quota: outcomes, 429s, rate vs quota, queue waits per tenant, fairness,"
                    + " worker GB-s per job");

    private Benchmarks() {
    }

    /** The burst's options; defaults: told the quota, workers enough for rpm x mean latency with headroom. */
    static BurstBench.Options burstOptions(BenchArgs a) {
        int rpm = a.integer("sim-rpm", 60, 1);
        int jobs = a.integer("jobs", 20 * rpm, 1);
        String latency = a.value("latency", "5000-15000");
        try {
            imagejobs.local.gemini.SimLatency.parse(latency);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--latency takes MIN-MAX milliseconds, e.g. 5000-15000; " + e.getMessage());
        }
        if (a.flag("no-limits") && a.has("limits")) {
            throw new UsageException("--limits and --no-limits exclude each other");
        }
        String limits = a.flag("no-limits") ? null : a.value("limits", "*:" + rpm);
        String[] bounds = latency.substring(latency.lastIndexOf(':') + 1).split("-");
        double meanSeconds = (Long.parseLong(bounds[0]) + Long.parseLong(bounds[bounds.length - 1])) / 2000.0;
        // Calls in flight at the quota = rpm x mean call time; half as much again for sleeps and re-sends.
        int workers = a.integer("workers", Math.max(5, (int) Math.ceil(rpm * meanSeconds / 60 * 1.5)), 2);
        int light = a.integer("light-jobs", 10, 0);
        double drainMinutes = (jobs + light) / (double) rpm;
        int timeout = a.integer("timeout", (int) Math.max(600, drainMinutes * 60 * 3), 10);
        return new BurstBench.Options(jobs, light, rpm, latency, limits, workers, a.value("model",
                "gemini-2.5-flash-image"), a.integer("clients", 16, 1), Duration.ofSeconds(timeout));
    }

    public static int run(Path root, String name, List<String> args, PrintStream out, PrintStream err) {
        // Arguments first: a usage mistake costs no stack start.
        boolean[] keep = {false};
        java.util.function.Consumer<BenchEnvironment> bench = switch (name) {
            case "cold-start" -> {
                BenchArgs a = new BenchArgs(args, Set.of("runs", "warmup", "timeout"), Set.of("write-class-lists"));
                keep[0] = a.keep();
                List<String> functions = a.positional().isEmpty() ? ColdStartBench.FUNCTIONS : a.positional();
                for (String f : functions) {
                    if (!ColdStartBench.FUNCTIONS.contains(f)) {
                        throw new UsageException("cold-start measures " + String.join(", ", ColdStartBench.FUNCTIONS)
                                + "; not " + f);
                    }
                }
                int runs = a.integer("runs", 5, 1);
                int warmup = a.integer("warmup", 1, 0);
                Duration timeout = Duration.ofSeconds(a.integer("timeout", 120, 10));
                boolean writeClassLists = a.flag("write-class-lists");
                yield env -> new ColdStartBench(env, out, runs, warmup, timeout, writeClassLists).run(functions);
            }
            case "worker-4k" -> {
                BenchArgs a = new BenchArgs(args, Set.of("runs", "warmup", "ratios", "timeout"));
                keep[0] = a.keep();
                noPositional(a);
                int runs = a.integer("runs", 5, 1);
                int warmup = a.integer("warmup", 1, 0);
                List<String> ratios = a.list("ratios", List.of("16:9", "1:1"));
                Duration timeout = Duration.ofSeconds(a.integer("timeout", 300, 10));
                yield env -> new Worker4kBench(env, out, runs, warmup, ratios, timeout).run();
            }
            case "pipeline" -> {
                BenchArgs a = new BenchArgs(args, Set.of("jobs", "clients", "delays", "timeout"));
                keep[0] = a.keep();
                noPositional(a);
                List<Integer> delays = a.list("delays", List.of("0", "2000")).stream().map(d -> {
                    try {
                        return Integer.parseInt(d);
                    } catch (NumberFormatException e) {
                        throw new UsageException("--delays takes milliseconds, e.g. 0,2000; got " + d);
                    }
                }).toList();
                int jobs = a.integer("jobs", 1000, 1);
                int clients = a.integer("clients", 32, 1);
                Duration timeout = Duration.ofSeconds(a.integer("timeout", 600, 10));
                yield env -> new PipelineBench(env, out, jobs, clients, delays, timeout).run();
            }
            case "burst" -> {
                BenchArgs a = new BenchArgs(args, Set.of("jobs", "light-jobs", "sim-rpm", "latency", "limits",
                        "workers", "model", "clients", "timeout"), Set.of("no-limits"));
                keep[0] = a.keep();
                noPositional(a);
                yield env -> new BurstBench(env, out, burstOptions(a)).run();
            }
            default -> throw new UsageException("unknown benchmark " + name + "; benchmarks: " + String.join(", ", NAMES));
        };
        BenchEnvironment env = new BenchEnvironment(root, err);
        boolean measured = false;
        try {
            bench.accept(env);
            measured = true;
            out.flush();
            return 0;
        } catch (BenchException e) {
            out.flush();
            err.println("bench " + name + " FAILED: " + e.getMessage());
            return 1;
        } finally {
            if (!measured || keep[0]) {
                env.keep(); // the children's and the stack's logs say what went wrong
            }
            env.close();
        }
    }

    private static void noPositional(BenchArgs a) {
        if (!a.positional().isEmpty()) {
            throw new UsageException("unexpected argument " + a.positional().get(0));
        }
    }
}
