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
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/** API Gateway HTTP API (payload 2.0) ⇄ the services' {@link ApiRequest}/{@link ApiResponse}. */
public final class HttpEvents {
    private static final StructuredLog LOG = StructuredLog.get(HttpEvents.class);
    public static final String SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE";
    static final String RETRY_AFTER_SECONDS = "2";

    private HttpEvents() {
    }

    /**
     * Runs one request through a service: maps the event, turns {@link ApiException} into its JSON error, a storage
     * service out of reach into a 503 with Retry-After, and any other failure into a 500; neither body gives anything
     * away (the details go to the log only).
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
            if (dependencyUnavailable(e)) {
                // DynamoDB, S3 or SQS out of reach or overloaded: the client should come back, and soon.
                LOG.error("request failed: a storage service is unavailable", e);
                return toResponse(ApiResponse.error(new ApiException(503, SERVICE_UNAVAILABLE,
                        "the service is briefly unavailable; retry in a few seconds", null,
                        Map.of("retry-after", RETRY_AFTER_SECONDS))));
            }
            LOG.error("request failed", e);
            return toResponse(ApiResponse.error(new ApiException(500, "INTERNAL",
                    "internal error; retry later (reference " + (context == null ? "n/a" : context.getAwsRequestId()) + ")")));
        } finally {
            StructuredLog.clearContext();
        }
    }

    /**
     * An AWS SDK failure that says a dependency could not be reached or is overloaded (connection refused or reset,
     * timeouts, throttling, 5xx), anywhere in the cause chain; not a bug of ours.
     */
    static boolean dependencyUnavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SdkServiceException service) {
                return service.statusCode() >= 500 || service.isThrottlingException();
            }
            if (t instanceof SdkClientException) {
                return true;
            }
        }
        return false;
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
