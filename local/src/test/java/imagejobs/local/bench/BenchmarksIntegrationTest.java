package imagejobs.local.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import imagejobs.local.TestPaths;
import imagejobs.local.cli.UsageException;

/**
 * Each benchmark, as {@code ./run-local bench} runs it, with the smallest parameters: it must measure, print its
 * figures and exit 0. Timings are never asserted (they belong to the machine); only that every figure is there.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class BenchmarksIntegrationTest {

    private record Run(int code, String out, String err) {
    }

    private static Run bench(String name, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Benchmarks.run(TestPaths.root(), name, List.of(args),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        Run run = new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.out.println("== bench " + name + " (exit " + code + ")\n" + run.out() + "\n-- progress\n" + run.err());
        return run;
    }

    private static void assertPrinted(Run run, String... texts) {
        assertEquals(0, run.code(), run.err());
        for (String text : texts) {
            assertTrue(run.out().contains(text), "stdout has '" + text + "':\n" + run.out());
        }
        assertTrue(!run.out().contains("n/a"), "every figure measured:\n" + run.out());
    }

    @Test
    void coldStartMeasuresEveryFunctionTunedAndNaive() {
        Run run = bench("cold-start", "--runs", "1", "--warmup", "0");
        assertPrinted(run, "SubmitFunction (median of 1)", "StatusFunction (median of 1)",
                "WorkerFunction (median of 1)", "EditTriggerFunction (median of 1)", "1st response ms", "of it JIT",
                "classes", "peak RSS MB", "tuned/naive", "unprimed/naive", "target: submit and status cold start");
        assertEquals(4, run.out().lines().filter(l -> l.trim().startsWith("tuned ")).count(), run.out());
        assertEquals(4, run.out().lines().filter(l -> l.trim().startsWith("naive ")).count(), run.out());
        assertEquals(2, run.out().lines().filter(l -> l.trim().startsWith("unprimed ")).count(),
                "submit and status only:\n" + run.out());
    }

    @Test
    void worker4kMeasuresTimeHeapAndFloor() {
        Run run = bench("worker-4k", "--runs", "1", "--warmup", "0", "--ratios", "1:1");
        assertPrinted(run, "4096x4096", "worker ms", "floor ms", "heap/img", "peak RSS of the worker JVM",
                "targets: peak heap");
    }

    @Test
    void pipelineTakesEveryJobToATerminalState() {
        Run run = bench("pipeline", "--jobs", "20", "--clients", "4", "--delays", "0,200");
        assertPrinted(run, "submits/s", "submit p99 ms", "to success p99", "jobs/s", "{SUCCESS=20}",
                "target: every job terminal");
        assertEquals(2, run.out().lines().filter(l -> l.contains("{SUCCESS=20}")).count(), run.out());
    }

    @Test
    void burstReportsOutcomesQuotaUseQueueWaitsFairnessAndWorkerCost() {
        Run run = bench("burst", "--jobs", "12", "--light-jobs", "2", "--sim-rpm", "60", "--latency", "100-300");
        assertPrinted(run, "jobs accepted          14", "succeeded              14", "failed, by code        none",
                "lost (no record)       0", "stuck (not terminal)   0", "upstream calls", "upstream 429s",
                "achieved rate", "queue wait, burst-heavy:", "queue wait, burst-light:", "fairness",
                "GB-s per job", "targets (told the quota)", "met     0 failed, 0 lost, 0 stuck");
    }

    @Test
    void usageMistakesCostNoStack() {
        assertThrows(UsageException.class, () -> bench("burst", "--limits", "*:60", "--no-limits"));
        assertThrows(UsageException.class, () -> bench("burst", "--latency", "fast"));
        assertThrows(UsageException.class, () -> bench("cold-start", "NoSuchFunction"));
        assertThrows(UsageException.class, () -> bench("pipeline", "--jobs", "many"));
        assertThrows(UsageException.class, () -> bench("warp-speed"));
    }
}
