package imagejobs.it.edits;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import imagejobs.local.LocalStack;
import imagejobs.local.runtime.FunctionCode;
import imagejobs.local.runtime.InvocationResult;
import imagejobs.local.runtime.LocalFunction;
import imagejobs.local.template.FunctionDefinition;

/**
 * The stack's EditTriggerFunction once more, from its own jar in a class loader of its own, whose log lines (and so
 * its metrics, which are log lines in the Embedded Metric Format) the test can read. A function's logger binds to
 * {@code System.out} when its class loader first loads it, so the first invocation runs with {@code System.out}
 * teed into a buffer here; the stack's own instances keep logging wherever they already do.
 */
final class LoggedEditTrigger implements AutoCloseable {
    private final LocalFunction function;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final PrintStream tee;
    private boolean started;

    LoggedEditTrigger(LocalStack stack) {
        LocalFunction shared = stack.function("EditTriggerFunction");
        FunctionDefinition definition = shared.definition();
        PrintStream original = System.out;
        this.tee = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (buffer) {
                    buffer.write(b, off, len);
                }
                original.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8);
        this.function = new LocalFunction(definition, FunctionCode.jar(definition.codeUri()), shared::environment, 1,
                stack.context().region(), stack.context().accountId(), new PrintStream(OutputStream.nullOutputStream()));
    }

    synchronized InvocationResult invoke(String event) {
        if (started) {
            return function.invokeWithResult(event);
        }
        PrintStream original = System.out;
        System.setOut(tee);
        try {
            return function.invokeWithResult(event);
        } finally {
            started = true;
            System.setOut(original);
        }
    }

    /** The log lines written so far that contain {@code needle}. */
    List<String> lines(String needle) {
        String text;
        synchronized (buffer) {
            text = buffer.toString(StandardCharsets.UTF_8);
        }
        return text.lines().filter(l -> l.contains(needle)).toList();
    }

    @Override
    public void close() {
        function.close();
    }
}
