package imagejobs.local.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A fresh JVM (the running JVM's own java binary) on a given class path with only the given environment, its output
 * in a log file, killed at a deadline. The harness inside writes its figures to a result file, read back here.
 */
final class ChildJvm {
    /** What the harness running inside reports, plus what only the parent can see. */
    record Result(Map<String, String> values, long spawnNanos, long exitNanos, int exitCode, Path log) {
        String get(String key) {
            String v = values.get(key);
            if (v == null) {
                throw new BenchException("the harness reported no " + key + "; see " + log + " (last lines: "
                        + tail(log, 8) + ")");
            }
            return v;
        }

        double number(String key) {
            return Double.parseDouble(get(key));
        }

        List<Double> numbers(String key) {
            String v = get(key);
            List<Double> out = new ArrayList<>();
            if (!v.isEmpty()) {
                for (String part : v.split(",")) {
                    out.add(Double.parseDouble(part));
                }
            }
            return out;
        }

        double wallMillis() {
            return (exitNanos - spawnNanos) / 1e6;
        }
    }

    private final List<String> jvmOptions = new ArrayList<>();
    private final List<Path> classPath = new ArrayList<>();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private Duration timeout = Duration.ofMinutes(2);

    static Path javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    ChildJvm option(String option) {
        jvmOptions.add(option);
        return this;
    }

    ChildJvm options(List<String> options) {
        jvmOptions.addAll(options);
        return this;
    }

    ChildJvm classPath(List<Path> entries) {
        classPath.addAll(entries);
        return this;
    }

    ChildJvm environment(Map<String, String> env) {
        environment.putAll(env);
        return this;
    }

    ChildJvm timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    /**
     * Runs {@code mainClass args} and waits; the result file is {@code -Dbench.result}. A non-zero exit or a timeout
     * is a {@link BenchException} naming the log.
     */
    Result run(Path workDir, String name, String mainClass, List<String> args) {
        Path log = workDir.resolve(name + ".log");
        Path resultFile = workDir.resolve(name + ".result");
        List<String> command = new ArrayList<>();
        command.add(javaBinary().toString());
        command.addAll(jvmOptions);
        command.add("-Dbench.result=" + resultFile);
        command.add("-cp");
        command.add(classPath.stream().map(Path::toString).collect(Collectors.joining(java.io.File.pathSeparator)));
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().clear();
        builder.environment().putAll(environment);
        try {
            Files.deleteIfExists(resultFile);
            long spawn = System.nanoTime();
            Process process = builder.start();
            boolean exited;
            try {
                exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new BenchException("interrupted while " + name + " ran");
            }
            long exit = System.nanoTime();
            if (!exited) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new BenchException(name + " did not finish within " + timeout.toSeconds() + " s; see " + log);
            }
            Map<String, String> values = Files.isRegularFile(resultFile) ? read(resultFile) : Map.of();
            Result result = new Result(values, spawn, exit, process.exitValue(), log);
            if (process.exitValue() != 0 || values.containsKey("error")) {
                throw new BenchException(name + " failed (exit " + process.exitValue() + ", "
                        + values.getOrDefault("error", "no result") + "); see " + log + " (last lines: "
                        + tail(log, 8) + ")");
            }
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while " + name + " ran");
        }
    }

    private static Map<String, String> read(Path file) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return values;
    }

    static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(" | ", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "(no log)";
        }
    }
}
