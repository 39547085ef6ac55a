package imagejobs.local.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

import imagejobs.local.bench.Benchmarks;

/**
 * {@code ./run-local bench cold-start|worker-4k|pipeline [options]}: the benchmarks of docs/PERFORMANCE.md. Each
 * starts its own private local stack on loopback (ephemeral ports, the Gemini simulator), prints progress on stderr
 * and its figures (medians of several runs) on stdout, and stops everything it started. Exit code 0 when it could
 * measure, 1 when a run failed (a child JVM, a lost job, a deadline): targets missed are reported, not failed.
 */
public final class BenchCommand implements Command {
    private final Path root;
    private final PrintStream out;
    private final PrintStream err;

    public BenchCommand(Path root, PrintStream out, PrintStream err) {
        this.root = root;
        this.out = out;
        this.err = err;
    }

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String usage() {
        return "bench cold-start|worker-4k|pipeline [options]  benchmarks (docs/PERFORMANCE.md)";
    }

    @Override
    public int run(List<String> args) throws Exception {
        if (args.isEmpty()) {
            throw new UsageException("bench needs a benchmark: " + String.join(", ", Benchmarks.NAMES)
                    + "\n  " + String.join("\n  ", Benchmarks.USAGE));
        }
        return Benchmarks.run(root, args.get(0), args.subList(1, args.size()), out, err);
    }
}
