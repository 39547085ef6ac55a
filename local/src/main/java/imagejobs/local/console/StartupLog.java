package imagejobs.local.console;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/** Progress lines while the stack starts: {@code starting DynamoDB Local on 127.0.0.1:8000 ... ok (350 ms)}. */
public final class StartupLog {
    private final PrintStream out;

    public StartupLog(PrintStream out) {
        this.out = out;
    }

    /** Runs one start step, printing what it does, how long it took, and the failure if it failed. */
    public <T> T step(String what, Callable<T> action) {
        synchronized (out) {
            out.print("starting " + what + " ... ");
            out.flush();
        }
        long started = System.nanoTime();
        try {
            T result = action.call();
            out.println("ok (" + (System.nanoTime() - started) / 1_000_000 + " ms)");
            return result;
        } catch (RuntimeException e) {
            out.println("FAILED");
            throw e;
        } catch (Exception e) {
            out.println("FAILED");
            throw new IllegalStateException(what + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs a step without printing until it ends, then prints its whole line at once; for steps that run in
     * parallel, whose lines would otherwise interleave.
     */
    public <T> T quietStep(String what, Callable<T> action) {
        long started = System.nanoTime();
        try {
            T result = action.call();
            out.println("starting " + what + " ... ok (" + (System.nanoTime() - started) / 1_000_000 + " ms)");
            return result;
        } catch (Exception e) {
            out.println("starting " + what + " ... FAILED: " + e.getMessage());
            throw e instanceof RuntimeException r ? r : new IllegalStateException(what + ": " + e.getMessage(), e);
        }
    }

    public void info(String line) {
        out.println(line);
    }

    public PrintStream out() {
        return out;
    }
}
