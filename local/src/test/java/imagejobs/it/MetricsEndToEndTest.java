package imagejobs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.Deadline;
import imagejobs.local.LocalStack;
import imagejobs.local.LocalStackConfig;
import imagejobs.local.TestPaths;
import imagejobs.local.resources.LocalKey;
import imagejobs.shared.json.Json;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The metrics the README's Operations section names, as the packaged worker and edit-trigger jars write them: EMF
 * lines on the functions' stdout, read back the way CloudWatch Logs reads them (namespace, dimension sets, metric
 * names and units, the values and dimension values beside them). A stack of its own, started with stdout captured:
 * a function's log stream is bound when its jar is first loaded, which on the shared stack may have happened long
 * before this test.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MetricsEndToEndTest {
    private static final LocalKey TENANT = new LocalKey("metrics", "ij_test_key_metrics");
    private static final String MODEL = "gemini-2.5-flash-image";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final List<List<String>> JOBS_FINISHED_DIMENSIONS = List.of(List.of("function"),
            List.of("function", "status"), List.of("function", "error_code"), List.of("function", "model"));

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    @Test
    void workerAndEditTriggerWriteTheDocumentedMetrics() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        PrintStream original = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (LocalStack stack = LocalStack.start(LocalStackConfig.builder(TestPaths.root())
                .keys(List.of(TENANT))
                .startGeminiSimulator(true)
                .functionEnvironment("RETRY_BASE_MILLIS", "20")
                .out(Boolean.getBoolean("imagejobs.verbose") ? original : new PrintStream(OutputStream.nullOutputStream()))
                .build())) {
            ServiceStack.Api api = new ServiceStack.Api(stack.apiUrl(), TENANT.key());
            String fox = api.submit(MODEL, "a red fox " + run);
            String blocked = api.submit(MODEL, "[sim:block=SAFETY] a fox " + run);
            assertEquals("success", api.awaitTerminal(fox, WAIT).path("status").asText());
            assertEquals("SAFETY_BLOCKED", api.awaitTerminal(blocked, WAIT).at("/error/code").asText());

            String bucket = stack.bucketName("ImagesBucket");
            byte[] png = png();
            stack.s3().putObject(r -> r.bucket(bucket).key("edits/" + TENANT.tenant() + "/" + run + "/cat.png")
                    .metadata(Map.of("prompt", "add a hat " + run)), RequestBody.fromBytes(png));
            stack.s3().putObject(r -> r.bucket(bucket).key("edits/nobody/" + run + "/cat.png")
                    .metadata(Map.of("prompt", "add a hat " + run)), RequestBody.fromBytes(png));
            // Both uploads counted, and the edit's job finished too (three jobs in all).
            Deadline.await(WAIT, "the edit trigger's metrics and three finished jobs", () ->
                    !lines("EditJobCreated").isEmpty() && !lines("EditUnknownTenant").isEmpty()
                            && lines("JobsFinished").size() == 3);
        } finally {
            System.setOut(original);
        }

        List<JsonNode> all = emfLines();
        assertFalse(all.isEmpty());
        for (JsonNode line : all) {
            JsonNode directive = line.at("/_aws/CloudWatchMetrics/0");
            assertEquals("imagejobs", directive.path("Namespace").asText(), line.toString());
            assertTrue(line.at("/_aws/Timestamp").isIntegralNumber(), line.toString());
            for (JsonNode metric : directive.path("Metrics")) {
                assertTrue(line.path(metric.path("Name").asText()).isNumber(), "value of " + metric + " in " + line);
            }
            for (JsonNode set : directive.path("Dimensions")) {
                for (JsonNode name : set) {
                    assertTrue(line.path(name.asText()).isTextual(), "dimension " + name + " in " + line);
                }
            }
        }

        // The worker: one line per finished job, by status, error code and model.
        Set<String> outcomes = new TreeSet<>();
        for (JsonNode line : lines("JobsFinished")) {
            assertEquals("WorkerFunction", line.path("function").asText());
            assertEquals(Map.of("JobsFinished", "Count", "Attempts", "Count", "QueuedToDone", "Milliseconds"),
                    units(line));
            assertEquals(JOBS_FINISHED_DIMENSIONS, dimensions(line));
            assertEquals(MODEL, line.path("model").asText());
            assertEquals(1, line.path("JobsFinished").asInt());
            assertEquals(1, line.path("Attempts").asInt());
            outcomes.add(line.path("status").asText() + "/" + line.path("error_code").asText());
        }
        assertEquals(Set.of("success/NONE", "failed/SAFETY_BLOCKED"), outcomes, "status/error_code of the jobs");

        List<JsonNode> queueWait = lines("QueueWait");
        assertEquals(3, queueWait.size(), "one QueueWait per job's first attempt");
        for (JsonNode line : queueWait) {
            assertEquals(Map.of("QueueWait", "Milliseconds"), units(line));
            assertEquals(List.of(List.of("function"), List.of("function", "model")), dimensions(line));
            assertEquals("WorkerFunction", line.path("function").asText());
            assertEquals(MODEL, line.path("model").asText());
        }
        List<JsonNode> latency = lines("GeminiLatency");
        assertEquals(3, latency.size(), "one GeminiLatency per Gemini answer");
        for (JsonNode line : latency) {
            assertEquals(Map.of("GeminiLatency", "Milliseconds"), units(line));
            assertEquals(List.of(List.of("function"), List.of("function", "model")), dimensions(line));
            assertEquals(MODEL, line.path("model").asText());
        }

        // The edit trigger: a created job, and an upload for a tenant without a key.
        JsonNode created = lines("EditJobCreated").get(0);
        assertEquals(Map.of("EditJobCreated", "Count"), units(created));
        assertEquals(List.of(List.of("function")), dimensions(created));
        assertEquals("EditTriggerFunction", created.path("function").asText());
        assertEquals(1, created.path("EditJobCreated").asInt());
        JsonNode unknown = lines("EditUnknownTenant").get(0);
        assertEquals(Map.of("EditUnknownTenant", "Count"), units(unknown));
        assertEquals(List.of(List.of("function")), dimensions(unknown));
        assertEquals("nobody", unknown.path("tenant").asText());
        assertEquals("edits/nobody/" + run + "/cat.png", unknown.path("source_key").asText());
    }

    /** Every EMF line captured so far (a JSON object with an {@code _aws} member). */
    private List<JsonNode> emfLines() {
        List<JsonNode> found = new ArrayList<>();
        for (String line : captured.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("{") && line.contains("\"_aws\"")) {
                found.add(Json.parse(line));
            }
        }
        return found;
    }

    /** The EMF lines that report {@code metric}. */
    private List<JsonNode> lines(String metric) {
        return emfLines().stream().filter(l -> units(l).containsKey(metric)).toList();
    }

    private static Map<String, String> units(JsonNode line) {
        Map<String, String> units = new LinkedHashMap<>();
        for (JsonNode metric : line.at("/_aws/CloudWatchMetrics/0/Metrics")) {
            units.put(metric.path("Name").asText(), metric.path("Unit").asText());
        }
        return units;
    }

    private static List<List<String>> dimensions(JsonNode line) {
        List<List<String>> sets = new ArrayList<>();
        for (JsonNode set : line.at("/_aws/CloudWatchMetrics/0/Dimensions")) {
            List<String> names = new ArrayList<>();
            set.forEach(n -> names.add(n.asText()));
            sets.add(names);
        }
        return sets;
    }

    private static byte[] png() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB), "png", out);
        return out.toByteArray();
    }
}
