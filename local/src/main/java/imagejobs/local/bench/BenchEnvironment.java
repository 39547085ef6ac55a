package imagejobs.local.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import imagejobs.local.LocalStack;
import imagejobs.local.LocalStackConfig;
import imagejobs.local.emulators.EmulatorPorts;

/**
 * What every benchmark shares: the repository, a scratch folder (kept only when a run fails, for its logs), the
 * built artifacts it needs, and a private local stack on loopback with ephemeral ports and the Gemini simulator
 * (never the user's Gemini key, whatever the environment says), whose own log goes to a file.
 */
final class BenchEnvironment implements AutoCloseable {
    static final String HARNESS_MAIN = "imagejobs.benchharness.Harness";

    private final Path root;
    private final Path workDir;
    private final PrintStream progress;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private boolean keepWorkDir;

    BenchEnvironment(Path root, PrintStream progress) {
        this.root = root;
        this.progress = progress;
        try {
            this.workDir = Files.createTempDirectory("imagejobs-bench-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path root() {
        return root;
    }

    Path workDir() {
        return workDir;
    }

    PrintStream progress() {
        return progress;
    }

    /** Keeps the scratch folder (logs of the children and the stack) after close, and says where it is. */
    void keep() {
        keepWorkDir = true;
    }

    Path harnessJar() {
        return required(root.resolve("bench-harness/target/bench-harness.jar"));
    }

    Path naiveSetupJar() {
        return required(root.resolve("bench-harness/target/bench-harness-naive.jar"));
    }

    /** The SDK's default HTTP client (Apache HttpClient 5) and its dependencies, for the naive variant. */
    List<Path> naiveHttpClientJars() {
        Path dir = required(root.resolve("bench-harness/target/naive-http"));
        try (Stream<Path> jars = Files.list(dir)) {
            List<Path> list = jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
            if (list.isEmpty()) {
                throw new BenchException(dir + " holds no jars; build first: ./mvnw -B -q -DskipTests package");
            }
            return list;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path required(Path path) {
        if (!Files.exists(path)) {
            throw new BenchException(path + " is missing; build first: ./mvnw -B -q -DskipTests package");
        }
        return path;
    }

    /** Lambda's own JVM options for Java 17 and 21 unless the function sets JAVA_TOOL_OPTIONS: C1 only. */
    static final List<String> LAMBDA_TIERED_DEFAULT = List.of("-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1");

    /**
     * JVM options close to Lambda's Java runtime for a function with this memory size and environment: C1 only
     * (Lambda's default for Java 17 and 21, which a function's own JAVA_TOOL_OPTIONS replaces; the child JVM reads
     * that variable from its environment itself), the serial collector a JVM picks on a small sandbox, heap
     * ergonomics from the memory size, and a home folder without ~/.aws (as in a Lambda sandbox).
     */
    List<String> lambdaJvmOptions(int memoryMb, Map<String, String> functionEnvironment) {
        Path home = workDir.resolve("home");
        try {
            Files.createDirectories(home);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> options = new ArrayList<>();
        String toolOptions = functionEnvironment.get("JAVA_TOOL_OPTIONS");
        if (toolOptions == null || toolOptions.isBlank()) {
            options.addAll(LAMBDA_TIERED_DEFAULT);
        }
        options.addAll(List.of("-XX:+UseSerialGC", "-XX:MaxRAM=" + memoryMb + "m", "-Duser.home=" + home));
        return options;
    }

    /** A private stack: loopback, ephemeral ports, the simulator, the dev key; {@code customize} adds the rest. */
    LocalStack startStack(String what, UnaryOperator<LocalStackConfig.Builder> customize) {
        Path log = workDir.resolve("stack.log");
        PrintStream stackLog;
        try {
            stackLog = new PrintStream(Files.newOutputStream(log), true, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Functions run in this JVM log to System.out/err (as on Lambda); here that is the stack's log, so that
        // stdout carries the figures only. The figures and progress go to streams taken before this.
        PrintStream systemOut = System.out;
        PrintStream systemErr = System.err;
        System.setOut(stackLog);
        System.setErr(stackLog);
        toClose.add(() -> {
            System.setOut(systemOut);
            System.setErr(systemErr);
        });
        toClose.add(stackLog);
        progress.println("starting a private local stack (127.0.0.1, ephemeral ports, Gemini simulator) for " + what
                + "; its log: " + log);
        LocalStackConfig.Builder builder = LocalStackConfig.builder(root)
                .ports(EmulatorPorts.ephemeral())
                .startGeminiSimulator(true)
                .accessLog(false)
                .out(stackLog);
        long t0 = System.nanoTime();
        LocalStack stack = LocalStack.start(customize.apply(builder).build());
        toClose.add(0, stack);
        progress.println("stack up in " + Stats.fmt((System.nanoTime() - t0) / 1e9, 1) + " s");
        return stack;
    }

    /** Cores, memory, JDK and the load right now: figures from a busy machine are read differently. */
    static String machine() {
        String load = "?";
        String memory = "?";
        try {
            load = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    memory = Stats.fmt(Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0, 0) + " GiB";
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux: the figures stand without it
        }
        return Runtime.getRuntime().availableProcessors() + " cores, " + memory + ", JDK "
                + System.getProperty("java.version") + ", load average (1 min) " + load;
    }

    static PrintStream nullStream() {
        return new PrintStream(OutputStream.nullOutputStream());
    }

    @Override
    public void close() {
        for (AutoCloseable c : toClose) {
            try {
                c.close();
            } catch (Exception e) {
                progress.println("while stopping " + c + ": " + e);
            }
        }
        if (keepWorkDir) {
            progress.println("logs kept in " + workDir);
            return;
        }
        try (Stream<Path> paths = Files.walk(workDir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder; nothing else to do
        }
    }
}
