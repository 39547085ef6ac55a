package imagejobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import imagejobs.local.emulators.EmulatorPorts;
import imagejobs.local.resources.LocalKey;

class LocalStackConfigTest {

    @Test
    void theCliReadsItsSettingsFromTheEnvironment() {
        LocalStackConfig config = LocalStackConfig.fromEnvironment(TestPaths.root(), Map.of(
                "IMAGEJOBS_API_PORT", "3100",
                "IMAGEJOBS_LOCAL_KEYS", "acme:ij_acme",
                "IMAGEJOBS_PARAMETER_WorkerMaxConcurrency", "2",
                "GEMINI_API_KEY", "real")).build();
        assertEquals(3100, config.ports().api());
        assertEquals(8000, config.ports().dynamoDb());
        assertEquals(List.of(new LocalKey("acme", "ij_acme")), config.keys());
        assertEquals(Map.of("WorkerMaxConcurrency", "2"), config.parameterOverrides());
        assertEquals("real", config.processEnvironment().get("GEMINI_API_KEY"));
        assertTrue(config.startGeminiSimulator(), "started unless a real key is set, decided at start");
        assertTrue(config.accessLog());
        assertEquals(TestPaths.root().resolve("template.yaml"), config.template());
        assertEquals(TestPaths.root().resolve("local/target/native"), config.nativeLibraryDir());
    }

    @Test
    void testsStartFromIsolatedDefaults() {
        LocalStackConfig config = LocalStackConfig.builder(TestPaths.root()).build();
        assertEquals(EmulatorPorts.ephemeral(), config.ports());
        assertEquals(List.of(LocalKey.DEV), config.keys());
        assertTrue(config.processEnvironment().isEmpty(), "the developer's own GEMINI_API_KEY never leaks into tests");
        assertFalse(config.startGeminiSimulator());
        assertTrue(config.startFunctions() && config.startSqsPollers() && config.startStreamPollers());
    }
}
