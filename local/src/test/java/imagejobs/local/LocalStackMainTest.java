package imagejobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

class LocalStackMainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return LocalStackMain.run(args, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void helpListsTheCommands() {
        assertEquals(0, run("help"));
        String usage = out.toString(StandardCharsets.UTF_8);
        assertTrue(usage.contains("run ") && usage.contains("invoke <LogicalId>"), usage);
        assertTrue(usage.contains("IMAGEJOBS_API_PORT"), usage);
    }

    @Test
    void unknownCommandsAndBadArgumentsAreUsageErrors() {
        assertEquals(2, run("frobnicate"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown command frobnicate"));
        assertEquals(2, run("invoke"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("invoke needs the function's logical id"));
        assertEquals(2, run("invoke", "SubmitFunction", "--event", "/no/such/event.json"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no event file /no/such/event.json"));
    }

    @Test
    void helpSaysHowStateIsKeptAndHowToStop() {
        assertEquals(0, run("help"));
        String usage = out.toString(StandardCharsets.UTF_8);
        assertTrue(usage.contains("run [--data DIR]"), usage);
        assertTrue(usage.contains("in memory and lost when the"), usage);
        assertTrue(usage.contains("SIGTERM (kill -TERM <pid>"), usage);
        assertTrue(usage.contains("ignores Ctrl-C/SIGINT"), usage);
    }

    @Test
    void dataNeedsADirectory() {
        assertEquals(2, run("--data"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--data needs a directory"));
        assertEquals(2, run("run", "--data", "a", "--data", "b"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--data given twice"));
        assertEquals(2, run("--verbose"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("run takes only --data DIR, got --verbose"));
    }
}
