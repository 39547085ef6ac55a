package imagejobs.shared.log;

import java.io.PrintStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/**
 * One JSON object per line on stdout, which Lambda ships to CloudWatch Logs. Every line carries the context of
 * the current invocation (request id, tenant, job) set with {@link #withContext}. Callers pass only safe fields:
 * never an API key, a presigned URL or image bytes.
 */
public final class StructuredLog {
    private static final ThreadLocal<Map<String, String>> CONTEXT = ThreadLocal.withInitial(LinkedHashMap::new);
    private static volatile PrintStream out = System.out;

    private final String logger;

    private StructuredLog(String logger) {
        this.logger = logger;
    }

    public static StructuredLog get(Class<?> owner) {
        return new StructuredLog(owner.getSimpleName());
    }

    /** Sets a context field for the rest of this invocation on this thread ({@code null} removes it). */
    public static void put(String key, String value) {
        if (value == null) {
            CONTEXT.get().remove(key);
        } else {
            CONTEXT.get().put(key, value);
        }
    }

    public static void clearContext() {
        CONTEXT.get().clear();
    }

    /** Tests redirect the log to capture it. */
    public static void redirect(PrintStream stream) {
        out = stream;
    }

    public void info(String message, Object... keyValues) {
        write("INFO", message, null, keyValues);
    }

    public void warn(String message, Object... keyValues) {
        write("WARN", message, null, keyValues);
    }

    public void error(String message, Throwable error, Object... keyValues) {
        write("ERROR", message, error, keyValues);
    }

    private void write(String level, String message, Throwable error, Object... keyValues) {
        ObjectNode line = Json.object();
        line.put("timestamp", Instant.now().toString());
        line.put("level", level);
        line.put("logger", logger);
        line.put("message", message);
        CONTEXT.get().forEach(line::put);
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            Object value = keyValues[i + 1];
            String key = String.valueOf(keyValues[i]);
            if (value == null) {
                line.putNull(key);
            } else if (value instanceof Number n) {
                if (n instanceof Double || n instanceof Float) {
                    line.put(key, n.doubleValue());
                } else {
                    line.put(key, n.longValue());
                }
            } else if (value instanceof Boolean b) {
                line.put(key, b);
            } else {
                line.put(key, String.valueOf(value));
            }
        }
        if (error != null) {
            line.put("error_type", error.getClass().getName());
            line.put("error_message", String.valueOf(error.getMessage()));
            StringBuilder trace = new StringBuilder();
            for (StackTraceElement e : error.getStackTrace()) {
                if (trace.length() > 4000) {
                    break;
                }
                trace.append(e).append('\n');
            }
            line.put("stack_trace", trace.toString());
        }
        emit(line);
    }

    private static void emit(ObjectNode line) {
        writeLine(Json.write(line));
    }

    /**
     * Writes one prepared JSON line: the metrics adapter's EMF lines share this stream and its lock, so they never
     * interleave with log lines and go wherever the log is redirected.
     */
    public static void writeLine(String json) {
        PrintStream stream = out;
        synchronized (stream) {
            stream.println(json);
        }
    }
}
