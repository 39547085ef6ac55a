package imagejobs.local.console;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackSummaryTest {
    @TempDir
    Path dir;

    private boolean ignored(String sigIgn) throws Exception {
        Path status = Files.writeString(dir.resolve("status"), "Name:\tjava\nSigBlk:\t0000000000000000\nSigIgn:\t"
                + sigIgn + "\nSigCgt:\t0000000000000000\n");
        return StackSummary.sigintIgnored(status);
    }

    @Test
    void readsWhetherSigintIsIgnoredFromTheSignalMask() throws Exception {
        assertTrue(ignored("0000000000000002")); // SIGINT only: what a script's background job gets
        assertTrue(ignored("0000000000000006")); // SIGINT and SIGQUIT
        assertFalse(ignored("0000000000000000"));
        assertFalse(ignored("0000000000001000")); // SIGPIPE only: a JVM started normally
        assertFalse(StackSummary.sigintIgnored(dir.resolve("no-proc-here")));
    }

    @Test
    void theJqLinesWaitForTheJobWithABound() {
        String script = String.join("\n", StackSummary.jqWalkthrough("http://127.0.0.1:3000", "k"));
        assertTrue(script.contains("for i in $(seq 120)"), script);
        assertTrue(script.contains("queued|processing) sleep 0.5"), script);
        assertFalse(script.contains("sleep 2"), script);
    }
}
