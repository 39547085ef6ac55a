package imagejobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import imagejobs.adapters.aws.AwsClientConfig;
import imagejobs.local.emulators.DataDirectory;
import imagejobs.local.emulators.EmulatorPorts;
import imagejobs.local.template.FunctionDefinition;
import imagejobs.local.template.ResourceNames;
import imagejobs.local.template.StackContext;
import imagejobs.local.template.StackDefinitionReader;
import imagejobs.local.template.StackTemplate;
import imagejobs.local.template.TemplateReader;
import imagejobs.shared.config.Settings;

/**
 * The README is the one place configuration is documented: it must name every variable the code reads, and only those,
 * with the defaults the code and the template have. Its commands must work as written: they use the port variables,
 * export the region the AWS CLI v1 reads, and name event files that exist (the walkthrough itself runs against a stack
 * in imagejobs.it.ReadmeWalkthroughEndToEndTest).
 */
class ReadmeTest {
    private static final Pattern ROW_VARIABLES = Pattern.compile("^\\| (`[A-Z][A-Za-z0-9_<>]*`(?:, `[A-Z][A-Za-z0-9_<>]*`)*) \\|"
            + "\\s*([^|]*?)\\s*\\|", Pattern.MULTILINE);
    private static final Pattern IMAGEJOBS_VARIABLE = Pattern.compile("IMAGEJOBS_[A-Z0-9_]*[A-Z0-9]");

    private static String readme() throws IOException {
        return Files.readString(TestPaths.root().resolve("README.md"));
    }

    /** Variable name → the default column, from every configuration table row. */
    private static Map<String, String> documented() throws IOException {
        Map<String, String> rows = new LinkedHashMap<>();
        Matcher m = ROW_VARIABLES.matcher(readme());
        while (m.find()) {
            for (String name : m.group(1).split(", ")) {
                rows.putIfAbsent(name.replace("`", ""), m.group(2).trim());
            }
        }
        return rows;
    }

