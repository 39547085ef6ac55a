package imagejobs.it.submit;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.it.ServiceStack;
import imagejobs.local.Deadline;
import imagejobs.shared.json.Json;

/**
 * An HTTP client of an API front door that sends exactly the headers a test gives it (no key, a key as Bearer or
 * x-api-key, an Idempotency-Key), where {@link ServiceStack.Api} always sends one Bearer key.
 */
final class FrontDoor {

    private final URI base;

    FrontDoor(URI base) {
        this.base = base;
    }

    /** POST with a JSON body and the given header name/value pairs. */
    ServiceStack.Response post(String path, String json, String... headers) {
        HttpRequest.Builder b = request(path, headers).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        return ServiceStack.send(b);
    }

    ServiceStack.Response post(String path, JsonNode json, String... headers) {
        return post(path, Json.write(json), headers);
    }

    ServiceStack.Response get(String path, String... headers) {
        return ServiceStack.send(request(path, headers).GET());
    }

    /** Polls GET /v1/requests/{id} as {@code key} until the job shows a terminal status; returns that view. */
    JsonNode awaitTerminal(String requestId, String key, Duration limit) {
        JsonNode[] last = new JsonNode[1];
        Deadline.await(limit, "request " + requestId + " to finish", () -> {
            ServiceStack.Response r = get("/v1/requests/" + requestId, bearer(key));
            last[0] = r.body();
            return r.status() == 200 && ServiceStack.TERMINAL.contains(r.body().path("status").asText());
        });
        return last[0];
    }

    /** {@code Authorization: Bearer <key>} as a header pair for the varargs above. */
    static String[] bearer(String key) {
        return new String[] {"Authorization", "Bearer " + key};
    }

    static String[] headers(String... pairs) {
        return pairs;
    }

    /** Joins header pair arrays. */
    static String[] with(String[] first, String... more) {
        String[] all = new String[first.length + more.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    private HttpRequest.Builder request(String path, String... headers) {
        if (headers.length % 2 != 0) {
            throw new IllegalArgumentException("headers come in name/value pairs");
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b;
    }
}
