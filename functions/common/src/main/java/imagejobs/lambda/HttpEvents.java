package imagejobs.lambda;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import imagejobs.lambda.http.ApiRequest;
import imagejobs.lambda.http.ApiResponse;
import imagejobs.lambda.http.GoogleRejections;
import imagejobs.shared.auth.Credentials;
import imagejobs.shared.errors.DependencyFailure;
import imagejobs.shared.errors.Rejection;
import imagejobs.shared.google.GoogleError;
import imagejobs.shared.google.GoogleErrorBody;
import imagejobs.shared.json.Json;
import imagejobs.shared.log.StructuredLog;

/** API Gateway HTTP API (payload 2.0) ⇄ the services' {@link ApiRequest}/{@link ApiResponse}. */
public final class HttpEvents {
    private static final StructuredLog LOG = StructuredLog.get(HttpEvents.class);
    static final int RETRY_AFTER_SECONDS = 2;

    private HttpEvents() {
    }

    /**
     * Runs one request through a service: maps the event, turns a {@link Rejection} into its JSON error, a storage
     * service out of reach into a 503 with Retry-After, and any other failure into a 500; neither body gives anything
     * away (the details go to the log only).
     */
    public static APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Context context,
                                                  Function<ApiRequest, ApiResponse> service) {
        return handle(event, context, service, path -> false);
    }

    /**
     * The same, with every refusal, the 503 and the 500 of a request whose raw path {@code googleShaped} accepts
     * (the {@code /v1beta} routes) in Google's error shape ({@link GoogleRejections}), so Google's SDKs read them.
     */
    public static APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Context context,
                                                  Function<ApiRequest, ApiResponse> service,
                                                  Predicate<String> googleShaped) {
        StructuredLog.clearContext();
        StructuredLog.put("aws_request_id", context == null ? null : context.getAwsRequestId());
        boolean google = event != null && event.getRawPath() != null && googleShaped.test(event.getRawPath());
        Function<Rejection, ApiResponse> refusal = google ? GoogleRejections::response : ApiResponse::error;
        try {
            ApiRequest request = toRequest(event);
            StructuredLog.put("route", request.method() + " " + request.path());
            return toResponse(service.apply(request));
        } catch (Rejection e) {
            return toResponse(refusal.apply(e));
        } catch (RuntimeException e) {
            if (dependencyUnavailable(e)) {
                // DynamoDB, S3 or SQS out of reach or overloaded: the client should come back, and soon.
                LOG.error("request failed: a storage service is unavailable", e);
                return toResponse(refusal.apply(new Rejection(Rejection.Kind.UNAVAILABLE,
                        DependencyFailure.SERVICE_UNAVAILABLE,
                        "the service is briefly unavailable; retry in a few seconds", null,
                        Duration.ofSeconds(RETRY_AFTER_SECONDS), Map.of())));
            }
            LOG.error("request failed", e);
            String reference = context == null ? "n/a" : context.getAwsRequestId();
            return toResponse(google ? googleInternalError(reference) : internalError(reference));
        } finally {
            StructuredLog.clearContext();
        }
    }

    /**
     * An AWS SDK failure that says a dependency could not be reached or is overloaded (connection refused or reset,
     * timeouts, throttling, 5xx), anywhere in the cause chain; not a bug of ours.
     */
    static boolean dependencyUnavailable(Throwable e) {
        DependencyFailure failure = DependencyFailure.in(e);
        return failure != null && failure.isTransient();
    }

    /** {@link #internalError} in Google's shape. */
    static ApiResponse googleInternalError(String reference) {
        GoogleError error = GoogleErrorBody.builder(500, "internal error; retry later (reference " + reference + ")")
                .build();
        return ApiResponse.json(error.httpStatus(), error.body());
    }

    /** A 500 that gives nothing away but a reference to find the log lines by. */
    static ApiResponse internalError(String reference) {
        return ApiResponse.json(500, Json.object().set("error", Json.object().put("code", "INTERNAL")
                .put("status", "INTERNAL").put("message", "internal error; retry later (reference " + reference + ")")));
    }

    public static ApiRequest toRequest(APIGatewayV2HTTPEvent event) {
        if (event == null) {
            throw Rejection.invalid("INVALID_REQUEST", "empty event", null);
        }
        Map<String, String> headers = new HashMap<>();
        if (event.getHeaders() != null) {
            event.getHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
        }
        headers.remove(Credentials.QUERY_KEY_HEADER); // only the edge sets it, from ?key=
        String queryKey = takeQueryKey(event);
        if (queryKey != null) {
            headers.put(Credentials.QUERY_KEY_HEADER, queryKey);
        }
        byte[] body;
        if (event.getBody() == null) {
            body = new byte[0];
        } else if (event.getIsBase64Encoded()) {
            try {
                body = Base64.getDecoder().decode(event.getBody());
            } catch (IllegalArgumentException e) {
                throw Rejection.invalid("INVALID_REQUEST", "request body is not valid base64", null);
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

    /**
     * Removes Google's {@code ?key=} (an API key) from the event, both the parsed parameters and the raw query
     * string, and returns it: after this nothing that logs or measures the event or the request can see it.
     */
    static String takeQueryKey(APIGatewayV2HTTPEvent event) {
        String key = null;
        Map<String, String> parameters = event.getQueryStringParameters();
        if (parameters != null && parameters.containsKey("key")) {
            Map<String, String> rest = new HashMap<>(parameters);
            key = rest.remove("key");
            event.setQueryStringParameters(rest.isEmpty() ? null : rest);
        }
        String raw = event.getRawQueryString();
        if (raw != null && !raw.isEmpty()) {
            StringBuilder kept = new StringBuilder();
            for (String pair : raw.split("&")) {
                String name = pair.contains("=") ? pair.substring(0, pair.indexOf('=')) : pair;
                if (name.equals("key")) {
                    if (key == null) {
                        key = URLDecoder.decode(pair.substring(Math.min(pair.length(), name.length() + 1)),
                                StandardCharsets.UTF_8);
                    }
                    continue;
                }
                kept.append(kept.length() == 0 ? "" : "&").append(pair);
            }
            event.setRawQueryString(kept.toString());
        }
        return key;
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
