package imagejobs.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import imagejobs.local.template.FunctionDefinition;
import imagejobs.local.template.FunctionDefinition.RouteThrottle;
import imagejobs.local.template.ResourceNames;
import imagejobs.local.template.StackContext;
import imagejobs.local.template.StackDefinition;
import imagejobs.local.template.StackDefinitionReader;
import imagejobs.local.template.StackTemplate;
import imagejobs.local.template.TemplateReader;
import imagejobs.local.runtime.FunctionCode;
import imagejobs.local.runtime.LocalFunction;

/**
 * The front door honours the template's stage throttling the way API Gateway does: a token bucket per route
 * ({@code DefaultRouteSettings}, {@code RouteSettings} per route key on top), and API Gateway's own 429 when it is
 * empty.
 */
class RouteThrottlingTest {
    private static final String TEMPLATE = """
            Transform: AWS::Serverless-2016-10-31
            Parameters:
              Burst: {Type: Number, Default: 3}
            Resources:
              Api:
                Type: AWS::Serverless::HttpApi
                Properties:
                  DefaultRouteSettings: {ThrottlingBurstLimit: !Ref Burst, ThrottlingRateLimit: 0.001}
                  RouteSettings:
                    "GET /open": {ThrottlingBurstLimit: 1000, ThrottlingRateLimit: 1000}
              Unthrottled:
                Type: AWS::Serverless::HttpApi
              Plain:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: fixtures/plain.jar
                  Handler: imagejobs.local.fixtures.PlainResponseHandler::handleRequest
                  Events:
                    Limited: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: GET, Path: /limited}}
                    Other: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: GET, Path: /other}}
                    Open: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: GET, Path: /open}}
                    Free: {Type: HttpApi, Properties: {ApiId: !Ref Unthrottled, Method: GET, Path: /free}}
            """;

    private static StackDefinition stack(Map<String, String> parameters) {
        StackTemplate template = new TemplateReader().parse(TEMPLATE, Path.of("."));
        return new StackDefinitionReader(template, new ResourceNames(template, StackContext.local(parameters),
                "http://127.0.0.1:9324")).read();
    }

    @Test
    void routesTakeTheStageDefaultsWithRouteSettingsOnTop() {
        FunctionDefinition plain = stack(Map.of()).function("Plain").orElseThrow();
        Map<String, RouteThrottle> byPath = new java.util.TreeMap<>();
        plain.routes().forEach(r -> byPath.put(r.path(), r.throttle()));
        assertEquals(new RouteThrottle(0.001, 3), byPath.get("/limited"));
        assertEquals(new RouteThrottle(0.001, 3), byPath.get("/other"));
        assertEquals(new RouteThrottle(1000, 1000), byPath.get("/open"));
        assertNull(byPath.get("/free"), "an API without route settings is not throttled");
        assertEquals(new RouteThrottle(0.001, 7), stack(Map.of("Burst", "7")).function("Plain").orElseThrow().routes()
                .get(0).throttle(), "parameters resolve");
    }

    @Test
    void aBucketHoldsTheBurstAndRefillsAtTheRate() {
        AtomicLong nanos = new AtomicLong();
        RouteTable.Route route = RouteTable.Route.of("GET", "/x", "F").throttled(new RouteThrottle(2, 3));
        RouteThrottles throttles = new RouteThrottles(new RouteTable(List.of(route)), nanos::get);
        for (int i = 0; i < 3; i++) {
            assertTrue(throttles.tryAcquire(route), "burst token " + i);
        }
        assertFalse(throttles.tryAcquire(route));
        nanos.addAndGet(499_000_000L);
        assertFalse(throttles.tryAcquire(route), "0.998 of a token after 499 ms at 2/s");
        nanos.addAndGet(2_000_000L);
        assertTrue(throttles.tryAcquire(route));
        assertFalse(throttles.tryAcquire(route));
        nanos.addAndGet(60_000_000_000L);
        for (int i = 0; i < 3; i++) {
            assertTrue(throttles.tryAcquire(route), "refilled to the burst, not beyond: " + i);
        }
        assertFalse(throttles.tryAcquire(route));
        RouteTable.Route free = RouteTable.Route.of("GET", "/y", "F");
        RouteThrottles none = new RouteThrottles(new RouteTable(List.of(free)), nanos::get);
        for (int i = 0; i < 10_000; i++) {
            assertTrue(none.tryAcquire(free));
        }
    }

    @Test
    void theFrontDoorAnswers429PastARoutesBurstAndKeepsOtherRoutesApart() throws Exception {
        FunctionDefinition plain = stack(Map.of()).function("Plain").orElseThrow();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        try (LocalFunction function = new LocalFunction(plain,
                FunctionCode.classLoader(RouteThrottlingTest.class.getClassLoader()), Map::of, 2, "us-east-1",
                "000000000000", quiet);
             HttpApiFrontDoor door = HttpApiFrontDoor.start(0, RouteTable.from(List.of(plain)),
                     Map.of("Plain", function), new HttpApiEventBuilder("000000000000", "throttle0"), 2,
                     HttpApiFrontDoor.INTEGRATION_TIMEOUT, quiet, false)) {
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < 3; i++) {
                assertEquals(200, get(http, door.baseUrl(), "/limited").statusCode(), "burst request " + i);
            }
            HttpResponse<String> refused = get(http, door.baseUrl(), "/limited");
            assertEquals(429, refused.statusCode());
            assertEquals("{\"message\":\"Too Many Requests\"}", refused.body());
            assertEquals(200, get(http, door.baseUrl(), "/other").statusCode(), "each route has its own bucket");
            for (int i = 0; i < 20; i++) {
                assertEquals(200, get(http, door.baseUrl(), "/open").statusCode(), "RouteSettings raise /open");
                assertEquals(200, get(http, door.baseUrl(), "/free").statusCode(), "the unthrottled API");
            }
            assertEquals(404, get(http, door.baseUrl(), "/nowhere").statusCode(), "no route: 404, not 429");
        }
    }

    private static HttpResponse<String> get(HttpClient http, URI base, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
