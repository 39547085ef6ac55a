package imagejobs.local.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import imagejobs.local.template.FunctionDefinition;

/**
 * API Gateway HTTP API routing: {@code METHOD /path} routes whose segments are literals, {@code {name}} (exactly one
 * non-empty segment) or a final {@code {name+}} (one or more segments); {@code ANY} matches every method and
 * {@code $default} catches what nothing else does. The most specific match wins: compared segment by segment, a
 * literal beats a variable beats a greedy variable; then an explicit method beats ANY. Path variables are
 * percent-decoded ({@code +} stays a plus: this is a path, not a form).
 */
public final class RouteTable {
    public static final String DEFAULT_ROUTE = "$default";

    private final List<Route> routes;

    public RouteTable(List<Route> routes) {
        this.routes = List.copyOf(routes);
    }

    /** Every HttpApi event of every function. */
    public static RouteTable from(List<FunctionDefinition> functions) {
        List<Route> routes = new ArrayList<>();
        for (FunctionDefinition f : functions) {
            for (FunctionDefinition.HttpRoute r : f.routes()) {
                routes.add(Route.of(r.method(), r.path(), f.logicalId()).throttled(r.throttle()));
            }
        }
        return new RouteTable(routes);
    }

    public List<Route> routes() {
        return routes;
    }

    public Optional<RouteMatch> match(String method, String rawPath) {
        String upper = method.toUpperCase(Locale.ROOT);
        List<String> rawSegments = segments(rawPath);
        RouteMatch best = null;
        Route fallback = null;
        for (Route route : routes) {
            if (route.isDefault()) {
                fallback = route;
                continue;
            }
            if (!route.method().equals("ANY") && !route.method().equals(upper)) {
                continue;
            }
            Map<String, String> parameters = route.match(rawSegments);
            if (parameters != null) {
                RouteMatch candidate = new RouteMatch(route, parameters);
                if (best == null || SPECIFICITY.compare(candidate.route(), best.route()) > 0) {
                    best = candidate;
                }
            }
        }
        if (best == null && fallback != null) {
            best = new RouteMatch(fallback, Map.of());
        }
        return Optional.ofNullable(best);
    }

    private static final Comparator<Route> SPECIFICITY = (a, b) -> {
        int n = Math.max(a.segments().size(), b.segments().size());
        for (int i = 0; i < n; i++) {
            int ka = i < a.segments().size() ? a.segments().get(i).rank() : 0;
            int kb = i < b.segments().size() ? b.segments().get(i).rank() : 0;
            if (ka != kb) {
                return Integer.compare(ka, kb);
            }
        }
        return Boolean.compare(!a.method().equals("ANY"), !b.method().equals("ANY"));
    };

    static List<String> segments(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        if (p.isEmpty()) {
            return List.of();
        }
        return List.of(p.split("/", -1));
    }

    /** Percent-decoding of one path piece; malformed escapes stay as sent. */
    static String decodePath(String raw) {
        try {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return raw;
        }
    }

    /**
     * One route: {@code routeKey} is what API Gateway puts in the event ("POST /v1/requests" or "$default");
     * {@code throttle} its stage throttling, or null for none.
     */
    public record Route(String method, String path, String functionLogicalId, List<Segment> segments,
                        FunctionDefinition.RouteThrottle throttle) {

        public static Route of(String method, String path, String functionLogicalId) {
            List<Segment> segments = new ArrayList<>();
            if (!path.equals(DEFAULT_ROUTE)) {
                List<String> parts = RouteTable.segments(path);
                for (int i = 0; i < parts.size(); i++) {
                    String part = parts.get(i);
                    Segment s = Segment.parse(part);
                    if (s.kind() == SegmentKind.GREEDY && i != parts.size() - 1) {
                        throw new IllegalArgumentException("greedy variable must be the last segment: " + path);
                    }
                    segments.add(s);
                }
            }
            return new Route(method.toUpperCase(Locale.ROOT), path, functionLogicalId, List.copyOf(segments), null);
        }

        /** The same route with this throttling (null: none). */
        public Route throttled(FunctionDefinition.RouteThrottle limits) {
            return new Route(method, path, functionLogicalId, segments, limits);
        }

        public boolean isDefault() {
            return path.equals(DEFAULT_ROUTE);
        }

        public String routeKey() {
            return isDefault() ? DEFAULT_ROUTE : method + " " + path;
        }

        /** Path parameters if the raw segments match, else null. */
        Map<String, String> match(List<String> raw) {
            Map<String, String> parameters = new LinkedHashMap<>();
            for (int i = 0; i < segments.size(); i++) {
                Segment s = segments.get(i);
                if (s.kind() == SegmentKind.GREEDY) {
                    String rest = raw.size() <= i ? "" : String.join("/", raw.subList(i, raw.size()));
                    if (rest.isEmpty()) {
                        return null;
                    }
                    parameters.put(s.value(), decodePath(rest));
                    return parameters;
                }
                if (i >= raw.size()) {
                    return null;
                }
                String decoded = decodePath(raw.get(i));
                if (s.kind() == SegmentKind.LITERAL) {
                    if (!s.value().equals(decoded)) {
                        return null;
                    }
                } else {
                    if (decoded.isEmpty()) {
                        return null;
                    }
                    parameters.put(s.value(), decoded);
                }
            }
            return raw.size() == segments.size() ? parameters : null;
        }
    }

    public enum SegmentKind { LITERAL, VARIABLE, GREEDY }

    /** A literal segment, {@code {name}} or {@code {name+}}; value is the literal text or the variable name. */
    public record Segment(SegmentKind kind, String value) {
        static Segment parse(String part) {
            if (part.startsWith("{") && part.endsWith("+}")) {
                return new Segment(SegmentKind.GREEDY, part.substring(1, part.length() - 2));
            }
            if (part.startsWith("{") && part.endsWith("}")) {
                return new Segment(SegmentKind.VARIABLE, part.substring(1, part.length() - 1));
            }
            return new Segment(SegmentKind.LITERAL, part);
        }

        int rank() {
            return switch (kind) {
                case LITERAL -> 3;
                case VARIABLE -> 2;
                case GREEDY -> 1;
            };
        }
    }

    /** The route that won and the decoded path variables. */
    public record RouteMatch(Route route, Map<String, String> pathParameters) {
    }
}
