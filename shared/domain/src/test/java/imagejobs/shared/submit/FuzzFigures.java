package imagejobs.shared.submit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Time per case of a fuzz test, by class of input: printed (count, median, p99, max), never asserted, since a shared
 * two-core machine says nothing reliable about a bound; what a regression looks like is a max in seconds.
 */
final class FuzzFigures {
    private final String suite;
    private final Map<String, List<Long>> nanos = new LinkedHashMap<>();

    FuzzFigures(String suite) {
        this.suite = suite;
    }

    void add(String inputClass, long elapsedNanos) {
        nanos.computeIfAbsent(inputClass, k -> new ArrayList<>()).add(elapsedNanos);
    }

    int cases() {
        return nanos.values().stream().mapToInt(List::size).sum();
    }

    /** One line per class: {@code FUZZ | numbers | huge exponent: n=240 p50=0.09 ms p99=0.8 ms max=2.1 ms}. */
    void print() {
        nanos.forEach((inputClass, list) -> {
            List<Long> sorted = new ArrayList<>(list);
            sorted.sort(null);
            System.out.println(String.format(Locale.ROOT, "FUZZ | %s | %s: n=%d p50=%.2f ms p99=%.2f ms max=%.2f ms",
                    suite, inputClass, sorted.size(), ms(at(sorted, 0.50)), ms(at(sorted, 0.99)),
                    ms(sorted.get(sorted.size() - 1))));
        });
    }

    private static long at(List<Long> sorted, double quantile) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(quantile * sorted.size()) - 1));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
