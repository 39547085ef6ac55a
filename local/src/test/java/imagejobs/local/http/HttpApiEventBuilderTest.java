package imagejobs.local.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.http.RouteTable.Route;
import imagejobs.shared.json.Json;

class HttpApiEventBuilderTest {
    private final HttpApiEventBuilder builder = new HttpApiEventBuilder("000000000000", "imagejobs0");
    private final Instant now = Instant.parse("2020-03-12T19:03:58.123Z");

    private JsonNode build(String method, String path, String query, List<Map.Entry<String, String>> headers,
                           byte[] body, Route route) {
        RouteTable table = new RouteTable(List.of(route));
        return builder.build(new HttpApiRequest(method, path, query, headers, body, "127.0.0.1", "HTTP/1.1",
                "127.0.0.1:3000"), table.match(method, path).orElseThrow(), "JKJaXmPLvHcESHA=", now, 3000);
    }

    /** Every field of the example AWS documents for payload format 2.0 is there, in the same places. */
    @Test
    void shapeMatchesTheDocumentedExample() throws IOException {
        JsonNode documented = Json.parse(resource("/events/http-api-v2-event.json"));
        JsonNode built = build("POST", "/my/path", "parameter1=value1&parameter1=value2&parameter2=value",
                List.of(Map.entry("Header1", "value1"), Map.entry("Header2", "value1"), Map.entry("Header2", "value2"),
                        Map.entry("Cookie", "cookie1; cookie2"), Map.entry("Content-Type", "text/plain")),
                "Hello from Lambda".getBytes(StandardCharsets.UTF_8), Route.of("POST", "/my/{path+}", "F"));

        Set<String> ignored = Set.of("stageVariables", "requestContext.authentication",
                "requestContext.authorizer");
        Set<String> missing = new TreeSet<>(paths(documented, ""));
        missing.removeAll(paths(built, ""));
        missing.removeIf(p -> ignored.stream().anyMatch(p::startsWith));
        assertEquals(Set.of(), missing, "fields of the documented event we do not produce");

        assertEquals("2.0", built.get("version").asText());
        assertEquals("POST /my/{path+}", built.get("routeKey").asText());
        assertEquals("parameter1=value1&parameter1=value2&parameter2=value", built.get("rawQueryString").asText());
        assertEquals(documented.get("cookies"), built.get("cookies"));
        assertEquals("value1,value2", built.get("headers").get("header2").asText());
        assertEquals(documented.get("queryStringParameters"), built.get("queryStringParameters"));
        assertEquals("Hello from Lambda", built.get("body").asText());
        assertFalse(built.get("isBase64Encoded").asBoolean());
        JsonNode context = built.get("requestContext");
        assertEquals("12/Mar/2020:19:03:58 +0000", context.get("time").asText());
        assertEquals(1584039838123L, context.get("timeEpoch").asLong());
        assertEquals("$default", context.get("stage").asText());
        assertEquals("JKJaXmPLvHcESHA=", context.get("requestId").asText());
        assertEquals("/my/path", context.get("http").get("path").asText());
        assertEquals("HTTP/1.1", context.get("http").get("protocol").asText());
        assertEquals("127.0.0.1:3000", context.get("domainName").asText());
        assertEquals("path", built.get("pathParameters").get("path").asText());
        assertEquals("3000", built.get("headers").get("x-forwarded-port").asText());
    }

    @Test
    void absentPartsAreAbsentAsInApiGateway() {
        JsonNode built = build("GET", "/v1/models", null, List.of(Map.entry("Host", "127.0.0.1:3000")), new byte[0],
                Route.of("GET", "/v1/models", "F"));
        assertEquals("", built.get("rawQueryString").asText());
        assertFalse(built.has("queryStringParameters"));
        assertFalse(built.has("pathParameters"));
        assertFalse(built.has("cookies"));
        assertFalse(built.has("body"));
        assertFalse(built.get("isBase64Encoded").asBoolean());
        assertEquals("", built.get("requestContext").get("http").get("userAgent").asText());
    }

    @Test
    void binaryBodiesAreBase64() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G'};
        JsonNode built = build("POST", "/up", "", List.of(Map.entry("Content-Type", "image/png")), png,
                Route.of("POST", "/up", "F"));
        assertTrue(built.get("isBase64Encoded").asBoolean());
        assertEquals("iVBORw==", built.get("body").asText());
    }

    @Test
    void textualContentTypes() {
        assertTrue(HttpApiEventBuilder.isTextual("application/json"));
        assertTrue(HttpApiEventBuilder.isTextual("application/json; charset=utf-8"));
        assertTrue(HttpApiEventBuilder.isTextual("text/csv"));
        assertTrue(HttpApiEventBuilder.isTextual("application/xml"));
        assertFalse(HttpApiEventBuilder.isTextual(null), "no content type is binary to API Gateway");
        assertFalse(HttpApiEventBuilder.isTextual("application/x-www-form-urlencoded"));
        assertFalse(HttpApiEventBuilder.isTextual("multipart/form-data; boundary=x"));
    }

    @Test
    void queryParametersDecodedAndJoined() {
        assertEquals(Map.of("a", "1,2", "b", "x y", "c", ""),
                HttpApiEventBuilder.queryParameters("a=1&b=x+y&a=2&c"));
    }

    private static List<String> paths(JsonNode node, String prefix) {
        List<String> out = new ArrayList<>();
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                String path = prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey();
                out.add(path);
                if (!f.getKey().equals("headers") && !f.getKey().equals("queryStringParameters")
                        && !f.getKey().equals("pathParameters")) {
                    out.addAll(paths(f.getValue(), path));
                }
            }
        }
        return out;
    }

    static String resource(String name) throws IOException {
        try (InputStream in = HttpApiEventBuilderTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
