package imagejobs.adapters.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.json.Json;
import imagejobs.shared.log.Metrics;
import imagejobs.shared.log.Metrics.Unit;
import imagejobs.shared.log.Metrics.Value;
import imagejobs.shared.log.StructuredLog;

/** The EMF lines CloudWatch Logs reads: captured from the log stream, parsed, checked as CloudWatch would. */
class EmfMetricsTest {
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    @BeforeEach
    void capture() {
        StructuredLog.redirect(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        StructuredLog.redirect(System.out);
    }

    private List<JsonNode> lines() {
        return captured.toString(StandardCharsets.UTF_8).lines().map(Json::parse).toList();
    }

    private JsonNode onlyLine() {
        List<JsonNode> lines = lines();
        assertEquals(1, lines.size(), lines.toString());
        return lines.get(0);
    }

    private static Map<String, String> units(JsonNode line) {
        Map<String, String> units = new LinkedHashMap<>();
        line.at("/_aws/CloudWatchMetrics/0/Metrics").forEach(m -> units.put(m.path("Name").asText(),
                m.path("Unit").asText()));
        return units;
    }

    @Test
    void aCountIsOneLineInTheNamespaceByFunctionWithItsProperties() {
        long before = System.currentTimeMillis();
        new EmfMetrics("EditTriggerFunction").count("EditUnknownTenant", "tenant", "nobody", "source_key",
                "edits/nobody/cat.png");
        long after = System.currentTimeMillis();

        JsonNode line = onlyLine();
        JsonNode directive = line.at("/_aws/CloudWatchMetrics/0");
        assertEquals("imagejobs", directive.path("Namespace").asText());
        assertEquals("[[\"function\"]]", directive.path("Dimensions").toString());
        assertEquals(Map.of("EditUnknownTenant", "Count"), units(line));
        assertEquals(1, line.path("EditUnknownTenant").asInt());
        assertEquals("EditTriggerFunction", line.path("function").asText());
        assertEquals("nobody", line.path("tenant").asText());
        assertEquals("edits/nobody/cat.png", line.path("source_key").asText());
        long timestamp = line.at("/_aws/Timestamp").asLong();
        assertTrue(timestamp >= before && timestamp <= after, "stamped when emitted: " + timestamp);
    }

    @Test
    void severalMetricsShareOneLineAndEachDimensionSetStartsWithTheFunction() {
        new EmfMetrics("WorkerFunction").emit(List.of(List.of("status"), List.of("error_code"), List.of("model")),
                Map.of("status", "failed", "error_code", "SAFETY_BLOCKED", "model", "gemini-2.5-flash-image"),
                new Value("JobsFinished", 1, Unit.COUNT), new Value("Attempts", 2, Unit.COUNT),
                new Value("QueuedToDone", 1500, Unit.MILLISECONDS));

        JsonNode line = onlyLine();
        assertEquals("[[\"function\"],[\"function\",\"status\"],[\"function\",\"error_code\"],[\"function\",\"model\"]]",
                line.at("/_aws/CloudWatchMetrics/0/Dimensions").toString());
        assertEquals(Map.of("JobsFinished", "Count", "Attempts", "Count", "QueuedToDone", "Milliseconds"), units(line));
        assertEquals(1, line.path("JobsFinished").asInt());
        assertEquals(2, line.path("Attempts").asInt());
        assertEquals(1500, line.path("QueuedToDone").asInt());
        assertEquals("WorkerFunction", line.path("function").asText());
        assertEquals("failed", line.path("status").asText());
        assertEquals("SAFETY_BLOCKED", line.path("error_code").asText());
        assertEquals("gemini-2.5-flash-image", line.path("model").asText());
    }

    @Test
    void withoutDimensionSetsAMetricIsKeptByFunctionOnly() {
        new EmfMetrics(null).emit(List.of(), Map.of(), new Value("QueueWait", 250, Unit.MILLISECONDS));

        JsonNode line = onlyLine();
        assertEquals("[[\"function\"]]", line.at("/_aws/CloudWatchMetrics/0/Dimensions").toString());
        assertEquals("unknown", line.path("function").asText());
        assertEquals(Map.of("QueueWait", "Milliseconds"), units(line));
    }

    @ParameterizedTest
    @CsvSource({"COUNT, Count", "MILLISECONDS, Milliseconds", "BYTES, Bytes"})
    void eachOfOurUnitsIsTheCloudWatchUnitOfTheSameName(Unit unit, String cloudWatch) {
        new EmfMetrics("f").emit(List.of(), Map.of(), new Value("M", 3, unit));

        assertEquals(Map.of("M", cloudWatch), units(onlyLine()));
    }

    /** The library's validation: a metric CloudWatch would reject is dropped with a warning, never thrown. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "model-\u00e9   | 1   | Dimension value has invalid characters",
            "' '          | 1   | Dimension value cannot be empty",
            "gemini       | NaN | Metric value is not a number"})
    void aMetricCloudWatchWouldRejectIsDroppedWithAWarning(String model, double value, String reason) {
        new EmfMetrics("WorkerFunction").emit(List.of(List.of("model")), Map.of("model", model),
                new Value("GeminiLatency", value, Unit.MILLISECONDS), new Value("Other", 1, Unit.COUNT));

        JsonNode line = onlyLine();
        assertTrue(line.path("_aws").isMissingNode(), "no EMF line: " + line);
        assertEquals("WARN", line.path("level").asText());
        assertEquals("metrics not emitted", line.path("message").asText());
        assertEquals("GeminiLatency,Other", line.path("metrics").asText());
        assertTrue(line.path("reason").asText().startsWith(reason), line.toString());
    }

    @Test
    void aDimensionASetNamesButNoValueGivesIsAWarningToo() {
        new EmfMetrics("WorkerFunction").emit(List.of(List.of("status")), Map.of(),
                new Value("JobsFinished", 1, Unit.COUNT));

        JsonNode line = onlyLine();
        assertEquals("metrics not emitted", line.path("message").asText());
        assertEquals("Dimension value cannot be empty", line.path("reason").asText());
    }

    @Test
    void theWarningQuotesOnlyAShortPrefixOfAnOffendingValue() {
        String model = "\u00e9".repeat(5000);
        new EmfMetrics("WorkerFunction").emit(List.of(List.of("model")), Map.of("model", model),
                new Value("GeminiLatency", 1, Unit.MILLISECONDS));

        String reason = onlyLine().path("reason").asText();
        assertTrue(reason.startsWith("Dimension value exceeds maximum length of 1024"), reason);
        assertTrue(reason.length() <= 121, reason.length() + " characters");
    }

    @Test
    void aMetricNameCloudWatchWouldRejectIsDroppedFromACountToo() {
        new EmfMetrics("EditTriggerFunction").count(" ");

        assertEquals("metrics not emitted", onlyLine().path("message").asText());
    }

    /** A context per call: lines written from several threads at once are whole and carry their own values. */
    @Test
    void concurrentCallsWriteWholeLinesEachWithItsOwnValues() throws Exception {
        EmfMetrics metrics = new EmfMetrics("WorkerFunction");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                String status = "s" + t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 100; i++) {
                        metrics.emit(List.of(List.of("status")), Map.of("status", status),
                                new Value("Attempts", status.charAt(1) - '0', Unit.COUNT));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }

        List<JsonNode> lines = lines();
        assertEquals(400, lines.size());
        for (JsonNode line : lines) {
            assertEquals("s" + line.path("Attempts").asInt(), line.path("status").asText(), line.toString());
            assertEquals(Map.of("Attempts", "Count"), units(line));
        }
    }

    @Test
    void theDomainsNoOpMetricsWriteNothing() {
        Metrics.NONE.emit(List.of(), Map.of(), new Value("QueueWait", 1, Unit.MILLISECONDS));
        Metrics.NONE.count("EditJobCreated");

        assertEquals("", captured.toString(StandardCharsets.UTF_8));
    }
}
