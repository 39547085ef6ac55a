package imagejobs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import imagejobs.local.LocalStack;
import imagejobs.local.LocalStackConfig;
import imagejobs.local.TestPaths;
import imagejobs.local.emulators.EmulatorPorts;

/**
 * The README's walkthrough, run as written: every {@code sh} block of "Walkthrough (curl)" up to the S3 edits, in one
 * bash session, against a stack started the way {@code ./run-local} starts it (default key, production retry
 * settings, the Gemini simulator) on ports of its own, which reach the commands only through the IMAGEJOBS_*_PORT
 * variables the README uses. The AWS CLI block runs with no region but what the README exports. Needs bash, curl, jq
 * and file (the AWS CLI block also aws); without them it is skipped, saying which is missing.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ReadmeWalkthroughEndToEndTest {
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @TempDir
    Path work;

    @Test
    void theWalkthroughRunsAsWritten() throws Exception {
        for (String tool : List.of("bash", "curl", "jq", "file")) {
            assumeTrue(onPath(tool), "the README walkthrough needs " + tool + ", which is not on PATH: skipped");
        }
        boolean aws = onPath("aws");
        List<String> blocks = walkthroughBlocks();
        List<String> run = new ArrayList<>();
        for (String block : blocks) {
            if (!block.contains("aws --endpoint-url") || aws) {
                run.add(block);
            }
        }
        if (!aws) {
            System.err.println("ReadmeWalkthroughEndToEndTest: no aws on PATH, the AWS CLI block is not run");
        }

        try (LocalStack stack = LocalStack.start(LocalStackConfig.fromEnvironment(TestPaths.root(), Map.of())
                .ports(EmulatorPorts.ephemeral())
                .out(Boolean.getBoolean("imagejobs.verbose") ? System.out
                        : new PrintStream(OutputStream.nullOutputStream()))
                .build())) {
            ProcessBuilder bash = new ProcessBuilder("bash", "-c", "set -euo pipefail\n" + String.join("\n", run))
                    .directory(work.toFile());
            Map<String, String> env = bash.environment();
            env.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("IMAGEJOBS_"));
            // No ~/.aws files to lean on: the region and credentials are what the README exports.
            env.put("AWS_CONFIG_FILE", work.resolve("no-aws-config").toString());
            env.put("AWS_SHARED_CREDENTIALS_FILE", work.resolve("no-aws-credentials").toString());
            env.put(EmulatorPorts.API_PORT, port(stack.apiUrl()));
            env.put(EmulatorPorts.S3_PORT, port(stack.s3Endpoint()));
            env.put(EmulatorPorts.DYNAMODB_PORT, port(stack.dynamoDbEndpoint()));
            env.put(EmulatorPorts.SQS_PORT, port(stack.sqsEndpoint()));
            env.put(EmulatorPorts.GEMINI_SIM_PORT, port(URI.create(stack.gemini().orElseThrow().baseUrl())));
            Path out = work.resolve("stdout.txt");
            Path err = work.resolve("stderr.txt");
            Process process = bash.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(240, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the walkthrough did not finish: " + Files.readString(out));
            }
            String printed = Files.readString(out);
            String context = printed + "\nstderr:\n" + Files.readString(err);
            assertEquals(0, process.exitValue(), context);

            // 2. the poll loop waited for the job; 3. the image was downloaded and is the PNG file says it is
            assertTrue(printed.contains("\"status\":\"success\""), context);
            byte[] fox = Files.readAllBytes(work.resolve("fox.png"));
            assertArrayEquals(PNG_MAGIC, Arrays.copyOf(fox, PNG_MAGIC.length), "fox.png is a PNG");
            assertTrue(printed.contains("fox.png: PNG image data, 1024 x 1024"), context);
            // more routes
            assertTrue(printed.contains("\"id\":\"gemini-3-pro-image-preview\""), "the model catalog: " + context);
            // Google's generateContent: answered synchronously with Gemini's response shape
            assertTrue(printed.contains("\"candidates\"") && printed.contains("\"responseId\"")
                    && printed.contains("\"finishReason\":\"STOP\""), "generateContent: " + context);
            // cancel: the waiting job is cancelled, the finished one cannot be
            assertTrue(printed.contains("\"status\":\"cancelled\""), context);
            assertTrue(printed.contains("NOT_CANCELLABLE"), context);
            // the simulator's request log on its own port
            assertTrue(printed.contains("a red fox [sim:status=429][sim:retry-after=30]"), context);
            if (aws) {
                assertTrue(printed.contains("outputs/dev/"), "aws s3 ls: " + context);
                assertTrue(printed.contains("\"Items\""), "aws dynamodb scan: " + context);
                assertTrue(printed.contains("ApproximateNumberOfMessages"), "aws sqs: " + context);
            }
        }
    }

    /** The sh blocks from "## Walkthrough (curl)" up to "### Edits by S3 upload" (which needs an image of your own). */
    private static List<String> walkthroughBlocks() throws Exception {
        String readme = Files.readString(TestPaths.root().resolve("README.md"));
        int start = readme.indexOf("## Walkthrough (curl)");
        int end = readme.indexOf("### Edits by S3 upload");
        assertTrue(start >= 0 && end > start, "README has the walkthrough and the edits sections");
        List<String> blocks = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL)
                .matcher(readme.substring(start, end)).results().map(r -> r.group(1)).toList();
        assertTrue(blocks.size() >= 4, "walkthrough blocks: " + blocks.size());
        return blocks;
    }

    private static String port(URI uri) {
        return Integer.toString(uri.getPort());
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        return path != null && Arrays.stream(path.split(File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }
}
