package imagejobs.status;

import java.util.Map;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import imagejobs.lambda.HttpEvents;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.config.Environment;
import imagejobs.shared.http.ApiException;
import imagejobs.shared.http.ApiRequest;
import imagejobs.shared.http.ApiResponse;
import imagejobs.shared.log.StructuredLog;

/** Poll one job, list, cancel, and the model catalog; every route authenticated, every job scoped to its tenant. */
public final class StatusHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private final StatusWiring.Services services;

    public StatusHandler() {
        this(System.getenv());
    }

    public StatusHandler(Map<String, String> environment) {
        this(StatusWiring.services(new Environment(environment)));
    }

    StatusHandler(StatusWiring.Services services) {
        this.services = services;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return HttpEvents.handle(event, context, this::route);
    }

    private ApiResponse route(ApiRequest request) {
        KeyRecord key = services.authenticator().authenticate(request);
        StructuredLog.put("tenant", key.tenant());
        String path = request.path() == null ? "" : request.path();
        if (path.startsWith("/v1/models")) {
            return request.pathParameter("model").map(services.models()::get).orElseGet(services.models()::list);
        }
        String requestId = request.pathParameter("request_id").orElse(null);
        if (requestId == null) {
            throw new ApiException(501, "NOT_IMPLEMENTED", "listing arrives with the status issue");
        }
        if ("POST".equals(request.method()) && path.endsWith("/cancel")) {
            throw new ApiException(501, "NOT_IMPLEMENTED", "cancel arrives with the status issue");
        }
        return services.jobs().get(key.tenant(), requestId);
    }
}
