package imagejobs.local.template;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves CloudFormation intrinsic functions (long form: {@code Ref}, {@code Fn::GetAtt}, {@code Fn::Sub},
 * {@code Fn::Join}, {@code Fn::Select}, {@code Fn::Split}, {@code Fn::If} and the condition functions,
 * {@code Fn::FindInMap}, {@code Fn::Base64}, {@code Fn::GetAZs}) against precomputed reference values: what a
 * {@code Ref} and a {@code GetAtt} of each name yields in the local stack. Anything else (ImportValue, Cidr, ...)
 * fails with a message naming the function, but only when a value the stack needs uses it.
 */
public final class IntrinsicResolver {
    /** Marks AWS::NoValue: the enclosing property or list element disappears. */
    private static final Object NO_VALUE = new Object();
    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^}]*)}");

    private final StackTemplate template;
    private final Map<String, Object> references;
    private final Map<String, Object> attributes;

    /**
     * @param references what {@code Ref name} yields: parameters, pseudo parameters, resources
     * @param attributes what {@code GetAtt LogicalId.Attribute} yields, keyed {@code "LogicalId.Attribute"}
     */
    public IntrinsicResolver(StackTemplate template, Map<String, Object> references, Map<String, Object> attributes) {
        this.template = template;
        this.references = Map.copyOf(references);
        this.attributes = Map.copyOf(attributes);
    }

    /** Resolves every intrinsic inside {@code value} (maps and lists deeply); AWS::NoValue entries are dropped. */
    public Object resolve(Object value) {
        Object resolved = resolveValue(value);
        return resolved == NO_VALUE ? null : resolved;
    }

    /** Resolves and renders as a string: numbers and booleans as CloudFormation would pass them on. */
    public String resolveString(Object value) {
        Object resolved = resolve(value);
        if (resolved == null) {
            return null;
        }
        if (resolved instanceof Map || resolved instanceof List) {
            throw new TemplateException("expected a string, got " + resolved);
        }
        return scalarText(resolved);
    }

    public Integer resolveInteger(Object value, Integer defaultValue) {
        String text = resolveString(value);
        if (text == null || text.isBlank()) {
            return defaultValue;
        }
        try {
            return Integer.valueOf(text.trim());
        } catch (NumberFormatException e) {
            throw new TemplateException("expected a number, got '" + text + "'");
        }
    }

    private Object resolveValue(Object value) {
        if (value instanceof Map<?, ?> map) {
            if (map.size() == 1) {
                String key = String.valueOf(map.keySet().iterator().next());
                if (key.equals("Ref") || key.startsWith("Fn::") || key.equals("Condition")) {
                    return intrinsic(key, map.values().iterator().next());
                }
            }
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                Object v = resolveValue(e.getValue());
                if (v != NO_VALUE) {
                    out.put(String.valueOf(e.getKey()), v);
                }
            }
            return out;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            for (Object item : list) {
                Object v = resolveValue(item);
                if (v != NO_VALUE) {
                    out.add(v);
                }
            }
            return out;
        }
        return value;
    }

    private Object intrinsic(String function, Object argument) {
        switch (function) {
            case "Ref":
                return ref(text(resolveValue(argument), "Ref"));
            case "Fn::GetAtt":
                return getAtt(argument);
            case "Fn::Sub":
                return sub(argument);
            case "Fn::Join": {
                List<?> args = list(argument, "Fn::Join", 2);
                String delimiter = text(resolveValue(args.get(0)), "Fn::Join delimiter");
                List<?> items = list(resolveValue(args.get(1)), "Fn::Join list", -1);
                return String.join(delimiter, items.stream().map(IntrinsicResolver::scalarText).toList());
            }
            case "Fn::Select": {
                List<?> args = list(argument, "Fn::Select", 2);
                int index = Integer.parseInt(text(resolveValue(args.get(0)), "Fn::Select index").trim());
                List<?> items = list(resolveValue(args.get(1)), "Fn::Select list", -1);
                if (index < 0 || index >= items.size()) {
                    throw new TemplateException("Fn::Select index " + index + " out of range for " + items);
                }
                return items.get(index);
            }
            case "Fn::Split": {
                List<?> args = list(argument, "Fn::Split", 2);
                String delimiter = text(resolveValue(args.get(0)), "Fn::Split delimiter");
                String source = text(resolveValue(args.get(1)), "Fn::Split source");
                return List.of(source.split(Pattern.quote(delimiter), -1));
            }
            case "Fn::If": {
                List<?> args = list(argument, "Fn::If", 3);
                boolean condition = condition(text(args.get(0), "Fn::If condition"));
                return resolveValue(condition ? args.get(1) : args.get(2));
            }
            case "Fn::Equals": {
                List<?> args = list(argument, "Fn::Equals", 2);
                return scalarText(resolveValue(args.get(0))).equals(scalarText(resolveValue(args.get(1))));
            }
            case "Fn::Not":
                return !bool(list(argument, "Fn::Not", 1).get(0));
            case "Fn::And":
                return list(argument, "Fn::And", -1).stream().allMatch(this::bool);
            case "Fn::Or":
                return list(argument, "Fn::Or", -1).stream().anyMatch(this::bool);
            case "Condition":
                return condition(text(argument, "Condition"));
            case "Fn::FindInMap": {
                List<?> args = list(argument, "Fn::FindInMap", 3);
                String map = text(resolveValue(args.get(0)), "Fn::FindInMap map");
                String first = text(resolveValue(args.get(1)), "Fn::FindInMap key");
                String second = text(resolveValue(args.get(2)), "Fn::FindInMap key");
                Object top = template.section("Mappings").get(map);
                Object level = top instanceof Map<?, ?> m ? m.get(first) : null;
                Object found = level instanceof Map<?, ?> m2 ? m2.get(second) : null;
                if (found == null) {
                    throw new TemplateException("Fn::FindInMap: no " + map + "." + first + "." + second);
                }
                return resolveValue(found);
            }
            case "Fn::Base64":
                return Base64.getEncoder().encodeToString(
                        text(resolveValue(argument), "Fn::Base64").getBytes(StandardCharsets.UTF_8));
            case "Fn::GetAZs": {
                String region = String.valueOf(references.getOrDefault("AWS::Region", "us-east-1"));
                return List.of(region + "a", region + "b", region + "c");
            }
            default:
                throw new TemplateException(function + " is not supported by the local stack");
        }
    }

    private Object ref(String name) {
        if (name.equals("AWS::NoValue")) {
            return NO_VALUE;
        }
        Object value = references.get(name);
        if (value == null) {
            throw new TemplateException("Ref " + name + ": no parameter, pseudo parameter or resource of that name");
        }
        return value;
    }

    private Object getAtt(Object argument) {
        List<?> parts;
        if (argument instanceof String s) {
            int dot = s.indexOf('.');
            parts = dot < 0 ? List.of(s) : List.of(s.substring(0, dot), s.substring(dot + 1));
        } else {
            parts = list(resolveValue(argument), "Fn::GetAtt", 2);
        }
        if (parts.size() != 2) {
            throw new TemplateException("Fn::GetAtt needs LogicalId.Attribute, got " + argument);
        }
        String key = scalarText(parts.get(0)) + "." + scalarText(parts.get(1));
        Object value = attributes.get(key);
        if (value == null) {
            throw new TemplateException("Fn::GetAtt " + key + " is not known to the local stack");
        }
        return value;
    }

    private String sub(Object argument) {
        String pattern;
        Map<String, Object> variables = new LinkedHashMap<>();
        if (argument instanceof List<?> args) {
            if (args.size() != 2) {
                throw new TemplateException("Fn::Sub list form needs [string, {variables}]");
            }
            pattern = text(args.get(0), "Fn::Sub");
            Object vars = resolveValue(args.get(1));
            StackTemplate.asMap(vars, "Fn::Sub variables").forEach(variables::put);
        } else {
            pattern = text(argument, "Fn::Sub");
        }
        Matcher m = SUB_VARIABLE.matcher(pattern);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1).trim();
            String replacement;
            if (name.startsWith("!")) {
                replacement = "${" + name.substring(1) + "}"; // ${!Literal} escapes a dollar-brace
            } else if (variables.containsKey(name)) {
                replacement = scalarText(variables.get(name));
            } else if (name.contains(".") && !name.startsWith("AWS::")) {
                replacement = scalarText(getAtt(name));
            } else {
                replacement = scalarText(ref(name));
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private boolean condition(String name) {
        Object definition = template.section("Conditions").get(name);
        if (definition == null) {
            throw new TemplateException("Condition " + name + " is not defined");
        }
        return bool(definition);
    }

    private boolean bool(Object value) {
        Object resolved = resolveValue(value);
        if (resolved instanceof Boolean b) {
            return b;
        }
        return Boolean.parseBoolean(scalarText(resolved));
    }

    private static List<?> list(Object value, String where, int size) {
        if (!(value instanceof List<?> list) || (size >= 0 && list.size() != size)) {
            throw new TemplateException(where + " expects a list" + (size >= 0 ? " of " + size : "") + ", got " + value);
        }
        return list;
    }

    private static String text(Object value, String where) {
        if (value instanceof Map || value instanceof List || value == null) {
            throw new TemplateException(where + " expects a string, got " + value);
        }
        return scalarText(value);
    }

    /** Numbers keep their integer form ("300", not "300.0"); everything else its plain string. */
    static String scalarText(Object value) {
        if (value instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) {
            return Long.toString(d.longValue());
        }
        return String.valueOf(value);
    }
}
