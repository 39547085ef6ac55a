package imagejobs.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import imagejobs.local.http.RouteTable.Route;
import imagejobs.local.http.RouteTable.RouteMatch;

class RouteTableTest {
    private final RouteTable table = new RouteTable(List.of(
            Route.of("POST", "/v1/requests", "Submit"),
            Route.of("GET", "/v1/requests", "List"),
            Route.of("GET", "/v1/requests/{request_id}", "Get"),
            Route.of("POST", "/v1/requests/{request_id}/cancel", "Cancel"),
            Route.of("POST", "/v1beta/models/{modelAction}", "Generate"),
            Route.of("GET", "/v1/models/{model}", "Model"),
            Route.of("GET", "/v1/models/featured", "Featured"),
            Route.of("ANY", "/v1/models/{model}", "AnyModel"),
            Route.of("ANY", "/files/{proxy+}", "Files"),
            Route.of("GET", "/files/{dir}/index", "Index")));

    private String target(String method, String path) {
        return table.match(method, path).map(m -> m.route().functionLogicalId()).orElse("404");
    }

    @Test
    void methodAndPathTogether() {
        assertEquals("Submit", target("POST", "/v1/requests"));
        assertEquals("List", target("GET", "/v1/requests"));
        assertEquals("404", target("DELETE", "/v1/requests"));
        assertEquals("Cancel", target("post", "/v1/requests/abc/cancel"));
    }

    @Test
    void mostSpecificRouteWins() {
        assertEquals("Featured", target("GET", "/v1/models/featured"), "literal beats variable");
        assertEquals("Model", target("GET", "/v1/models/gemini"), "explicit method beats ANY");
        assertEquals("AnyModel", target("DELETE", "/v1/models/gemini"));
        assertEquals("Index", target("GET", "/files/docs/index"), "variable beats greedy");
        assertEquals("Files", target("PUT", "/files/docs/index"));
    }

    @Test
    void pathParametersAreDecoded() {
        RouteMatch m = table.match("POST", "/v1beta/models/gemini-2.5-flash-image%3AgenerateContent").orElseThrow();
        assertEquals(Map.of("modelAction", "gemini-2.5-flash-image:generateContent"), m.pathParameters());
        assertEquals("POST /v1beta/models/{modelAction}", m.route().routeKey());
        assertEquals(Map.of("request_id", "a b+c"),
                table.match("GET", "/v1/requests/a%20b+c").orElseThrow().pathParameters());
        assertEquals(Map.of("proxy", "a/b c/d"),
                table.match("GET", "/files/a/b%20c/d").orElseThrow().pathParameters());
    }

    @Test
    void variablesNeedASegmentAndGreedyNeedsOne() {
        assertEquals("404", target("GET", "/v1/requests/"));
        assertEquals("404", target("GET", "/files"));
        assertEquals("404", target("GET", "/files/"));
        assertEquals("404", target("GET", "/v1/requests/a/b"));
        assertEquals("404", target("GET", "/"));
    }

    @Test
    void defaultRouteCatchesTheRest() {
        RouteTable withDefault = new RouteTable(List.of(Route.of("GET", "/a", "A"), Route.of("ANY", "$default", "D")));
        assertEquals("A", withDefault.match("GET", "/a").orElseThrow().route().functionLogicalId());
        RouteMatch fallback = withDefault.match("POST", "/anything/else").orElseThrow();
        assertEquals("D", fallback.route().functionLogicalId());
        assertEquals("$default", fallback.route().routeKey());
        assertTrue(fallback.pathParameters().isEmpty());
    }
}
