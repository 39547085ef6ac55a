package imagejobs.shared.log;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/**
 * CloudWatch metrics in the Embedded Metric Format: one JSON line on stdout per data point, which CloudWatch Logs
 * turns into a metric in namespace {@code imagejobs} with the function name as dimension. No API call, no SDK
 * module, nothing to flush.
 */
public final class Metrics {
    public static final String NAMESPACE = "imagejobs";

    private final String function;

    public Metrics(String function) {
        this.function = function == null || function.isBlank() ? "unknown" : function;
    }

    /** One metric value with its CloudWatch unit ({@code Count}, {@code Milliseconds}, {@code Bytes}). */
    public record Value(String name, double value, String unit) {
    }

    /**
     * One EMF line with several metrics. Each dimension set is prefixed with {@code function}; every dimension
     * named in a set must be in {@code dimensions}.
     */
    public void emit(java.util.List<java.util.List<String>> dimensionSets, java.util.Map<String, String> dimensions,
                     Value... values) {
        ObjectNode line = Json.object();
        ObjectNode aws = line.putObject("_aws");
        aws.put("Timestamp", System.currentTimeMillis());
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", NAMESPACE);
        var sets = directive.putArray("Dimensions");
        sets.addArray().add("function");
        for (java.util.List<String> set : dimensionSets) {
            var array = sets.addArray().add("function");
            set.forEach(array::add);
        }
        var metrics = directive.putArray("Metrics");
        line.put("function", function);
        dimensions.forEach(line::put);
        for (Value v : values) {
            metrics.addObject().put("Name", v.name()).put("Unit", v.unit());
            line.put(v.name(), v.value());
        }
        StructuredLog.emit(line);
    }

    /** Counts one occurrence of {@code name}, with extra string properties for the log search. */
    public void count(String name, Object... properties) {
        ObjectNode line = Json.object();
        ObjectNode aws = line.putObject("_aws");
        aws.put("Timestamp", System.currentTimeMillis());
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", NAMESPACE);
        directive.putArray("Dimensions").addArray().add("function");
        directive.putArray("Metrics").addObject().put("Name", name).put("Unit", "Count");
        line.put("function", function);
        line.put(name, 1);
        for (int i = 0; i + 1 < properties.length; i += 2) {
            line.put(String.valueOf(properties[i]), String.valueOf(properties[i + 1]));
        }
        StructuredLog.emit(line);
    }
}
