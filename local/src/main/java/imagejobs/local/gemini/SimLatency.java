package imagejobs.local.gemini;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long the simulator takes to answer, per upstream model, as Gemini does (image calls take seconds, not
 * milliseconds: a benchmark of pacing against a quota measures another regime otherwise). {@value #ENV} is a list of
 * {@code [model:]MIN[-MAX]} entries in milliseconds, each call drawing uniformly from MIN..MAX, {@code *} (or no model)
 * for every model not named, e.g. {@code 5000-15000} or {@code *:2000-4000,gemini-3-pro-image-preview:20000-40000}.
 * Unset: answers at once, as before. A prompt's {@code [sim:delay=MS]} replaces the drawn latency for that call.
 */
public record SimLatency(Map<String, Range> byModel, Range fallback) {
    public static final String ENV = "IMAGEJOBS_GEMINI_SIM_LATENCY";
    public static final SimLatency NONE = new SimLatency(Map.of(), null);
    static final long MAX_MILLIS = 600_000;

    /** MIN..MAX milliseconds, both included. */
    public record Range(long min, long max) {
        public Range {
            if (min < 0 || max < min || max > MAX_MILLIS) {
                throw new IllegalArgumentException("latency range must be 0 <= MIN <= MAX <= " + MAX_MILLIS
                        + " ms, was " + min + "-" + max);
            }
        }
    }

    public SimLatency {
        byModel = Map.copyOf(byModel);
    }

    /** From {@value #ENV}; a malformed value is refused naming the entry. */
    public static SimLatency fromEnvironment(Map<String, String> env) {
        return parse(env.get(ENV));
    }

    public static SimLatency parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return NONE;
        }
        Map<String, Range> byModel = new LinkedHashMap<>();
        Range fallback = null;
        String[] entries = spec.split(",", -1);
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].trim();
            String where = ENV + " entry " + (i + 1) + " ('" + shorten(entry) + "')";
            int colon = entry.lastIndexOf(':');
            String model = colon < 0 ? "*" : entry.substring(0, colon).trim();
            String value = entry.substring(colon + 1).trim();
            if (!value.matches("[0-9]{1,6}(-[0-9]{1,6})?") || model.isEmpty()) {
                throw new IllegalArgumentException(where + " must be [model:]MIN[-MAX] in milliseconds, e.g."
                        + " 5000-15000 or gemini-3-pro-image-preview:20000-40000");
            }
            String[] bounds = value.split("-");
            Range range;
            try {
                range = new Range(Long.parseLong(bounds[0]), Long.parseLong(bounds[bounds.length - 1]));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage());
            }
            if (model.equals("*")) {
                if (fallback != null) {
                    throw new IllegalArgumentException(where + " sets * a second time");
                }
                fallback = range;
            } else if (byModel.putIfAbsent(model, range) != null) {
                throw new IllegalArgumentException(where + " sets " + shorten(model) + " a second time");
            }
        }
        return new SimLatency(byModel, fallback);
    }

    /** The time this call to {@code upstreamModel} takes, in milliseconds (0: answer at once). */
    public long draw(String upstreamModel) {
        Range range = byModel.getOrDefault(upstreamModel, fallback);
        if (range == null) {
            return 0;
        }
        return range.min() == range.max() ? range.min()
                : ThreadLocalRandom.current().nextLong(range.min(), range.max() + 1);
    }

    /** Every model named must be one the simulator serves (a catalog upstream id). */
    void check(Collection<String> upstreamModels) {
        Set<String> named = new TreeSet<>(byModel.keySet());
        named.removeAll(upstreamModels);
        if (!named.isEmpty()) {
            throw new IllegalArgumentException(ENV + " names models the simulator does not serve: "
                    + String.join(", ", named) + "; it serves " + String.join(", ", new TreeSet<>(upstreamModels))
                    + " (or * for all)");
        }
    }

    private static String shorten(String text) {
        return text.length() <= 60 ? text : text.substring(0, 60) + "…";
    }
}
