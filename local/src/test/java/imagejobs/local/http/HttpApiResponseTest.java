package imagejobs.local.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class HttpApiResponseTest {

    @Test
    void structuredResponse() {
        HttpApiResponse r = HttpApiResponse.fromLambdaPayload("""
                {"statusCode": 202, "headers": {"Location": "/v1/requests/abc", "x-n": 5, "Content-Length": "999"},
                 "multiValueHeaders": {"x-m": ["a", "b"]}, "cookies": ["s=1"], "body": "{\\"ok\\":true}",
                 "isBase64Encoded": false}""");
        assertEquals(202, r.statusCode());
        assertEquals("/v1/requests/abc", r.header("location"));
        assertEquals("5", r.header("x-n"));
        assertEquals(null, r.header("content-length"), "framing headers are the server's");
        assertEquals(List.of("a", "b"), r.headers().stream().filter(h -> h.getKey().equals("x-m"))
                .map(Map.Entry::getValue).toList());
        assertEquals("s=1", r.header("set-cookie"));
        assertEquals("{\"ok\":true}", new String(r.body(), StandardCharsets.UTF_8));
    }

    @Test
    void base64BodyIsDecoded() {
        HttpApiResponse r = HttpApiResponse.fromLambdaPayload(
                "{\"statusCode\":200,\"body\":\"AAEC/w==\",\"isBase64Encoded\":true}");
        assertArrayEquals(new byte[] {0, 1, 2, (byte) 0xff}, r.body());
    }

    @Test
    void jsonWithoutStatusCodeIsA200JsonBody() {
        HttpApiResponse r = HttpApiResponse.fromLambdaPayload("{\"hello\":\"world\"}");
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.header("content-type"));
        assertEquals("{\"hello\":\"world\"}", new String(r.body(), StandardCharsets.UTF_8));
        assertEquals(200, HttpApiResponse.fromLambdaPayload("\"just a string\"").statusCode());
    }

    @Test
    void malformedResponsesAreApiGatewaysOwn500() {
        assertEquals(500, HttpApiResponse.fromLambdaPayload("{\"statusCode\": 0}").statusCode());
        assertEquals(500, HttpApiResponse.fromLambdaPayload("{\"statusCode\": \"abc\"}").statusCode());
        assertEquals(500, HttpApiResponse.fromLambdaPayload("not json").statusCode());
        assertEquals("{\"message\":\"Internal Server Error\"}",
                new String(HttpApiResponse.internalError().body(), StandardCharsets.UTF_8));
    }
}
