package imagejobs.local.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.http.RouteTable;
import imagejobs.local.template.FunctionDefinition;
import imagejobs.shared.json.Json;

/**
 * Refuses an event the function would never receive from its triggers in the template (an SQS event for an HTTP
 * function, an HTTP request for a route another function serves) before anything starts, naming what the function
 * takes and the sample files in events/ that fit it.
 */
final class EventCheck {
    private final List<FunctionDefinition> functions;
    private final RouteTable routes;
    private final Path eventsDirectory;

    EventCheck(List<FunctionDefinition> functions, Path eventsDirectory) {
        this.functions = List.copyOf(functions);
        this.routes = RouteTable.from(functions);
        this.eventsDirectory = eventsDirectory;
    }

    FunctionDefinition function(String logicalId) {
        return functions.stream().filter(f -> f.logicalId().equals(logicalId)).findFirst()
                .orElseThrow(() -> new UsageException("no function " + logicalId + " in the template; functions: "
                        + functions.stream().map(FunctionDefinition::logicalId).collect(Collectors.joining(", "))));
    }

    /** Throws {@link UsageException} when {@code event} ({@code label} names it) is not for {@code function}. */
    void check(FunctionDefinition function, JsonNode event, String label) {
        Optional<String> problem = problem(function, event, label);
        if (problem.isPresent()) {
            throw new UsageException(problem.get() + samples(function));
        }
    }

    /** The invoke command's complaint when no event was given. */
    String missingEvent(FunctionDefinition function) {
        return "invoke " + function.logicalId() + " needs --event FILE: " + expected(function) + samples(function);
    }

    private Optional<String> problem(FunctionDefinition function, JsonNode event, String label) {
        Set<EventKind> expected = EventKind.expectedBy(function);
        if (expected.isEmpty()) {
            return Optional.empty(); // no trigger in the template: nothing to hold the event to
        }
        EventKind kind = EventKind.of(event);
        if (!expected.contains(kind)) {
            return Optional.of(function.logicalId() + " takes " + expected(function) + "; " + label + " is "
                    + kind.description());
        }
        if (kind != EventKind.HTTP_API) {
            return Optional.empty();
        }
        String method = event.path("requestContext").path("http").path("method").asText("");
        String path = event.path("rawPath").asText("");
        if (method.isEmpty() || path.isEmpty()) {
            return Optional.of(label + " lacks requestContext.http.method or rawPath, which every HTTP API event"
                    + " carries");
        }
        Optional<RouteTable.RouteMatch> match = routes.match(method, path);
        if (match.isEmpty()) {
            return Optional.of(label + " is " + method + " " + path + ", which no route of the template serves; "
                    + function.logicalId() + " serves " + routeKeys(function));
        }
        String owner = match.get().route().functionLogicalId();
        if (!owner.equals(function.logicalId())) {
            return Optional.of(label + " is " + method + " " + path + ", a request for " + owner + " (route "
                    + match.get().route().routeKey() + "), not for " + function.logicalId() + ": ./run-local invoke "
                    + owner + " --event " + label);
        }
        return Optional.empty();
    }

    /** {@code an API Gateway HTTP API event (payload format 2.0) for POST /v1/requests or ...}. */
    private String expected(FunctionDefinition function) {
        List<String> parts = new ArrayList<>();
        for (EventKind kind : EventKind.expectedBy(function)) {
            parts.add(switch (kind) {
                case HTTP_API -> kind.description() + " for " + routeKeys(function);
                case SQS -> kind.description() + " from " + function.sqsEventSources().stream()
                        .map(FunctionDefinition.SqsEventSource::queueLogicalId).collect(Collectors.joining(" or "));
                case S3 -> kind.description() + " from bucket " + function.s3EventSources().stream()
                        .map(s -> s.bucketName() + (s.prefix() == null || s.prefix().isEmpty() ? ""
                                : " (keys under " + s.prefix() + ")"))
                        .distinct().collect(Collectors.joining(" or "));
                default -> kind.description();
            });
        }
        return String.join(" or ", parts);
    }

    private static String routeKeys(FunctionDefinition function) {
        return function.routes().stream().map(r -> r.method() + " " + r.path()).collect(Collectors.joining(" or "));
    }

    /** {@code ; sample events for X: events/a.json, events/b.json}, or nothing when events/ has none for it. */
    private String samples(FunctionDefinition function) {
        List<String> fitting = new ArrayList<>();
        if (!Files.isDirectory(eventsDirectory)) {
            return "";
        }
        try (Stream<Path> files = Files.list(eventsDirectory)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                JsonNode event;
                try {
                    event = Json.parse(Files.readString(file));
                } catch (RuntimeException unreadable) {
                    continue;
                }
                if (problem(function, event, file.getFileName().toString()).isEmpty()) {
                    fitting.add("events/" + file.getFileName());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fitting.isEmpty() ? "" : "; sample events for " + function.logicalId() + ": "
                + String.join(", ", fitting);
    }
}
