package imagejobs.local.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.TestPaths;
import imagejobs.shared.json.Json;

/**
 * template.yaml through the tools AWS itself would run it through: cfn-lint (CloudFormation's linter, which also
 * applies the SAM transform) and the SAM translator that turns it into the CloudFormation `sam deploy` submits. Both
 * are Python packages; where python3 lacks them (pip install cfn-lint, which brings aws-sam-translator) these tests
 * are skipped with a message saying so.
 */
class TemplateLintTest {
    /** A bound on a hung tool, not a timing assertion: cfn-lint takes seconds. */
    private static final long TOOL_LIMIT_SECONDS = 300;

    private static boolean cfnLint;
    private static boolean samTranslator;

    @BeforeAll
    static void findTools() throws Exception {
        cfnLint = run("-c", "import cfnlint.runner").exitCode() == 0;
        samTranslator = run("-c", "import samtranslator.translator.transform").exitCode() == 0;
    }

    @Test
    void cfnLintFindsNothing() throws Exception {
        assumeTrue(cfnLint, "skipped: python3 with cfn-lint is not installed here (pip install cfn-lint)");
        // cfn-lint 1.x has no `python -m cfnlint`; this is what its console script runs.
        Result lint = run("-c", "import sys; from cfnlint.runner import main; sys.exit(main())",
                TestPaths.template().toString());
        assertEquals(0, lint.exitCode(), "cfn-lint template.yaml:\n" + lint.output());
    }

    @Test
    void theSamTransformSucceedsAndKeepsWhatTheTemplateAsksFor() throws Exception {
        assumeTrue(samTranslator, "skipped: python3 with the SAM translator (aws-sam-translator) is not installed here");
        Result transform = run(script().toString(), TestPaths.template().toString());
        assertEquals(0, transform.exitCode(), "SAM transform of template.yaml:\n" + transform.output());
        JsonNode resources = Json.parse(transform.stdout()).path("Resources");

        Map<String, Integer> types = new TreeMap<>();
        resources.forEach(r -> types.merge(r.path("Type").asText(), 1, Integer::sum));
        assertEquals(8, types.getOrDefault("AWS::Lambda::Function", 0), types.toString());
        // GoogleFunction's function URL (the long-call base), named as the SyncUrl output reads it.
        assertEquals(1, types.getOrDefault("AWS::Lambda::Url", 0), types.toString());
        assertEquals("AWS::Lambda::Url", resources.path("GoogleFunctionUrl").path("Type").asText());
        assertEquals("BUFFERED", resources.path("GoogleFunctionUrl").path("Properties").path("InvokeMode").asText());
        assertEquals(1, types.getOrDefault("AWS::ApiGatewayV2::Stage", 0), types.toString());

        // The stage carries the throttling (SAM passes DefaultRouteSettings to AWS::ApiGatewayV2::Stage).
        JsonNode stage = null;
        for (JsonNode r : resources) {
            if (r.path("Type").asText().equals("AWS::ApiGatewayV2::Stage")) {
                stage = r;
            }
        }
        JsonNode throttling = stage.path("Properties").path("DefaultRouteSettings");
        assertEquals("ApiThrottlingRateLimit", throttling.path("ThrottlingRateLimit").path("Ref").asText());
        assertEquals("ApiThrottlingBurstLimit", throttling.path("ThrottlingBurstLimit").path("Ref").asText());

        // Retain survives the transform, and the data resources still wait for the bucket-name check.
        for (String id : List.of("JobsTable", "KeysTable", "ImagesBucket")) {
            assertEquals("Retain", resources.path(id).path("DeletionPolicy").asText(), id);
            assertEquals("Retain", resources.path(id).path("UpdateReplacePolicy").asText(), id);
            assertTrue(resources.path(id).path("DependsOn").toString().contains("BucketNameCheck"), id);
        }
        // The status function's role reads exactly the cursor secret.
        assertTrue(resources.path("StatusFunctionRole").toString().contains("{\"Ref\":\"CursorSigningSecret\"}"),
                "the status role's policy names the cursor secret");
    }

    private static Path script() throws URISyntaxException {
        return Path.of(TemplateLintTest.class.getResource("/template/sam_transform.py").toURI());
    }

    private record Result(int exitCode, String stdout, String stderr) {
        String output() {
            return (stdout + "\n" + stderr).strip();
        }
    }

    private static Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("python3");
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(TestPaths.root().toFile());
        // The translator needs a region for ARNs; nothing here calls AWS.
        builder.environment().put("AWS_DEFAULT_REGION", "us-east-1");
        Path out = Files.createTempFile("template-tool", ".out");
        Path err = Files.createTempFile("template-tool", ".err");
        try {
            Process process;
            try {
                process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            } catch (IOException e) {
                return new Result(127, "", "python3 is not on the PATH: " + e.getMessage());
            }
            if (!process.waitFor(TOOL_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("python3 " + String.join(" ", args) + " did not finish in "
                        + TOOL_LIMIT_SECONDS + " s");
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
