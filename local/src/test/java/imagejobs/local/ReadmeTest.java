package imagejobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

import imagejobs.shared.config.AwsClientConfig;
import imagejobs.shared.config.Settings;

/** The README is the one place configuration is documented: it must name every variable the code reads, and only those. */
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

    @Test
    void everySettingIsDocumentedWithItsDefault() throws Exception {
        Map<String, String> rows = documented();
        for (String name : settingsVariables().keySet()) {
            assertTrue(rows.containsKey(name), "README configuration table lacks " + name);
        }
        Map<String, Object> defaults = Map.of(
                "RETENTION_DAYS", Settings.DEFAULT_RETENTION_DAYS,
                "PRESIGN_TTL_SECONDS", Settings.DEFAULT_PRESIGN_TTL_SECONDS,
                "MAX_ATTEMPTS", Settings.DEFAULT_MAX_ATTEMPTS,
                "DEFAULT_MODEL", Settings.DEFAULT_MODEL_ID,
                "DEFAULT_RATE_PER_MINUTE", Settings.DEFAULT_RATE,
                "MAX_BODY_BYTES", Settings.DEFAULT_MAX_BODY_BYTES,
                "GEMINI_BASE_URL", Settings.DEFAULT_GEMINI_BASE_URL,
                "WORKER_TIMEOUT_SECONDS", Settings.DEFAULT_WORKER_TIMEOUT_SECONDS,
                "RETRY_BASE_MILLIS", Settings.DEFAULT_RETRY_BASE_MILLIS);
        defaults.forEach((name, value) -> assertEquals("`" + value + "`", rows.get(name), "README default of " + name));
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
}
