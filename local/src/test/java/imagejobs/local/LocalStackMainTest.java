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
}
