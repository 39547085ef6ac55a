package imagejobs.local.gemini;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The quotas the simulator enforces per upstream model, as Gemini enforces a project's: requests per minute over a
 * sliding 60-second window ({@value #RPM_ENV}) and calls in flight ({@value #CONCURRENCY_ENV}). Each variable is a
 * list of {@code model:limit} entries, {@code *} for every model not named, e.g. {@code *:60,gemini-3-pro-image-preview:10}.
 * Unset: no limit, as before.
 */
public record SimQuotas(Map<String, Integer> rpm, Integer defaultRpm, Map<String, Integer> concurrency,
                        Integer defaultConcurrency) {
    public static final String RPM_ENV = "IMAGEJOBS_GEMINI_SIM_RPM";
    public static final String CONCURRENCY_ENV = "IMAGEJOBS_GEMINI_SIM_CONCURRENCY";
    public static final SimQuotas NONE = new SimQuotas(Map.of(), null, Map.of(), null);

    public SimQuotas {
        rpm = Map.copyOf(rpm);
        concurrency = Map.copyOf(concurrency);
    }

    /** From {@value #RPM_ENV} and {@value #CONCURRENCY_ENV}; a malformed value is refused naming the entry. */
    public static SimQuotas fromEnvironment(Map<String, String> env) {
        Map<String, Integer> rpm = new LinkedHashMap<>();
        Integer defaultRpm = parse(RPM_ENV, env.get(RPM_ENV), rpm);
        Map<String, Integer> concurrency = new LinkedHashMap<>();
        Integer defaultConcurrency = parse(CONCURRENCY_ENV, env.get(CONCURRENCY_ENV), concurrency);
        return new SimQuotas(rpm, defaultRpm, concurrency, defaultConcurrency);
    }

    /** The same limits written in code: {@code SimQuotas.of("*:60,gemini-3-pro-image-preview:10", "*:4")}. */
    public static SimQuotas of(String rpmSpec, String concurrencySpec) {
        Map<String, String> env = new LinkedHashMap<>();
        if (rpmSpec != null) {
            env.put(RPM_ENV, rpmSpec);
        }
        if (concurrencySpec != null) {
            env.put(CONCURRENCY_ENV, concurrencySpec);
        }
        return fromEnvironment(env);
    }

    public Integer rpmOf(String model) {
        return rpm.getOrDefault(model, defaultRpm);
    }

    public Integer concurrencyOf(String model) {
        return concurrency.getOrDefault(model, defaultConcurrency);
    }

    public boolean none() {
        return rpm.isEmpty() && concurrency.isEmpty() && defaultRpm == null && defaultConcurrency == null;
    }

    /** Every model named must be one the simulator serves (a catalog upstream id). */
    void check(Collection<String> upstreamModels) {
        Set<String> named = new TreeSet<>(rpm.keySet());
        named.addAll(concurrency.keySet());
        named.removeAll(upstreamModels);
        if (!named.isEmpty()) {
            throw new IllegalArgumentException(RPM_ENV + " / " + CONCURRENCY_ENV + " name models the simulator does"
                    + " not serve: " + String.join(", ", named) + "; it serves " + String.join(", ",
                    new TreeSet<>(upstreamModels)) + " (or * for all)");
        }
    }

    private static Integer parse(String variable, String spec, Map<String, Integer> into) {
        if (spec == null || spec.isBlank()) {
            return null;
        }
        Integer fallback = null;
        String[] entries = spec.split(",", -1);
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].trim();
            int colon = entry.lastIndexOf(':');
            String where = variable + " entry " + (i + 1) + " ('" + shorten(entry) + "')";
            if (colon <= 0) {
                throw new IllegalArgumentException(where + " must be model:limit, e.g. *:60 or"
                        + " gemini-3-pro-image-preview:10");
            }
            String model = entry.substring(0, colon).trim();
            String value = entry.substring(colon + 1).trim();
            if (!value.matches("[0-9]{1,7}") || Integer.parseInt(value) < 1) {
                throw new IllegalArgumentException(where + ": the limit must be a whole number from 1 to 9999999");
            }
            int limit = Integer.parseInt(value);
            if (model.equals("*")) {
                if (fallback != null) {
                    throw new IllegalArgumentException(where + " sets * a second time");
                }
                fallback = limit;
            } else if (into.putIfAbsent(model, limit) != null) {
                throw new IllegalArgumentException(where + " sets " + shorten(model) + " a second time");
            }
        }
        return fallback;
    }

    private static String shorten(String text) {
        return text.length() <= 60 ? text : text.substring(0, 60) + "…";
    }
}
