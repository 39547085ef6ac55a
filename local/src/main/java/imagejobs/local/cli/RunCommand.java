package imagejobs.local.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import imagejobs.local.LocalStack;
import imagejobs.local.LocalStackConfig;
import imagejobs.local.console.StackSummary;

/**
 * {@code ./run-local} (or {@code ./run-local run}): starts everything and runs in the foreground until Ctrl-C. A
 * shutdown hook stops the stack; it then halts with status 0, because a JVM ended by SIGINT otherwise exits 130
 * although nothing went wrong.
 */
public final class RunCommand implements Command {
    private final java.nio.file.Path root;
    private final Map<String, String> env;
    private final PrintStream out;

    public RunCommand(java.nio.file.Path root, Map<String, String> env, PrintStream out) {
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
        return "run                                  start everything; Ctrl-C stops it (the default)";
    }

    @Override
    public int run(List<String> args) throws InterruptedException {
        if (!args.isEmpty()) {
            throw new UsageException("run takes no arguments, got " + args);
        }
        long started = System.nanoTime();
        out.println("imagejobs local stack (" + root + ")");
        LocalStack stack = LocalStack.start(LocalStackConfig.fromEnvironment(root, env).out(out).build());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println();
            out.println("stopping ...");
            stack.close();
            out.println("stopped");
            out.flush();
            stopped.countDown();
            Runtime.getRuntime().halt(0);
        }, "local-stack-shutdown"));
        new StackSummary(stack).print(out, (System.nanoTime() - started) / 1_000_000);
        stopped.await();
        return 0;
    }
}
