package imagejobs.local.cli;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.template.FunctionDefinition;

/** The kinds of event a function of the template can be triggered with, told apart by the event's own shape. */
enum EventKind {
    HTTP_API("an API Gateway HTTP API event (payload format 2.0)"),
    REST_API("an API Gateway REST API event (payload format 1.0)"),
    SQS("an SQS event"),
    S3("an S3 event"),
    OTHER("not an event any trigger of the template sends (HTTP API, SQS or S3)");

    private final String description;

    EventKind(String description) {
        this.description = description;
    }

    /** {@code an SQS event}, for messages. */
    String description() {
        return description;
    }

    static EventKind of(JsonNode event) {
        if (event == null || !event.isObject()) {
            return OTHER;
        }
        if ("2.0".equals(event.path("version").asText()) && event.has("routeKey")) {
            return HTTP_API;
        }
        if (event.has("httpMethod") && event.has("resource")) {
            return REST_API;
        }
        String source = event.path("Records").path(0).path("eventSource").asText();
        return switch (source) {
            case "aws:sqs" -> SQS;
            case "aws:s3" -> S3;
            default -> OTHER;
        };
    }

    /** What the template triggers {@code function} with; none for a function without triggers. */
    static java.util.Set<EventKind> expectedBy(FunctionDefinition function) {
        java.util.Set<EventKind> kinds = java.util.EnumSet.noneOf(EventKind.class);
        if (!function.routes().isEmpty()) {
            kinds.add(HTTP_API);
        }
        if (!function.sqsEventSources().isEmpty()) {
            kinds.add(SQS);
        }
        if (!function.s3EventSources().isEmpty()) {
            kinds.add(S3);
        }
        return kinds;
    }
}
