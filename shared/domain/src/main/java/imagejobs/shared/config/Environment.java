package imagejobs.shared.config;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The environment a function runs in: Lambda's process environment in AWS, a map built from template.yaml
 * by the local stack and tests. Handlers never call System.getenv() anywhere but their no-argument
 * constructor, so the same wiring runs everywhere without local-only branches.
 */
public final class Environment {
    private final Map<String, String> values;

    public Environment(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    public static Environment system() {
        return new Environment(System.getenv());
    }

    public Map<String, String> asMap() {
        return values;
    }

    public Optional<String> optional(String name) {
        String v = values.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    public String required(String name) {
        return optional(name).orElseThrow(() -> new ConfigurationException(
                "environment variable " + name + " is required (see README, Configuration)"));
    }

    public String get(String name, String defaultValue) {
        return optional(name).orElse(defaultValue);
    }

    public int integer(String name, int defaultValue) {
        return optional(name).map(v -> parseInt(name, v)).orElse(defaultValue);
    }

    public boolean flag(String name, boolean defaultValue) {
        return optional(name).map(v -> v.equalsIgnoreCase("true") || v.equals("1")).orElse(defaultValue);
    }

    public Duration seconds(String name, Duration defaultValue) {
        return optional(name).map(v -> Duration.ofSeconds(parseInt(name, v))).orElse(defaultValue);
    }

    private static int parseInt(String name, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new ConfigurationException("environment variable " + name + " must be an integer, got '" + value + "'");
        }
    }
}
