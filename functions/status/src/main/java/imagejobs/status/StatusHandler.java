package imagejobs.status;

import java.util.Map;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import imagejobs.lambda.HttpEvents;
import imagejobs.lambda.Priming;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;

/**
 * Poll one job, list, cancel, and the model catalog ({@link StatusRouter}); every route authenticated, every job
 * scoped to its tenant.
 */
public final class StatusHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private final StatusRouter router;
    /** Held for the life of the container: SnapStart's hook registry only keeps it weakly. */
    private final Priming priming;

    /** Lambda's entry point. */
    public StatusHandler() {
        this(System.getenv());
    }

    /** The same wiring with a given environment (the local stack, tests). */
    public StatusHandler(Map<String, String> environment) {
        this(new Environment(environment));
    }

    private StatusHandler(Environment environment) {
        this.priming = new Priming(new Settings(environment).primeOnInit());
        this.router = StatusWiring.router(environment, priming);
    }

    public StatusHandler(StatusRouter router) {
        this.router = router;
        this.priming = new Priming(false);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return HttpEvents.handle(event, context, router::route, StatusRouter::isGoogleRoute);
    }
}
