package imagejobs.local.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import imagejobs.local.LocalStack;
import imagejobs.local.LocalStackConfig;
import imagejobs.local.console.StackSummary;

/**
 * {@code ./run-local [--data DIR]} (or {@code ./run-local run ...}): starts everything and runs in the foreground until
 * Ctrl-C (SIGINT) or SIGTERM. A shutdown hook stops the stack (every server, poller and thread; with {@code --data}, the
 * emulators write their state and the directory is released) and then halts with status 0, because a JVM ended by a
 * signal otherwise exits 130 or 143 although nothing went wrong. A signal during start-up waits for the start to end,
 * then stops what started.
 */
public final class RunCommand implements Command {
    /** How long a stop signal during start-up waits for the start to finish before the JVM exits anyway. */
    private static final long START_WAIT_SECONDS = 180;

    private final Path root;
    private final Map<String, String> env;
    private final PrintStream out;

    public RunCommand(Path root, Map<String, String> env, PrintStream out) {
        this.root = root;
        this.env = env;
        this.out = out;
    }

    @Override
    public String name() {
        return "run";
    }

    @Override
    public String usage() {
        return "run [--data DIR]                     start everything (the default command); Ctrl-C or SIGTERM stops it;\n"
                + "                                       --data DIR keeps tables, queues, messages and objects across restarts";
    }

    /** The directory of {@code --data DIR} / {@code --data=DIR}, or null. */
    static Path dataDir(List<String> args) {
        Path data = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String value;
            if (a.equals("--data")) {
                if (i + 1 >= args.size() || args.get(i + 1).isBlank()) {
                    throw new UsageException("--data needs a directory, e.g. --data .local-data");
                }
                value = args.get(++i);
            } else if (a.startsWith("--data=") && a.length() > "--data=".length()) {
                value = a.substring("--data=".length());
            } else {
                throw new UsageException("run takes only --data DIR, got " + a);
            }
            if (data != null) {
                throw new UsageException("--data given twice");
            }
            data = Path.of(value);
        }
        return data;
    }

    @Override
    public int run(List<String> args) throws InterruptedException {
        Path data = dataDir(args);
        long started = System.nanoTime();
        out.println("imagejobs local stack (" + root + ")");
        AtomicReference<LocalStack> running = new AtomicReference<>();
        CountDownLatch startEnded = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                startEnded.await(START_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            LocalStack stack = running.get();
            if (stack != null) {
                out.println();
                out.println("stopping ...");
                stack.close();
                out.println(stack.dataDirectory().map(d -> "stopped; state kept in " + d.root()).orElse("stopped"));
            }
            out.flush();
            stopped.countDown();
            if (stack != null) {
                Runtime.getRuntime().halt(0);
            }
        }, "local-stack-shutdown"));
        LocalStack stack;
        try {
            stack = LocalStack.start(LocalStackConfig.fromEnvironment(root, env).dataDir(data).out(out).build());
            running.set(stack);
        } finally {
            startEnded.countDown();
        }
        new StackSummary(stack).print(out, (System.nanoTime() - started) / 1_000_000);
        stopped.await();
        return 0;
    }
}
