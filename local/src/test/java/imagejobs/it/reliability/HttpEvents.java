package imagejobs.it.reliability;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.LocalStack;
import imagejobs.local.http.HttpApiEventBuilder;
import imagejobs.local.http.HttpApiRequest;
import imagejobs.local.http.RouteTable;
import imagejobs.local.template.ResourceNames;
import imagejobs.shared.json.Json;

/**
 * Payload 2.0 events built exactly as the front door builds them (same builder, same route table), for invoking a
 * function in-process: thousands of fuzz inputs without the HTTP hop.
 */
final class HttpEvents {
    private final LocalStack stack;
    private final RouteTable routes;
    private final HttpApiEventBuilder builder;

    HttpEvents(LocalStack stack) {
        this.stack = stack;
        this.routes = RouteTable.from(stack.definition().functions());
        this.builder = new HttpApiEventBuilder(stack.context().accountId(), ResourceNames.LOCAL_API_ID);
    }

    /** A function's answer as API Gateway would pass it on; a function error is the 500 API Gateway answers. */
    record Answer(int status, String body, Map<String, String> headers, String functionError, String raw) {
        JsonNode json() {
            try {
                return Json.parse(body);
            } catch (RuntimeException e) {
                return null;
            }
        }
    }

    String event(String method, String rawPath, String rawQuery, Map<String, String> headers, String body) {
        return event(method, rawPath, rawQuery, headers, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    String event(String method, String rawPath, String rawQuery, Map<String, String> headers, byte[] body) {
        RouteTable.RouteMatch match = routes.match(method, rawPath).orElseThrow(() ->
                new IllegalArgumentException("no route for " + method + " " + rawPath));
        List<Map.Entry<String, String>> h = new ArrayList<>(headers.entrySet());
        HttpApiRequest request = new HttpApiRequest(method, rawPath, rawQuery, h, body, "127.0.0.1", "HTTP/1.1",
                "127.0.0.1");
        return Json.write(builder.build(request, match, HttpApiEventBuilder.newRequestId(), Instant.now(), 3000));
    }

    /** The function a route goes to, or empty when API Gateway would answer 404 itself. */
    Optional<String> function(String method, String rawPath) {
        return routes.match(method, rawPath).map(m -> m.route().functionLogicalId());
    }

    /** Routes and invokes in-process; empty when no route matches. */
    Optional<Answer> call(String method, String rawPath, String rawQuery, Map<String, String> headers, byte[] body) {
        Optional<String> function = function(method, rawPath);
        if (function.isEmpty()) {
            return Optional.empty();
        }
        String raw = stack.function(function.get()).invoke(event(method, rawPath, rawQuery, headers, body));
        return Optional.of(answer(raw));
    }

    static Answer answer(String raw) {
        JsonNode r = Json.parse(raw);
        if (r.has("errorMessage") || r.has("errorType")) {
            return new Answer(500, "{\"message\":\"Internal Server Error\"}", Map.of(), r.path("errorType").asText(),
                    raw);
        }
        Map<String, String> headers = new java.util.HashMap<>();
        r.path("headers").fields().forEachRemaining(e -> headers.put(e.getKey().toLowerCase(), e.getValue().asText()));
        String body = r.path("body").isNull() ? "" : r.path("body").asText("");
        if (r.path("isBase64Encoded").asBoolean(false)) {
            body = new String(java.util.Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
        }
        return new Answer(r.path("statusCode").asInt(), body, headers, null, raw);
    }
}
