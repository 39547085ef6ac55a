package imagejobs.it;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The test JVM's standard output, passed through and also kept (the last {@link #KEPT_BYTES}), so a test can ask
 * whether anything the shared stack's functions logged contains a secret. Installed before the stack starts: each
 * function's log class takes {@code System.out} when its class loader loads it.
 */
public final class CapturedOutput extends OutputStream {
    static final int KEPT_BYTES = 16 * 1024 * 1024;
    private static CapturedOutput installed;

    private final PrintStream through;
    private final StringBuilder kept = new StringBuilder();

    private CapturedOutput(PrintStream through) {
        this.through = through;
    }

    /** Installs the capture once per JVM; later calls return the same one. */
    static synchronized CapturedOutput install() {
        if (installed == null) {
            installed = new CapturedOutput(System.out);
            System.setOut(new PrintStream(installed, true, StandardCharsets.UTF_8));
        }
        return installed;
    }

    /** True when anything written since the capture was installed (within the kept tail) contains {@code text}. */
    public synchronized boolean contains(String text) {
        return kept.indexOf(text) >= 0;
    }

    @Override
    public synchronized void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) {
        through.write(bytes, offset, length);
        kept.append(new String(bytes, offset, length, StandardCharsets.UTF_8));
        if (kept.length() > KEPT_BYTES) {
            kept.delete(0, kept.length() - KEPT_BYTES / 2);
        }
    }

    @Override
    public void flush() {
        through.flush();
    }
}
