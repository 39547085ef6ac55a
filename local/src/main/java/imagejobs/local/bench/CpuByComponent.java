package imagejobs.local.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where this JVM's CPU time went between two snapshots, by thread name: the local stack runs every emulator and
 * function in one process, and its threads are named after what they serve. The rest (threads that ended, GC, JIT
 * compilers) is the difference to the process's CPU time.
 */
final class CpuByComponent {
    /** Thread name prefix → component, first match wins. */
    private static final List<Map.Entry<String, String>> COMPONENTS = List.of(
            Map.entry("apigw", "HTTP API front door"),
            Map.entry("lambda-SubmitFunction", "submit function"),
            Map.entry("lambda-WorkerFunction", "worker function"),
            Map.entry("job-worker", "worker function"),
            Map.entry("lambda-", "other functions"),
            Map.entry("sqs-", "SQS pollers"),
            Map.entry("stream-", "DynamoDB stream pollers"),
            Map.entry("qtp", "DynamoDB Local"),
            Map.entry("SQLiteQueue", "DynamoDB Local"),
            Map.entry("elasticmq", "ElasticMQ (SQS)"),
            Map.entry("S3Proxy", "S3Proxy (S3)"),
            Map.entry("gemini-sim", "Gemini simulator"),
            Map.entry("bench-client", "benchmark clients"),
            Map.entry("HttpClient", "java.net.http clients (benchmark, worker to Gemini)"));

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> start = new HashMap<>();
    private final long processStart;

    CpuByComponent() {
        if (threads.isThreadCpuTimeSupported() && !threads.isThreadCpuTimeEnabled()) {
            threads.setThreadCpuTimeEnabled(true);
        }
        for (long id : threads.getAllThreadIds()) {
            start.put(id, Math.max(0, threads.getThreadCpuTime(id)));
        }
        processStart = processCpuNanos();
    }

    static long processCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    /** Milliseconds of CPU per component since construction, the unattributed rest last; plus "total". */
    Map<String, Double> millis() {
        Map<String, Double> out = new LinkedHashMap<>();
        long attributed = 0;
        for (long id : threads.getAllThreadIds()) {
            long now = threads.getThreadCpuTime(id);
            ThreadInfo info = threads.getThreadInfo(id);
            if (now < 0 || info == null) {
                continue;
            }
            long delta = now - start.getOrDefault(id, 0L);
            attributed += delta;
            out.merge(component(info.getThreadName()), delta / 1e6, Double::sum);
        }
        long total = processCpuNanos() - processStart;
        out.merge("GC, JIT, ended threads", Math.max(0, total - attributed) / 1e6, Double::sum);
        out.put("total", total / 1e6);
        return out;
    }

    private static String component(String thread) {
        for (Map.Entry<String, String> c : COMPONENTS) {
            if (thread.startsWith(c.getKey())) {
                return c.getValue();
            }
        }
        return "other threads";
    }
}
