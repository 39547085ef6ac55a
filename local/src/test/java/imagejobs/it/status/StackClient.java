package imagejobs.it.status;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.it.ServiceStack;
import imagejobs.local.Deadline;
import imagejobs.local.LocalStack;
import imagejobs.local.resources.LocalKey;

/**
 * {@link ServiceStack.Api} for a class's own second stack (ServiceStack's client only talks to the shared one): the
 * front door as a client with one API key sees it, answering {@link ServiceStack.Response}s.
 */
final class StackClient {

    private final URI base;
    private final String key;

    StackClient(LocalStack stack, LocalKey key) {
        this.base = stack.apiUrl();
        this.key = key.key();
    }

    ServiceStack.Response get(String path) {
        return ServiceStack.send(request(path).GET());
    }

    ServiceStack.Response post(String path, String json) {
        return ServiceStack.send(request(path).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** Submits a simple request-queue job and returns its request id (asserting 202 and queued). */
    String submit(String model, String prompt) {
        ServiceStack.Response r = post("/v1/requests", StatusFixtures.submitBody(model, prompt));
        if (r.status() != 202 || !"queued".equals(r.body().path("status").asText())) {
            throw new AssertionError("submit answered " + r.status() + ": " + r.raw().body());
        }
        return r.body().path("request_id").asText();
    }

    /** Polls GET /v1/requests/{id} until the job is terminal; returns the last view. */
    JsonNode awaitTerminal(String requestId, Duration limit) {
        JsonNode[] last = new JsonNode[1];
        Deadline.await(limit, "request " + requestId + " to finish", () -> {
            ServiceStack.Response r = get("/v1/requests/" + requestId);
            last[0] = r.body();
            return r.status() == 200 && ServiceStack.TERMINAL.contains(r.body().path("status").asText());
        });
        return last[0];
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + key);
    }
}
