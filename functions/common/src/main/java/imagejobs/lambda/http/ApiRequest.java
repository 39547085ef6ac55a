package imagejobs.lambda.http;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An HTTP request as the services see it, independent of API Gateway's event classes.
 * Header names are lower case (API Gateway's HTTP API delivers them so).
 */
public record ApiRequest(
        String method,
        String path,
        Map<String, String> headers,
        Map<String, String> queryParameters,
        Map<String, String> pathParameters,
        byte[] body,
        String sourceIp,
        String gatewayRequestId) {

    public ApiRequest {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        queryParameters = queryParameters == null ? Map.of() : Map.copyOf(queryParameters);
        pathParameters = pathParameters == null ? Map.of() : Map.copyOf(pathParameters);
        body = body == null ? new byte[0] : body;
    }

    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }

    public Optional<String> query(String name) {
        String v = queryParameters.get(name);
        return v == null ? Optional.empty() : Optional.of(v);
    }

    public Optional<String> pathParameter(String name) {
        return Optional.ofNullable(pathParameters.get(name));
    }

    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
