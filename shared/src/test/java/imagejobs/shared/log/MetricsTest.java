package imagejobs.shared.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.json.Json;

class MetricsTest {

    @AfterEach
    void restore() {
        StructuredLog.redirect(System.out);
    }

    @Test
    void writesOneEmbeddedMetricFormatLineCloudWatchCanRead() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        StructuredLog.redirect(new PrintStream(captured, true, StandardCharsets.UTF_8));

        new Metrics("EditTriggerFunction").count("EditUnknownTenant", "tenant", "nobody");

        JsonNode line = Json.parse(captured.toString(StandardCharsets.UTF_8).strip());
        JsonNode directive = line.at("/_aws/CloudWatchMetrics/0");
        assertEquals("imagejobs", directive.path("Namespace").asText());
        assertEquals("[[\"function\"]]", directive.path("Dimensions").toString());
        assertEquals("EditUnknownTenant", directive.at("/Metrics/0/Name").asText());
        assertEquals("Count", directive.at("/Metrics/0/Unit").asText());
        assertEquals(1, line.path("EditUnknownTenant").asInt());
        assertEquals("EditTriggerFunction", line.path("function").asText());
        assertEquals("nobody", line.path("tenant").asText());
        assertEquals(true, line.at("/_aws/Timestamp").isNumber());
    }

    @Test
    void severalMetricsShareOneLineWithTheirDimensionSets() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        StructuredLog.redirect(new PrintStream(captured, true, StandardCharsets.UTF_8));

        new Metrics("WorkerFunction").emit(java.util.List.of(java.util.List.of("status")),
                java.util.Map.of("status", "success"), new Metrics.Value("JobsFinished", 1, "Count"),
                new Metrics.Value("QueuedToDone", 1500, "Milliseconds"));

        JsonNode line = Json.parse(captured.toString(StandardCharsets.UTF_8).strip());
        JsonNode directive = line.at("/_aws/CloudWatchMetrics/0");
        assertEquals("[[\"function\"],[\"function\",\"status\"]]", directive.path("Dimensions").toString());
        assertEquals("Milliseconds", directive.at("/Metrics/1/Unit").asText());
        assertEquals(1500, line.path("QueuedToDone").asInt());
        assertEquals("success", line.path("status").asText());
    }
}
