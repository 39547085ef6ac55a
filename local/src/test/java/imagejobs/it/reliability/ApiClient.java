package imagejobs.it.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.json.Json;

/** A small client of the front door, authenticated with one key (or none). */
final class ApiClient {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .executor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "reliability-http");
                t.setDaemon(true);
                return t;
            })).build();

    private final URI base;
    private final String key;

    ApiClient(URI base, String key) {
        this.base = base;
        this.key = key;
    }

    /**
     * An error's code: /v1's string {@code error.code}, or on Google's routes (whose {@code error.code} is the HTTP
     * status) the ErrorInfo reason, which is the same code; null when there is none.
     */
    static String errorCode(JsonNode json) {
        JsonNode code = json == null ? null : json.at("/error/code");
        if (code == null || code.isMissingNode() || code.isNull()) {
            return null;
        }
        if (code.isInt()) {
            JsonNode reason = json.at("/error/details").findValue("reason");
            return reason == null ? null : reason.asText();
        }
        return code.asText();
    }

    /**
     * The field an error names: /v1's {@code error.field}, or on Google's routes the first BadRequest field
     * violation's {@code field}; null when there is none.
     */
    static String errorField(JsonNode json) {
        if (json == null) {
            return null;
        }
        JsonNode field = json.at("/error/field");
        if (field.isTextual()) {
            return field.asText();
        }
        JsonNode violations = json.at("/error/details").findValue("fieldViolations");
        return violations == null || violations.isEmpty() ? null : violations.get(0).path("field").asText(null);
    }

    record Response(int status, String body, HttpResponse<String> raw) {
        JsonNode json() {
            try {
                return body.isEmpty() ? Json.object() : Json.parse(body);
            } catch (RuntimeException e) {
                return Json.object();
            }
        }

        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    Response get(String path) {
        return send("GET", path, Map.of(), null);
    }

    Response post(String path, String json) {
        return send("POST", path, Map.of("content-type", "application/json"), json == null ? null
                : json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Submits a simple-form job; returns the request id (asserting 202). */
    String submit(String model, String prompt, String imageSize) {
        var payload = Json.object().put("prompt", prompt);
        if (imageSize != null) {
            payload.put("image_size", imageSize);
        }
        Response r = post("/v1/requests", Json.write(Json.object().put("model", model).set("payload", payload)));
        if (r.status() != 202) {
            throw new AssertionError("submit answered " + r.status() + ": " + r.body());
        }
        return r.json().path("request_id").asText();
    }

    Response send(String method, String path, Map<String, String> headers, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        headers.forEach(b::header);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        try {
            HttpResponse<String> response = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body(), response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
