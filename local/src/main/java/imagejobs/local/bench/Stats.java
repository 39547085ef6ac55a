package imagejobs.local.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Medians and percentiles of measured values (nearest rank: a value that was really measured). */
public final class Stats {
    private Stats() {
    }

    public static double median(List<? extends Number> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = sorted(values);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** The p-th percentile (0 < p <= 100), nearest-rank. */
    public static double percentile(List<? extends Number> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = sorted(values);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    private static List<Double> sorted(List<? extends Number> values) {
        List<Double> sorted = new ArrayList<>(values.size());
        values.forEach(v -> sorted.add(v.doubleValue()));
        Collections.sort(sorted);
        return sorted;
    }

    public static String fmt(double value, int decimals) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%,." + decimals + "f", value);
    }

    public static String mb(double bytes) {
        return fmt(bytes / (1024.0 * 1024.0), 1);
    }

    public static String percent(double ratio) {
        return Double.isNaN(ratio) || Double.isInfinite(ratio) ? "n/a" : fmt(ratio * 100, 0) + "%";
    }
}
