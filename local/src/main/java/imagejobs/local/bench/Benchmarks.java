package imagejobs.local.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import imagejobs.local.cli.UsageException;

/** The benchmarks by name, their options, and what a failed run looks like to the user. */
public final class Benchmarks {
    public static final List<String> NAMES = List.of("cold-start", "worker-4k", "pipeline");
    public static final List<String> USAGE = List.of(
            "cold-start [LogicalId] [--runs 5] [--warmup 1] [--keep] [--write-class-lists]   fresh-JVM cold start per"
                    + " function: tuned, unprimed and naive setups (--write-class-lists: refresh the functions' priming"
                    + " class lists from the runs)",
            "worker-4k [--runs 5] [--warmup 1] [--ratios 16:9,1:1] [--keep]   worker time and heap on 4K images vs the floor",
            "pipeline [--jobs 1000] [--clients 32] [--delays 0,2000] [--timeout 600] [--keep]   end-to-end throughput");

    private Benchmarks() {
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