    private static Map<String, String> settingsVariables() throws IllegalAccessException {
        Map<String, String> names = new LinkedHashMap<>();
        for (Field f : Settings.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class && f.get(null).equals(f.getName())) {
                names.put(f.getName(), f.getName());
            }
        }
        return names;
    }

    /** The code's default of each setting that has one (Settings' DEFAULT_ constants). */
    private static final Map<String, Object> CODE_DEFAULTS = Map.of(
            "RETENTION_DAYS", Settings.DEFAULT_RETENTION_DAYS,
            "PRESIGN_TTL_SECONDS", Settings.DEFAULT_PRESIGN_TTL_SECONDS,
            "MAX_ATTEMPTS", Settings.DEFAULT_MAX_ATTEMPTS,
            "DEFAULT_MODEL", Settings.DEFAULT_MODEL_ID,
            "DEFAULT_RATE_PER_MINUTE", Settings.DEFAULT_RATE,
            "MAX_BODY_BYTES", Settings.DEFAULT_MAX_BODY_BYTES,
            "GEMINI_BASE_URL", Settings.DEFAULT_GEMINI_BASE_URL,
            "WORKER_TIMEOUT_SECONDS", Settings.DEFAULT_WORKER_TIMEOUT_SECONDS,
            "RETRY_BASE_MILLIS", Settings.DEFAULT_RETRY_BASE_MILLIS);

    @Test
    void everySettingIsDocumentedWithItsDefault() throws Exception {
        Map<String, String> rows = documented();
        for (String name : settingsVariables().keySet()) {
            assertTrue(rows.containsKey(name), "README configuration table lacks " + name);
        }
        CODE_DEFAULTS.forEach((name, value) -> assertEquals("`" + value + "`", rows.get(name),
                "README default of " + name));
        Map.of("SDK_CONNECT_TIMEOUT_MILLIS", Settings.DEFAULT_SDK_CONNECT_TIMEOUT_MILLIS,
                "SDK_SOCKET_TIMEOUT_MILLIS", Settings.DEFAULT_SDK_SOCKET_TIMEOUT_MILLIS).forEach((name, value) ->
                assertEquals("`" + value + "`", rows.get(name), "README default of " + name));
        // The SDK timeouts' defaults differ per use: each appears in its row.
        for (var use : List.of(AwsClientConfig.SMALL_REQUESTS, AwsClientConfig.OBJECTS, AwsClientConfig.LARGE_OBJECTS)) {
            String call = rows.get("SDK_API_CALL_TIMEOUT_MILLIS");
            String attempt = rows.get("SDK_API_CALL_ATTEMPT_TIMEOUT_MILLIS");
            assertTrue(call.contains("`" + use.apiCall().toMillis() + "`"), "README default of the call timeout: " + call);
            assertTrue(attempt.contains("`" + use.attempt().toMillis() + "`"), "README attempt timeout: " + attempt);
        }
    }

    /**
     * What the template gives a function (a literal, or a parameter's Default) is the code's default too, so the one
     * default the README states is what runs both in AWS and where the variable is unset (MAX_BODY_BYTES once said
     * 20 MB in the code and README and 6 MB in the template).
     */
    @Test
    void theTemplateSetsTheDefaultsTheCodeAndReadmeState() {
        StackTemplate template = new TemplateReader().read(TestPaths.template());
        ResourceNames names = new ResourceNames(template, StackContext.local(Map.of()), "http://127.0.0.1:0");
        int checked = 0;
        for (FunctionDefinition function : new StackDefinitionReader(template, names).functions()) {
            for (Map.Entry<String, String> variable : function.environment().entrySet()) {
                Object code = CODE_DEFAULTS.get(variable.getKey());
                if (variable.getKey().equals("WORKER_TIMEOUT_SECONDS")
                        && variable.getValue().equals(String.valueOf(function.timeoutSeconds()))) {
                    // It mirrors the function's own Timeout (it sizes the job lease): the Google function's is 660 s.
                    continue;
                }
                if (code != null) {
                    assertEquals(String.valueOf(code), variable.getValue(), function.logicalId() + " gets "
                            + variable.getKey() + " from template.yaml; the code's default (and the README's) differs");
                    checked++;
                }
            }
        }
        assertTrue(checked >= 5, "template.yaml sets the defaulted settings: " + checked);
    }

    /** Blocks of {@code ```sh} in the README, in order. */
    private static List<String> shellBlocks(String markdown) {
        return Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL).matcher(markdown).results()
                .map(r -> r.group(1)).toList();
    }

    /** A shell line without its comment (a {@code #} at the start or after blanks). */
    private static String code(String line) {
        return line.trim().startsWith("#") ? "" : line.replaceAll("\\s+#.*$", "");
    }

    /**
     * Commands reach the local servers through their port variables with the real defaults, so they work however
     * the stack was started (the simulator's {@code __sim/requests} was once shown on a fixed 8090).
     */
    @Test
    void commandsUseThePortVariablesWithTheirDefaults() throws Exception {
        EmulatorPorts defaults = EmulatorPorts.defaults();
        Map<String, Integer> ports = Map.of(EmulatorPorts.API_PORT, defaults.api(), EmulatorPorts.S3_PORT,
                defaults.s3(), EmulatorPorts.DYNAMODB_PORT, defaults.dynamoDb(), EmulatorPorts.SQS_PORT, defaults.sqs(),
                EmulatorPorts.GEMINI_SIM_PORT, defaults.geminiSimulator());
        Pattern fixed = Pattern.compile("127\\.0\\.0\\.1:\\d+");
        Pattern variable = Pattern.compile("\\$\\{(IMAGEJOBS_[A-Z_]+_PORT):-(\\d+)}");
        int uses = 0;
        for (String block : shellBlocks(readme())) {
            for (String line : block.lines().map(ReadmeTest::code).toList()) {
                Matcher literal = fixed.matcher(line);
                assertFalse(literal.find(), "README command with a fixed port, use its IMAGEJOBS_*_PORT: " + line);
                Matcher m = variable.matcher(line);
                while (m.find()) {
                    assertEquals(ports.get(m.group(1)), Integer.valueOf(m.group(2)), "README: " + m.group());
                    uses++;
                }
            }
        }
        assertTrue(uses >= 5, "README commands use the port variables: " + uses);
    }

    /** The AWS CLI v1 reads only AWS_DEFAULT_REGION: every export of AWS_REGION sets it too, to the same region. */
    @Test
    void everyAwsRegionExportAlsoSetsAwsDefaultRegion() throws Exception {
        int exports = 0;
        for (String block : shellBlocks(readme())) {
            String joined = block.replace("\\\n", " ");
            for (String line : joined.lines().map(ReadmeTest::code).toList()) {
                Matcher region = Pattern.compile("\\bAWS_REGION=(\\S+)").matcher(line);
                if (line.trim().startsWith("export") && region.find()) {
                    assertTrue(line.contains("AWS_DEFAULT_REGION=" + region.group(1)), "README: " + line);
                    exports++;
                }
            }
        }
        assertTrue(exports >= 3, "README exports AWS variables in its AWS CLI examples: " + exports);
    }

    @Test
    void everyDocumentedFunctionVariableIsRead() throws Exception {
        Set<String> known = new TreeSet<>(settingsVariables().keySet());
        known.addAll(List.of("AWS_REGION", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_S3",
                "AWS_REQUEST_CHECKSUM_CALCULATION", "AWS_RESPONSE_CHECKSUM_VALIDATION"));
        // Per-client forms of a setting: SDK_API_CALL_TIMEOUT_MILLIS_<SERVICE>.
        new TreeSet<>(known).forEach(name -> known.add(name + "_<SERVICE>"));
        for (String name : documented().keySet()) {
            if (!name.startsWith("IMAGEJOBS_")) {
                assertTrue(known.contains(name), "README documents " + name + ", which no code reads");
            }
        }
    }

    @Test
    void everyLocalStackVariableIsDocumented() throws Exception {
        Set<String> used = new TreeSet<>();
        try (Stream<Path> files = Files.walk(TestPaths.root().resolve("local/src/main/java"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                IMAGEJOBS_VARIABLE.matcher(Files.readString(file)).results().forEach(r -> used.add(r.group()));
            }
        }
        IMAGEJOBS_VARIABLE.matcher(Files.readString(TestPaths.root().resolve("run-local")))
                .results().forEach(r -> used.add(r.group()));
        // Prefixes appear in code as IMAGEJOBS_FUNCTION_ENV_ and IMAGEJOBS_PARAMETER_ (the regex drops the "_").
        used.remove("IMAGEJOBS_FUNCTION_ENV");
        used.remove("IMAGEJOBS_PARAMETER");
        used.removeIf(v -> v.startsWith("IMAGEJOBS_PARAMETER_") || v.startsWith("IMAGEJOBS_FUNCTION_ENV_"));
        Set<String> rows = documented().keySet();
        for (String name : used) {
            assertTrue(rows.contains(name), "README local configuration table lacks " + name);
        }
        assertTrue(rows.contains("IMAGEJOBS_FUNCTION_ENV_<NAME>"));
        assertTrue(rows.contains("IMAGEJOBS_PARAMETER_<Name>"));
    }

    @Test
    void quickStartTestCommandIsWhatCiRuns() throws Exception {
        String readme = readme();
        Matcher quickStart = Pattern.compile("## Quick start.*?```sh\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(quickStart.find(), "README has a Quick start with a sh block");
        List<String> commands = quickStart.group(1).lines().map(l -> l.replaceAll("\\s+#.*$", "").trim())
                .filter(l -> !l.isEmpty()).toList();
        assertEquals(List.of("./run-local", "./mvnw -B verify"), commands);
        String ci = Files.readString(TestPaths.root().resolve(".ci/run"));
        assertTrue(ci.lines().anyMatch(l -> l.trim().equals(commands.get(1))), ".ci/run runs " + commands.get(1));
    }

    @Test
    void everyEventFileTheReadmeNamesExists() throws Exception {
        Matcher m = Pattern.compile("events/[a-z0-9-]+\\.json").matcher(readme());
        while (m.find()) {
            assertTrue(Files.isRegularFile(TestPaths.root().resolve(m.group())), m.group() + " exists");
        }
    }

    /** The local stack's section says what --data keeps where, as DataDirectory lays it out, and how to stop it. */
    @Test
    void stateAndStoppingAreDocumentedAsTheCodeDoesThem(@TempDir Path dir) throws Exception {
        String readme = readme();
        try (DataDirectory data = DataDirectory.open(dir)) {
            for (Path sub : List.of(data.dynamoDb(), data.sqs(), data.s3())) {
                assertTrue(readme.contains("`DIR/" + sub.getFileName() + "`"), "README names DIR/" + sub.getFileName());
            }
        }
        assertTrue(readme.contains("./run-local --data DIR"), "README offers ./run-local --data DIR");
        assertTrue(readme.contains("**lost when it\nstops**") || readme.contains("**lost when it stops**"),
                "README says plainly that state is lost without --data");
        assertTrue(readme.contains("kill -TERM <pid>") && readme.contains("ignores SIGINT"),
                "README says how to stop a ./run-local that ignores SIGINT");
    }

    /** The AWS CLI uploads without a checksum workaround (AwsCliUploadEndToEndTest): the README must not ask for one. */
    @Test
    void noChecksumWorkaroundForTheCli() throws Exception {
        String readme = readme();
        assertFalse(readme.contains("export AWS_REQUEST_CHECKSUM_CALCULATION"), "README still exports the workaround");
        assertFalse(readme.contains("S3Proxy does not take the CLI"), "README still says the CLI's checksums fail");
    }
}
