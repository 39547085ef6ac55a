package imagejobs.it.reliability;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the reliability stack logs: the functions' JSON lines (each function's logger binds to
 * {@code System.out} when its class loader first loads it, so {@link #captureStdoutWhile} wraps the stack's start
 * and warm-up) and the stack's own output ({@link #stream()}). Forwarded to the console too with
 * {@code -Dimagejobs.verbose=true}.
 */
final class LogCapture {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(1 << 20);
    private final PrintStream forward;
    private final PrintStream stream;

    LogCapture(PrintStream forward) {
        this.forward = forward;
        this.stream = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (buffer) {
                    buffer.write(b, off, len);
                }
                if (LogCapture.this.forward != null) {
                    LogCapture.this.forward.write(b, off, len);
                }
            }
        }, true, StandardCharsets.UTF_8);
    }

    PrintStream stream() {
        return stream;
    }

    /** Runs {@code action} with System.out going (also) here; loggers created meanwhile keep writing here. */
    void captureStdoutWhile(Runnable action) {
        PrintStream original = System.out;
        System.setOut(stream);
        try {
            action.run();
        } finally {
            System.setOut(original);
        }
    }

    String text() {
        synchronized (buffer) {
            return buffer.toString(StandardCharsets.UTF_8);
        }
    }

    int bytes() {
        synchronized (buffer) {
            return buffer.size();
        }
    }

    /** Lines holding any of the needles, at most {@code max} per needle (to report, not to flood). */
    static Map<String, List<String>> find(String text, List<String> needles, int max) {
        Map<String, List<String>> found = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            for (String needle : needles) {
                if (line.contains(needle)) {
                    List<String> lines = found.computeIfAbsent(needle, k -> new ArrayList<>());
                    if (lines.size() < max) {
                        lines.add(line.length() > 400 ? line.substring(0, 400) + "…" : line);
                    }
                }
            }
        }
        return found;
    }
}
