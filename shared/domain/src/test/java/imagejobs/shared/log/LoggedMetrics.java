package imagejobs.shared.log;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/**
 * Metrics written as plain JSON lines to the structured log ({@code {"function":..., "<name>": value, ...dimensions}}),
 * so a domain test that captures the log sees what was counted. The EMF format itself is the adapter's and is tested
 * there (imagejobs.adapters.metrics.EmfMetricsTest).
 */
public final class LoggedMetrics implements Metrics {
    private final String function;

    public LoggedMetrics(String function) {
        this.function = function;
    }

    @Override
    public void emit(List<List<String>> dimensionSets, Map<String, String> dimensions, Value... values) {
        ObjectNode line = Json.object().put("function", function);
        dimensions.forEach(line::put);
        for (Value v : values) {
            if (v.value() == Math.rint(v.value())) {
                line.put(v.name(), (long) v.value());
            } else {
                line.put(v.name(), v.value());
            }
        }
        StructuredLog.writeLine(Json.write(line));
    }

    @Override
    public void count(String name, Object... properties) {
        ObjectNode line = Json.object().put("function", function).put(name, 1);
        for (int i = 0; i + 1 < properties.length; i += 2) {
            line.put(String.valueOf(properties[i]), String.valueOf(properties[i + 1]));
        }
        StructuredLog.writeLine(Json.write(line));
    }
}
