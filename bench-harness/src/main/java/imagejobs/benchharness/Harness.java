package imagejobs.benchharness;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs in a fresh JVM whose class path is one function jar plus this jar (and, for the naive variant, the naive
 * client setup before it), the way Lambda runs a function: {@code ./run-local bench} starts it and reads the
 * figures it writes to the file named by {@code -Dbench.result}, one {@code key=value} per line.
 *
 * <ul>
 * <li>{@code cold <HandlerClass> <event.json>}: constructs the handler with its no-argument constructor (which reads
 *     the environment the bench gave this process), handles the event once, then records the monotonic clock at
 *     the first response, the construct and invoke times, the response and the peak RSS.</li>
 * <li>{@code jobs <HandlerClass> <event.json>...}: one handler, each event in turn; per event the time it took and
 *     the heap (after a full collection before it, and the highest heap left after any collection during it).</li>
 * <li>{@code floor <base64-file> <out-file> <runs>}: base64-decodes the file's text and writes the bytes, {@code runs}
 *     times after three unmeasured rounds: the least any worker must do with a response's image.</li>
 * </ul>
 * Only JDK classes and classes of the function jar are used, so nothing here adds to what the function loads
 * beyond the few classes of this package.
 */
public final class Harness {
    private Harness() {
    }

    public static void main(String[] args) throws Exception {
        long started = System.nanoTime();
        String resultFile = System.getProperty("bench.result");
        if (resultFile == null || args.length == 0) {
            System.err.println("usage: -Dbench.result=FILE Harness cold|jobs|floor ...");
            System.exit(2);
        }
        Map<String, String> result = new LinkedHashMap<>();
        result.put("main_entered_ns", Long.toString(started));
        int code = 0;
        try {
            switch (args[0]) {
                case "cold" -> cold(args[1], Path.of(args[2]), result);
                case "jobs" -> jobs(args[1], List.of(args).subList(2, args.length), result);
                case "floor" -> floor(Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]), result);
                default -> throw new IllegalArgumentException("unknown mode " + args[0]);
            }
        } catch (Throwable t) {
            t.printStackTrace();
            result.put("error", String.valueOf(t).replace('\n', ' '));
            code = 1;
        }
        result.put("vm_hwm_kb", Long.toString(vmHwmKb()));
        write(Path.of(resultFile), result);
        System.out.flush();
        // Lambda never exits the process; here the whole-process time ends at once, whatever threads the SDK left.
        Runtime.getRuntime().halt(code);
    }

    private static void cold(String handlerClass, Path event, Map<String, String> result) throws Exception {
        long t0 = System.nanoTime();
        Object handler = Class.forName(handlerClass).getConstructor().newInstance();
        long t1 = System.nanoTime();
        Method method = handleRequest(handler.getClass());
        Object input = Events.read(Files.readString(event, StandardCharsets.UTF_8), method.getParameterTypes()[0]);
        Object output = method.invoke(handler, input, LambdaContext.create(handlerClass));
        String response = Events.write(output);
        long t2 = System.nanoTime();
        long cpu = cpuMillis();
        result.put("first_response_ns", Long.toString(t2));
        result.put("cpu_ms_at_first_response", Long.toString(cpu));
        result.put("jit_cpu_ms_at_first_response", Long.toString(compilerCpuMillis()));
        result.put("construct_ms", millis(t1 - t0));
        result.put("invoke_ms", millis(t2 - t1));
        result.put("response", oneLine(response));
    }

    private static void jobs(String handlerClass, List<String> events, Map<String, String> result) throws Exception {
        HeapWatch heap = new HeapWatch();
        Object handler = Class.forName(handlerClass).getConstructor().newInstance();
        Method method = handleRequest(handler.getClass());
        List<String> ms = new ArrayList<>();
        List<String> cpu = new ArrayList<>();
        List<String> baseline = new ArrayList<>();
        List<String> peak = new ArrayList<>();
        List<String> after = new ArrayList<>();
        List<String> responses = new ArrayList<>();
        for (String file : events) {
            Object input = Events.read(Files.readString(Path.of(file), StandardCharsets.UTF_8),
                    method.getParameterTypes()[0]);
            long base = heap.collectAndMeasure();
            heap.startWindow();
            long c0 = cpuMillis();
            long t0 = System.nanoTime();
            Object output = method.invoke(handler, input, LambdaContext.create(handlerClass));
            long t1 = System.nanoTime();
            cpu.add(Long.toString(cpuMillis() - c0));
            long windowPeak = heap.endWindow();
            responses.add(oneLine(Events.write(output)));
            long left = heap.collectAndMeasure();
            ms.add(millis(t1 - t0));
            baseline.add(Long.toString(base));
            peak.add(Long.toString(windowPeak));
            after.add(Long.toString(left));
        }
        result.put("job_ms", String.join(",", ms));
        result.put("job_cpu_ms", String.join(",", cpu));
        result.put("heap_baseline_bytes", String.join(",", baseline));
        result.put("heap_peak_after_gc_bytes", String.join(",", peak));
        result.put("heap_retained_bytes", String.join(",", after));
        result.put("gc_count", Long.toString(heap.collections()));
        for (int i = 0; i < responses.size(); i++) {
            result.put("response." + i, responses.get(i));
        }
    }

    private static void floor(Path base64File, Path out, int runs, Map<String, String> result) throws IOException {
        byte[] text = Files.readAllBytes(base64File);
        List<String> ms = new ArrayList<>();
        long bytes = 0;
        for (int i = -3; i < runs; i++) {
            long t0 = System.nanoTime();
            byte[] decoded = Base64.getMimeDecoder().decode(text);
            Files.write(out, decoded);
            long t1 = System.nanoTime();
            bytes = decoded.length;
            if (i >= 0) {
                ms.add(millis(t1 - t0));
            }
        }
        Files.deleteIfExists(out);
        result.put("floor_ms", String.join(",", ms));
        result.put("bytes", Long.toString(bytes));
    }

    /** The handler's own handleRequest, not the erased bridge method. */
    static Method handleRequest(Class<?> type) {
        Method found = null;
        for (Method m : type.getMethods()) {
            if (m.getName().equals("handleRequest") && m.getParameterCount() == 2 && !m.isBridge()) {
                found = m;
            }
        }
        if (found == null) {
            throw new IllegalArgumentException(type.getName() + " has no handleRequest(input, Context)");
        }
        return found;
    }

    /**
     * CPU time of the whole process so far (every thread: main, JIT compiler, GC), from /proc/self/stat in clock
     * ticks of 10 ms; -1 where there is no /proc. Unlike wall time it hardly moves when other processes compete for
     * the cores.
     */
    static long cpuMillis() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // After "pid (comm) ": state is field 3, utime 14 and stime 15 (1-based), so indexes 11 and 12 here.
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * CPU time so far of the JIT compiler threads ("C1 CompilerThread0", "C2 CompilerThre..."; Linux keeps 15
     * characters of a thread's name), from /proc/self/task/{tid}/stat; -1 where there is no /proc. It shows how much
     * of a cold start's CPU is compiling rather than running the function's code.
     */
    static long compilerCpuMillis() {
        long ticks = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    if (name.contains("CompilerThre")) {
                        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                    }
                } catch (IOException | RuntimeException e) {
                    // The thread ended while we looked: its time is in the process's total, not in the JIT's.
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return ticks * 10;
    }

    /** Peak resident set size of this process (Linux); -1 elsewhere. */
    static long vmHwmKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static String millis(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.3f", nanos / 1e6);
    }

    private static String oneLine(String s) {
        String flat = s == null ? "null" : s.replace('\n', ' ').replace('\r', ' ');
        return flat.length() > 1_000_000 ? flat.substring(0, 1_000_000) + "..." : flat;
    }

    private static void write(Path file, Map<String, String> result) throws IOException {
        StringBuilder text = new StringBuilder();
        result.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Files.writeString(file, text.toString(), StandardCharsets.UTF_8);
    }
}
