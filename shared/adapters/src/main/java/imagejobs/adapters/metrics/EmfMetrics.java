package imagejobs.adapters.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

import com.fasterxml.jackson.core.JsonProcessingException;

import imagejobs.shared.log.Metrics;
import imagejobs.shared.log.StructuredLog;
import software.amazon.cloudwatchlogs.emf.exception.DimensionSetExceededException;
import software.amazon.cloudwatchlogs.emf.model.DimensionSet;
import software.amazon.cloudwatchlogs.emf.model.MetricsContext;

/**
 * {@link Metrics} as CloudWatch Embedded Metric Format lines, built and validated by aws-embedded-metrics (names,
 * units, dimension names and values, namespace) and written through {@link StructuredLog}'s stream, one JSON line per
 * call, which CloudWatch Logs turns into metrics in namespace {@value #NAMESPACE}. No API call, nothing to flush.
 *
 * <p>Only the library's model, validation and serializer are used, one {@link MetricsContext} per call, not its
 * {@code MetricsLogger}: that one discovers its environment on pool threads (an HTTP probe of the EC2 metadata
 * address included) and caches it in statics a SnapStart snapshot would keep, adds dimensions of its own, and stamps
 * a flush with the time its context was created (after a restore: the snapshot's).
 */
public final class EmfMetrics implements Metrics {
    public static final String NAMESPACE = "imagejobs";
    /** The dimension every metric carries: the Lambda function's name. */
    public static final String FUNCTION = "function";

    private static final StructuredLog LOG = StructuredLog.get(EmfMetrics.class);
    private static final int REASON_PREFIX = 120;

    private final String function;

    /** @param function the function's name ({@code AWS_LAMBDA_FUNCTION_NAME}); blank or null: {@code unknown} */
    public EmfMetrics(String function) {
        this.function = function == null || function.isBlank() ? "unknown" : function;
    }

    @Override
    public void emit(List<List<String>> dimensionSets, Map<String, String> dimensions, Value... values) {
        try {
            MetricsContext context = context();
            List<DimensionSet> sets = new ArrayList<>();
            sets.add(DimensionSet.of(FUNCTION, function));
            for (List<String> names : dimensionSets) {
                DimensionSet set = DimensionSet.of(FUNCTION, function);
                for (String name : names) {
                    set.addDimension(name, dimensions.get(name));
                }
                sets.add(set);
            }
            context.setDimensions(sets.toArray(DimensionSet[]::new));
            dimensions.forEach(context::putProperty);
            for (Value v : values) {
                context.putMetric(v.name(), v.value(), unit(v.unit()));
            }
            write(context);
        } catch (IllegalArgumentException | DimensionSetExceededException | JsonProcessingException e) {
            dropped(names(values), e);
        }
    }

    @Override
    public void count(String name, Object... properties) {
        try {
            MetricsContext context = context();
            context.setDimensions(DimensionSet.of(FUNCTION, function));
            context.putMetric(name, 1, unit(Unit.COUNT));
            for (int i = 0; i + 1 < properties.length; i += 2) {
                context.putProperty(String.valueOf(properties[i]), String.valueOf(properties[i + 1]));
            }
            write(context);
        } catch (IllegalArgumentException | DimensionSetExceededException | JsonProcessingException e) {
            dropped(name, e);
        }
    }

    /** A fresh context per call: its timestamp is taken now, and calls on several threads share nothing. */
    private static MetricsContext context() {
        MetricsContext context = new MetricsContext();
        context.setNamespace(NAMESPACE);
        return context;
    }

    /** One line, or several when a call carries more than 100 metrics (the format's limit per line). */
    private static void write(MetricsContext context) throws JsonProcessingException {
        context.serialize().forEach(StructuredLog::writeLine);
    }

    /** Ours to the library's ({@code Unit} alone here is ours: the port's member type hides the import). */
    static software.amazon.cloudwatchlogs.emf.model.Unit unit(Unit unit) {
        if (unit == null) {
            throw new IllegalArgumentException("Metric unit cannot be null");
        }
        return switch (unit) {
            case COUNT -> software.amazon.cloudwatchlogs.emf.model.Unit.COUNT;
            case NONE -> software.amazon.cloudwatchlogs.emf.model.Unit.NONE;
            case MILLISECONDS -> software.amazon.cloudwatchlogs.emf.model.Unit.MILLISECONDS;
            case BYTES -> software.amazon.cloudwatchlogs.emf.model.Unit.BYTES;
        };
    }

    private static String names(Value... values) {
        StringJoiner names = new StringJoiner(",");
        for (Value v : values) {
            names.add(String.valueOf(v.name()));
        }
        return names.toString();
    }

    /** The library's reason names the rule and quotes the offending value: a prefix is enough to find it. */
    private static void dropped(String metrics, Exception e) {
        String reason = String.valueOf(e.getMessage());
        LOG.warn("metrics not emitted", "metrics", metrics,
                "reason", reason.length() > REASON_PREFIX ? reason.substring(0, REASON_PREFIX) + "…" : reason);
    }
}
