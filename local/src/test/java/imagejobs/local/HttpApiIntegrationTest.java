package imagejobs.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.fixtures.HttpFixtureHandler;
import imagejobs.shared.json.Json;

/** The HTTP API front door against fixture handlers: what a client sees, and what the handler was given. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HttpApiIntegrationTest {
    private static LocalStack stack;
    private static HttpClient http;

    @BeforeAll
    static void start() {
        stack = LocalStack.start(FixtureStack.config()
                .startSqsPollers(false)
                .startGeminiSimulator(true)
                .functionEnvironment("EchoFunction", "FIXTURE_ONLY", "set by the test")
                .integrationTimeout(Duration.ofSeconds(3))
                .build());
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static HttpResponse<byte[]> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(30)).build(), BodyHandlers.ofByteArray());
    }

    private static HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create(stack.apiUrl() + pathAndQuery));
    }

    private static JsonNode json(HttpResponse<byte[]> response) {
        return Json.parse(new String(response.body(), StandardCharsets.UTF_8));
    }

    @Test
    void handlerReceivesThePayload2EventApiGatewayBuilds() throws Exception {
        HttpResponse<byte[]> response = send(request("/echo/a%20b/c%2Fd?x=1&x=2&y=%20z")
                .header("X-Multi", "a").header("X-Multi", "b")
                .header("Cookie", "c1=v1; c2=v2")
                .header("User-Agent", "fixture-agent"));
        assertEquals(200, response.statusCode());
        assertEquals("EchoFunction", response.headers().firstValue("x-function").orElseThrow());
        assertEquals("hello", response.headers().firstValue("x-greeting").orElseThrow());
        String requestId = response.headers().firstValue("apigw-requestid").orElseThrow();

        JsonNode event = json(response);
        assertEquals("2.0", event.get("version").asText());
        assertEquals("ANY /echo/{proxy+}", event.get("routeKey").asText());
        assertEquals("/echo/a%20b/c%2Fd", event.get("rawPath").asText());
        assertEquals("x=1&x=2&y=%20z", event.get("rawQueryString").asText());
        assertEquals("a b/c/d", event.get("pathParameters").get("proxy").asText());
        assertEquals("1,2", event.get("queryStringParameters").get("x").asText());
        assertEquals(" z", event.get("queryStringParameters").get("y").asText());
        assertEquals("a,b", event.get("headers").get("x-multi").asText());
        assertFalse(event.get("headers").has("cookie"), "cookies move out of the headers");
        assertEquals("c1=v1", event.get("cookies").get(0).asText());
        assertEquals("c2=v2", event.get("cookies").get(1).asText());
        JsonNode context = event.get("requestContext");
        assertEquals("GET", context.get("http").get("method").asText());
        assertEquals("fixture-agent", context.get("http").get("userAgent").asText());
        assertEquals("127.0.0.1", context.get("http").get("sourceIp").asText());
        assertEquals("$default", context.get("stage").asText());
        assertEquals(requestId, context.get("requestId").asText());
        assertEquals("000000000000", context.get("accountId").asText());
        assertFalse(event.get("isBase64Encoded").asBoolean());
    }

    @Test
    void binaryBodiesArriveBase64AndTextBodiesAsText() throws Exception {
        byte[] bytes = {0, 1, 2, (byte) 0xfe, (byte) 0xff};
        JsonNode binary = json(send(request("/echo/upload").header("content-type", "application/octet-stream")
                .POST(BodyPublishers.ofByteArray(bytes))));
        assertTrue(binary.get("isBase64Encoded").asBoolean());
        assertArrayEquals(bytes, Base64.getDecoder().decode(binary.get("body").asText()));
        assertEquals("ANY /echo/{proxy+}", binary.get("routeKey").asText());

        JsonNode text = json(send(request("/echo/upload").header("content-type", "application/json; charset=utf-8")
                .POST(BodyPublishers.ofString("{\"prompt\":\"a red fox\"}"))));
        assertFalse(text.get("isBase64Encoded").asBoolean());
        assertEquals("{\"prompt\":\"a red fox\"}", text.get("body").asText());
    }

    @Test
    void structuredResponsesMapToStatusHeadersCookiesAndDecodedBody() throws Exception {
        HttpResponse<byte[]> response = send(request("/echo/x/binary"));
        assertEquals(201, response.statusCode());
        assertArrayEquals(HttpFixtureHandler.BINARY, response.body());
        assertEquals("image/png", response.headers().firstValue("content-type").orElseThrow());
        assertEquals("yes", response.headers().firstValue("x-fixture").orElseThrow());
        assertEquals(List.of("one", "two"), response.headers().allValues("x-multi"));
        assertEquals(List.of("a=1; Path=/", "b=2"), response.headers().allValues("set-cookie"));
        assertNotNull(response.headers().firstValue("apigw-requestid").orElse(null));
    }

    @Test
    void theMostSpecificRouteWins() throws Exception {
        HttpResponse<byte[]> special = send(request("/items/special"));
        assertEquals(200, special.statusCode());
        assertEquals("application/json", special.headers().firstValue("content-type").orElseThrow());
        JsonNode plain = json(special);
        assertTrue(plain.get("plain").asBoolean(), "a bare object answer is the body of a 200");
        assertEquals("GET /items/special", plain.get("routeKey").asText());

        JsonNode item = json(send(request("/items/42")));
        assertEquals("GET /items/{id}", item.get("routeKey").asText());
        assertEquals("42", item.get("pathParameters").get("id").asText());
    }

    @Test
    void apiGatewayAnswersItself() throws Exception {
        HttpResponse<byte[]> missing = send(request("/nothing/here"));
        assertEquals(404, missing.statusCode());
        assertEquals("Not Found", json(missing).get("message").asText());
        assertTrue(missing.headers().firstValue("apigw-requestid").isPresent());
        assertEquals(404, send(request("/items/42").POST(BodyPublishers.noBody())).statusCode(),
                "a route is method and path");

        HttpResponse<byte[]> failed = send(request("/echo/fail"));
        assertEquals(500, failed.statusCode());
        assertEquals("Internal Server Error", json(failed).get("message").asText());

        HttpResponse<byte[]> tooLarge = send(request("/echo/upload").header("content-type", "application/octet-stream")
                .POST(BodyPublishers.ofByteArray(new byte[10 * 1024 * 1024 + 1])));
        assertEquals(413, tooLarge.statusCode());
        assertEquals("Request Entity Too Large", json(tooLarge).get("message").asText());
    }

    @Test
    void functionTimeoutIs500AndIntegrationTimeoutIs503() throws Exception {
        send(request("/echo/warm"));
        // Without the function timeout the 6 s sleep would end in a 200, and a timeout of the integration in a 503.
        HttpResponse<byte[]> timedOut = send(request("/echo/sleep?ms=6000"));
        assertEquals(500, timedOut.statusCode(), "EchoFunction's Timeout is 2 s");
        assertEquals("Internal Server Error", json(timedOut).get("message").asText());

        HttpResponse<byte[]> unavailable = send(request("/slow/sleep?ms=6000"));
        assertEquals(503, unavailable.statusCode(), "the integration timeout (3 s here) comes first");
        assertEquals("Service Unavailable", json(unavailable).get("message").asText());
    }

    @Test
    void functionsGetTheLocalWiringAndTheSimulatorAsGemini() throws Exception {
        Map<String, String> env = stack.function("EchoFunction").environment();
        assertEquals(stack.sqsEndpoint().toString(), env.get("AWS_ENDPOINT_URL_SQS"));
        assertEquals(stack.queueUrl("WorkQueue"), env.get("WORK_QUEUE_URL"));
        assertEquals("set by the test", env.get("FIXTURE_ONLY"));
        assertFalse(stack.function("PlainFunction").environment().containsKey("FIXTURE_ONLY"));
        String gemini = stack.gemini().orElseThrow().baseUrl();
        assertEquals(gemini, env.get("GEMINI_BASE_URL"));
        assertFalse(env.containsKey("GEMINI_API_KEY_SECRET_ID"));
        assertFalse(stack.function("PlainFunction").environment().containsKey("GEMINI_API_KEY"));

        String body = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a red fox\"}]}]}";
        HttpRequest.Builder call = HttpRequest.newBuilder(URI.create(gemini
                + "/v1beta/models/gemini-2.5-flash-image:generateContent")).header("content-type", "application/json")
                .POST(BodyPublishers.ofString(body));
        assertEquals(200, send(call.copy().header("x-goog-api-key", env.get("GEMINI_API_KEY"))).statusCode());
        assertEquals(400, send(call.copy().header("x-goog-api-key", "wrong")).statusCode(),
                "the simulator accepts only the key the functions get");
        assertTrue(stack.geminiSimulator().isPresent());
    }

    @Test
    void servesManyConcurrentClients() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            calls.add(http.sendAsync(request("/items/" + i).timeout(Duration.ofSeconds(30)).build(),
                    BodyHandlers.ofString()));
        }
        for (int i = 0; i < 64; i++) {
            HttpResponse<String> response = calls.get(i).get(60, TimeUnit.SECONDS);
            assertEquals(200, response.statusCode());
            assertEquals(Integer.toString(i), Json.parse(response.body()).get("pathParameters").get("id").asText());
        }
    }

    /** Found by the reliability fuzzer: a body cut short or badly chunked was a 500; API Gateway answers 400. */
    @Test
    void aBodyThatEndsEarlyOrIsBadlyChunkedIs400() throws Exception {
        for (String broken : List.of(
                "POST /echo/x HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"a\":",
                "POST /echo/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n")) {
            try (java.net.Socket socket = new java.net.Socket(stack.apiUrl().getHost(), stack.apiUrl().getPort())) {
                socket.setSoTimeout(30_000);
                socket.getOutputStream().write(broken.getBytes(StandardCharsets.US_ASCII));
                socket.shutdownOutput();
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
                assertTrue(answer.endsWith("{\"message\":\"Bad Request\"}"), answer);
            }
        }
    }
}
