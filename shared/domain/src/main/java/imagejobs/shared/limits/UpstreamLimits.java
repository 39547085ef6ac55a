package imagejobs.shared.limits;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import imagejobs.shared.config.ConfigurationException;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.validation.Utf16;

/**
 * The Gemini quota the service paces itself to, per upstream model, from {@value #GEMINI_LIMITS}:
 * {@code model:rpm[:concurrency]} entries separated by commas, {@code *} for every model not named, e.g.
 * {@code *:300,gemini-3-pro-image-preview:20:5}. Unset means no limit is known: the gate then learns one from
 * Gemini's 429s. A malformed value fails the cold start with a message naming the entry.
 *
 * <p>Also {@value #MAX_QUEUE_SECONDS}: how long a job may wait for the quota, from its submission, before it fails
 * with QUEUE_TIMEOUT.
 */
public final class UpstreamLimits {
    public static final String GEMINI_LIMITS = Settings.GEMINI_LIMITS;
    public static final String MAX_QUEUE_SECONDS = Settings.MAX_QUEUE_SECONDS;
    public static final String ANY_MODEL = "*";
    public static final Duration DEFAULT_MAX_QUEUE = Duration.ofHours(6);
    /** Shorter waits would fail jobs during an ordinary per-minute cool-down. */
    public static final Duration MIN_MAX_QUEUE = Duration.ofMinutes(1);
    /** A job that waited a week is of no use to anyone; jobs themselves are kept RETENTION_DAYS (30 by default). */
    public static final Duration MAX_MAX_QUEUE = Duration.ofDays(7);
    /** Far above any Gemini tier (tier 3 Flash image models are in the thousands), low enough to catch typos. */
    public static final int MAX_RPM = 1_000_000;
    public static final int MAX_CONCURRENCY = 100_000;
    /** How much of an entry a message quotes: enough to find it, never a whole pasted secret. */
    private static final int QUOTE = 40;

    private final Map<String, ModelLimit> byModel;
    private final ModelLimit fallback;

    private UpstreamLimits(Map<String, ModelLimit> byModel, ModelLimit fallback) {
        this.byModel = Map.copyOf(byModel);
        this.fallback = fallback;
    }

    /** No limit known for any model. */
    public static UpstreamLimits none() {
        return new UpstreamLimits(Map.of(), ModelLimit.UNLIMITED);
    }

    /** {@value #GEMINI_LIMITS} from the environment; unset or blank is {@link #none()}. */
    public static UpstreamLimits fromEnvironment(Environment env, Collection<String> knownModels) {
        return env.optional(GEMINI_LIMITS).map(v -> parse(v, knownModels)).orElseGet(UpstreamLimits::none);
    }

    /**
     * @param spec        the variable's value
     * @param knownModels the model ids an entry may name (the catalog's upstream ids); the gate is keyed by them
     */
    public static UpstreamLimits parse(String spec, Collection<String> knownModels) {
        if (spec == null || spec.isBlank()) {
            return none();
        }
        Set<String> known = new TreeSet<>(knownModels);
        Map<String, ModelLimit> byModel = new LinkedHashMap<>();
        ModelLimit fallback = null;
        String[] entries = spec.split(",", -1);
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].trim();
            String where = GEMINI_LIMITS + " entry " + (i + 1);
            if (entry.isEmpty()) {
                throw new ConfigurationException(where + " is empty; write model:rpm[:concurrency] entries separated"
                        + " by single commas, e.g. *:300,gemini-3-pro-image-preview:20:5");
            }
            String[] fields = entry.split(":", -1);
            if (fields.length < 2 || fields.length > 3) {
                throw new ConfigurationException(where + " ('" + quote(entry) + "') must be model:rpm or"
                        + " model:rpm:concurrency, e.g. gemini-3-pro-image-preview:20:5");
            }
            String model = fields[0].trim();
            if (model.isEmpty()) {
                throw new ConfigurationException(where + " ('" + quote(entry) + "') names no model; use * for every"
                        + " model not named elsewhere");
            }
            if (!model.equals(ANY_MODEL) && !known.contains(model)) {
                throw new ConfigurationException(where + " names an unknown model '" + quote(model) + "'; known: "
                        + String.join(", ", known) + " (or * for every model not named)");
            }
            int rpm = number(fields[1], where, model, "requests per minute", MAX_RPM);
            Integer concurrency = fields.length == 3
                    ? number(fields[2], where, model, "concurrency (calls in flight)", MAX_CONCURRENCY) : null;
            ModelLimit limit = new ModelLimit(rpm, concurrency);
            if (model.equals(ANY_MODEL)) {
                if (fallback != null) {
                    throw new ConfigurationException(where + " sets * a second time; name it once");
                }
                fallback = limit;
            } else if (byModel.putIfAbsent(model, limit) != null) {
                throw new ConfigurationException(where + " sets " + model + " a second time; name each model once");
            }
        }
        return new UpstreamLimits(byModel, fallback == null ? ModelLimit.UNLIMITED : fallback);
    }

    /** The limit of one upstream model: its own entry, else the {@code *} entry, else unlimited. */
    public ModelLimit forModel(String model) {
        return byModel.getOrDefault(model, fallback);
    }

    /** True when no entry limits anything (the variable was unset). */
    public boolean isEmpty() {
        return byModel.isEmpty() && fallback.unlimited();
    }

    /**
     * {@value #MAX_QUEUE_SECONDS} from the environment: whole seconds from 60 to 604800 (7 days); unset is 6 hours.
     */
    public static Duration maxQueue(Environment env) {
        return maxQueue(env.optional(MAX_QUEUE_SECONDS).orElse(null));
    }

    static Duration maxQueue(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_MAX_QUEUE;
        }
        long seconds;
        try {
            seconds = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new ConfigurationException(MAX_QUEUE_SECONDS + " must be a whole number of seconds, got '"
                    + quote(value.trim()) + "'");
        }
        if (seconds < MIN_MAX_QUEUE.toSeconds() || seconds > MAX_MAX_QUEUE.toSeconds()) {
            throw new ConfigurationException(MAX_QUEUE_SECONDS + " must be from " + MIN_MAX_QUEUE.toSeconds()
                    + " to " + MAX_MAX_QUEUE.toSeconds() + " seconds (7 days), got " + seconds);
        }
        return Duration.ofSeconds(seconds);
    }

    /** The canonical spelling, named models first: {@code gemini-3-pro-image-preview:20:5,*:300}. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        byModel.forEach((model, limit) -> out.append(out.isEmpty() ? "" : ",").append(model).append(':')
                .append(limit));
        if (!fallback.unlimited()) {
            out.append(out.isEmpty() ? "" : ",").append(ANY_MODEL).append(':').append(fallback);
        }
        return out.isEmpty() ? "none" : out.toString();
    }

    private static int number(String field, String where, String model, String what, int max) {
        String v = field.trim();
        if (!v.matches("[0-9]{1,10}")) {
            throw new ConfigurationException(where + ": " + what + " of " + quote(model)
                    + " must be a whole number from 1 to " + max + ", got '" + quote(v) + "'");
        }
        long n = Long.parseLong(v);
        if (n < 1 || n > max) {
            throw new ConfigurationException(where + ": " + what + " of " + quote(model)
                    + " must be from 1 to " + max + ", got " + n);
        }
        return (int) n;
    }

    private static String quote(String value) {
        return Utf16.prefix(value, QUOTE);
    }
}
