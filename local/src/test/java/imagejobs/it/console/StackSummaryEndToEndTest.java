package imagejobs.it.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import imagejobs.it.ServiceStack;
import imagejobs.local.LocalStack;
import imagejobs.local.console.StackSummary;

/** What ./run-local prints at start-up, checked against a running stack: the copy-paste lines must work as printed. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class StackSummaryEndToEndTest {
    private final LocalStack stack = ServiceStack.get();
    @TempDir
    Path work;

    private String banner() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new StackSummary(stack).print(new PrintStream(out, true, StandardCharsets.UTF_8), 1);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void namesTheRealPortsTheRegionForEveryCliAndThatStateIsEphemeral() {
        String banner = banner();
        int simulatorPort = stack.gemini().orElseThrow().port();
        assertTrue(banner.contains("http://127.0.0.1:" + simulatorPort + "/__sim/requests"), banner);
        assertTrue(banner.contains(" AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1"), banner);
        assertTrue(banner.contains("State: in memory only;") && banner.contains("./run-local --data DIR"), banner);
        assertTrue(banner.contains("kill -TERM " + ProcessHandle.current().pid()), banner);
    }

    /** The jq lines, run by bash as printed: they wait for the job and download its image. */
    @Test
    void theJqLinesRunAsPrinted() throws Exception {
        boolean tools = List.of("bash", "curl", "jq").stream().allMatch(StackSummaryEndToEndTest::installed);
        assumeTrue(tools, "bash, curl or jq is not installed: skipping the banner's jq lines");
        String key = ServiceStack.TENANT_A.key();
        List<String> printed = StackSummary.jqWalkthrough(stack.apiUrl().toString(), key);
        String banner = banner();
        for (String line : printed) {
            assertTrue(banner.contains("  " + line + "\n"), "the banner prints " + line);
        }
        Path script = Files.write(work.resolve("walkthrough.sh"), printed);
        Process bash = new ProcessBuilder("bash", script.toString()).directory(work.toFile()).redirectErrorStream(true)
                .start();
        String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(bash.waitFor(120, TimeUnit.SECONDS), "the lines finish: " + output);
        assertEquals(0, bash.exitValue(), output);
        assertEquals("success", output.strip(), "the loop waited until the job was done");
        byte[] fox = Files.readAllBytes(work.resolve("fox.png"));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(fox, 4));
    }

    private static boolean installed(String tool) {
        try {
            Process p = new ProcessBuilder("bash", "-c", "command -v " + tool).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
