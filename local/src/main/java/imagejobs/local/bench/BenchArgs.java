package imagejobs.local.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import imagejobs.local.cli.UsageException;

/** {@code positional... --name value --name=value}, with the option names a benchmark accepts. */
public final class BenchArgs {
    private final List<String> positional = new ArrayList<>();
    private final Map<String, String> options = new LinkedHashMap<>();
    private final Set<String> flags = new java.util.HashSet<>();
    private boolean keep;

    public BenchArgs(List<String> args, Set<String> accepted) {
        this(args, accepted, Set.of());
    }

    /** {@code acceptedFlags}: options without a value (besides --keep), e.g. {@code write-class-lists}. */
    public BenchArgs(List<String> args, Set<String> accepted, Set<String> acceptedFlags) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--")) {
                positional.add(a);
                continue;
            }
            if (a.equals("--keep")) {
                keep = true;
                continue;
            }
            if (acceptedFlags.contains(a.substring(2))) {
                flags.add(a.substring(2));
                continue;
            }
            String name;
            String value;
            int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(2, eq);
                value = a.substring(eq + 1);
            } else if (i + 1 < args.size()) {
                name = a.substring(2);
                value = args.get(++i);
            } else {
                throw new UsageException(a + " needs a value");
            }
            if (!accepted.contains(name)) {
                throw new UsageException("unknown option --" + name + (accepted.isEmpty() ? ""
                        : "; options: --" + String.join(", --", accepted)));
            }
            options.put(name, value);
        }
    }

    /** {@code --keep}: keep the scratch folder (the children's and the stack's logs, the events) afterwards. */
    public boolean keep() {
        return keep;
    }

    public boolean flag(String name) {
        return flags.contains(name);
    }

    public List<String> positional() {
        return positional;
    }

    public int integer(String name, int fallback, int min) {
        String v = options.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min) {
                throw new UsageException("--" + name + " must be at least " + min);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " takes a number, got '" + v + "'");
        }
    }

    /** The option's text, trimmed, or the fallback when not given. */
    public String value(String name, String fallback) {
        String v = options.get(name);
        return v == null ? fallback : v.trim();
    }

    public boolean has(String name) {
        return options.containsKey(name);
    }

    public List<String> list(String name, List<String> fallback) {
        String v = options.get(name);
        if (v == null) {
            return fallback;
        }
        List<String> out = new ArrayList<>();
        for (String part : v.split(",")) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        return out;
    }
}
