package imagejobs.google;

import java.time.Duration;
import java.util.Map;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import imagejobs.lambda.HttpEvents;
import imagejobs.shared.config.Environment;

/**
 * Google's {@code POST /v1beta|/v1/models/{model}:generateContent} and {@code :streamGenerateContent}, answered
 * synchronously with Gemini's {@code GenerateContentResponse} (see {@link GoogleRoutes}). One function serves two
 * bases: the HTTP API's routes (bound {@code API_SYNC_WAIT_SECONDS}, under API Gateway's 30 s) and its function URL
 * (bound {@code SYNC_WAIT_SECONDS}, for long calls). A function URL event has the route key {@code $default}; an
 * HTTP API event carries the route it matched.
 */
public final class GoogleHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    static final String FUNCTION_URL_ROUTE_KEY = "$default";

    private final GoogleRoutes routes;

    /** Lambda's entry point. */
    public GoogleHandler() {
        this(System.getenv());
    }

    /** The same wiring with a given environment (the local stack, tests). */
    public GoogleHandler(Map<String, String> environment) {
        this(GoogleWiring.routes(new Environment(environment)));
    }

    public GoogleHandler(GoogleRoutes routes) {
        this.routes = routes;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        GoogleRoutes.Base base = event != null && FUNCTION_URL_ROUTE_KEY.equals(event.getRouteKey())
                ? GoogleRoutes.Base.FUNCTION_URL : GoogleRoutes.Base.API;
        Duration budget = context == null ? null : Duration.ofMillis(context.getRemainingTimeInMillis());
        String reference = context == null ? "n/a" : context.getAwsRequestId();
        return HttpEvents.handle(event, context, request -> routes.route(request, base, budget, reference));
    }
}
