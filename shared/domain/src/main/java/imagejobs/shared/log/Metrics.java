package imagejobs.shared.log;

import java.util.List;
import java.util.Map;

/**
 * CloudWatch metrics as the domain sees them: named values with a unit, under dimensions. How they reach CloudWatch
 * (Embedded Metric Format lines on stdout) is the adapter's business ({@code imagejobs.adapters.metrics}), so the
 * domain never depends on a metrics library. Emitting never throws: a metric the adapter cannot write is dropped
 * with a warning, never at the expense of the job that measured it.
 */
public interface Metrics {

    /** Discards every metric: for tests and tools that do not look at metrics. */
    Metrics NONE = new Metrics() {
        @Override
        public void emit(List<List<String>> dimensionSets, Map<String, String> dimensions, Value... values) {
        }

        @Override
        public void count(String name, Object... properties) {
        }
    };

    /** The CloudWatch units the service reports in. */
    enum Unit {
        COUNT, MILLISECONDS, BYTES,
        /** A plain number (a rate, a limit). */
        NONE
    }

    /** One metric value with its unit. */
    record Value(String name, double value, Unit unit) {
    }

    /**
     * One data point of each value, reported together. Each metric is kept per {@code function} alone and per
     * {@code function} plus each set of {@code dimensionSets}; every dimension named in a set must be in
     * {@code dimensions} (entries no set names go along as searchable properties).
     */
    void emit(List<List<String>> dimensionSets, Map<String, String> dimensions, Value... values);

    /**
     * Counts one occurrence of {@code name} per {@code function}, with extra properties (key, value, key, value…)
     * for the log search.
     */
    void count(String name, Object... properties);
}
