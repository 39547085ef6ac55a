package imagejobs.lambda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import imagejobs.lambda.http.ApiRequest;
import imagejobs.lambda.http.ApiResponse;
import imagejobs.shared.auth.Credentials;
import imagejobs.shared.errors.Rejection;
import imagejobs.shared.json.Json;

/** {@code ?key=} (D10) and the choice of error shape by route family (D7). */
class HttpEventsTest {

    private static APIGatewayV2HTTPEvent event(String path, String rawQuery, Map<String, String> parameters,
                                               Map<String, String> headers) {
        APIGatewayV2HTTPEvent event = new APIGatewayV2HTTPEvent();
        event.setRawPath(path);
        event.setRawQueryString(rawQuery);
        event.setQueryStringParameters(parameters == null ? null : new HashMap<>(parameters));
        event.setHeaders(new HashMap<>(headers));
        return event;
    }

    @Test
    void aQueryKeyIsTakenOutOfTheEventBeforeAnythingSeesIt() {
        APIGatewayV2HTTPEvent event = event("/v1beta/models", "alt=json&key=ij%2Bsecret&pageSize=3",
                Map.of("alt", "json", "key", "ij+secret", "pageSize", "3"), Map.of());

        ApiRequest request = HttpEvents.toRequest(event);

        assertEquals(Optional.of("ij+secret"), request.header(Credentials.QUERY_KEY_HEADER));
        assertEquals("alt=json&pageSize=3", event.getRawQueryString());
        assertEquals(Map.of("alt", "json", "pageSize", "3"), event.getQueryStringParameters());
        assertEquals(Optional.empty(), request.query("key"));
    }

    @Test
    void onlyTheEdgeSetsTheQueryKeyHeader() {
        APIGatewayV2HTTPEvent event = event("/v1/requests", "", null,
                Map.of("X-Imagejobs-Query-Key", "forged"));
        assertEquals(Optional.empty(), HttpEvents.toRequest(event).header(Credentials.QUERY_KEY_HEADER));

        APIGatewayV2HTTPEvent alone = event("/v1/requests", "key=only", Map.of("key", "only"), Map.of());
        HttpEvents.toRequest(alone);
        assertEquals("", alone.getRawQueryString());
        assertNull(alone.getQueryStringParameters());
    }

    @Test
    void theErrorShapeFollowsTheRouteFamily() {
        APIGatewayV2HTTPResponse google = HttpEvents.handle(event("/v1beta/models/x", "", null, Map.of()), null,
                request -> {
                    throw Rejection.notFound("no such model");
                }, path -> path.startsWith("/v1beta/"));
        assertEquals(404, google.getStatusCode());
        assertEquals(404, Json.parse(google.getBody()).at("/error/code").asInt());
        assertEquals("NOT_FOUND", Json.parse(google.getBody()).at("/error/status").asText());

        APIGatewayV2HTTPResponse ours = HttpEvents.handle(event("/v1/models/x", "", null, Map.of()), null,
                request -> {
                    throw Rejection.notFound("no such model");
                }, path -> path.startsWith("/v1beta/"));
        assertEquals(404, ours.getStatusCode());
        assertEquals("NOT_FOUND", Json.parse(ours.getBody()).at("/error/code").asText());

        APIGatewayV2HTTPResponse bug = HttpEvents.handle(event("/v1beta/models", "", null, Map.of()), null,
                request -> {
                    throw new IllegalStateException("secret detail");
                }, path -> true);
        assertEquals(500, bug.getStatusCode());
        assertEquals("INTERNAL", Json.parse(bug.getBody()).at("/error/status").asText());
        assertTrue(Json.parse(bug.getBody()).at("/error/code").isInt());
        assertFalse(bug.getBody().contains("secret detail"));

        ApiResponse ok = ApiResponse.json(200, Json.object());
        assertEquals(200, HttpEvents.handle(event("/v1beta/models", "", null, Map.of()), null, r -> ok,
                path -> true).getStatusCode());
    }
}
