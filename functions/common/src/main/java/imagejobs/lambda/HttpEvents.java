package imagejobs.lambda;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import imagejobs.shared.http.ApiException;
import imagejobs.shared.http.ApiRequest;
import imagejobs.shared.http.ApiResponse;
import imagejobs.shared.log.StructuredLog;

/** API Gateway HTTP API (payload 2.0) ⇄ the services' {@link ApiRequest}/{@link ApiResponse}. */
public final class HttpEvents {
    private static final StructuredLog LOG = StructuredLog.get(HttpEvents.class);

    private HttpEvents() {
    }

    /**
     * Runs one request through a service: maps the event, turns {@link ApiException} into its JSON error, and any
     * other failure into a 500 whose body gives nothing away (the details go to the log only).
     */
    public static APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Context context,
                                                  Function<ApiRequest, ApiResponse> service) {
        StructuredLog.clearContext();
        StructuredLog.put("aws_request_id", context == null ? null : context.getAwsRequestId());
        try {
            ApiRequest request = toRequest(event);
            StructuredLog.put("route", request.method() + " " + request.path());
            return toResponse(service.apply(request));
        } catch (ApiException e) {
            return toResponse(ApiResponse.error(e));
        } catch (RuntimeException e) {
            LOG.error("request failed", e);
            return toResponse(ApiResponse.error(new ApiException(500, "INTERNAL",
                    "internal error; retry later (reference " + (context == null ? "n/a" : context.getAwsRequestId()) + ")")));
        } finally {
            StructuredLog.clearContext();
        }
    }

    public static ApiRequest toRequest(APIGatewayV2HTTPEvent event) {
        if (event == null) {
            throw ApiException.badRequest("INVALID_REQUEST", "empty event", null);
        }
        Map<String, String> headers = new HashMap<>();
        if (event.getHeaders() != null) {
            event.getHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
        }
        byte[] body;
        if (event.getBody() == null) {
            body = new byte[0];
        } else if (event.getIsBase64Encoded()) {
            try {
                body = Base64.getDecoder().decode(event.getBody());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("INVALID_REQUEST", "request body is not valid base64", null);
            }
        } else {
            body = event.getBody().getBytes(StandardCharsets.UTF_8);
        }
        var context = event.getRequestContext();
        String method = context != null && context.getHttp() != null ? context.getHttp().getMethod() : null;
        String sourceIp = context != null && context.getHttp() != null ? context.getHttp().getSourceIp() : null;
        String path = event.getRawPath();
        return new ApiRequest(method, path, headers, event.getQueryStringParameters(), event.getPathParameters(),
                body, sourceIp, context == null ? null : context.getRequestId());
    }

    public static APIGatewayV2HTTPResponse toResponse(ApiResponse response) {
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(response.status())
                .withHeaders(response.headers())
                .withBody(response.body())
                .withIsBase64Encoded(false)
                .build();
    }
}
