package imagejobs.submit;

import java.util.LinkedHashMap;
import java.util.Map;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

import imagejobs.lambda.HttpEvents;
import imagejobs.lambda.Priming;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.lambda.http.ApiRequest;
import imagejobs.lambda.http.ApiResponse;
import imagejobs.shared.auth.Credentials;
import imagejobs.shared.errors.Rejection;
import imagejobs.shared.submit.SubmitService;
import imagejobs.shared.submit.SubmitService.SubmitCommand;
import imagejobs.shared.submit.SubmitService.Submitted;

/**
 * {@code POST /v1/requests} and {@code POST /v1beta/models/{model}:generateContent}. API Gateway path variables
 * must be whole segments, so the second route arrives as {@code {modelAction}} = {@code "<model>:generateContent"}.
 */
public final class SubmitHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    static final String GENERATE_CONTENT = ":generateContent";
    static final String STREAM_GENERATE_CONTENT = ":streamGenerateContent";
    static final String IDEMPOTENCY_KEY = "idempotency-key";
    /** Set (to "true") on the answer to a repeat of an earlier request under the same Idempotency-Key. */
    public static final String REPLAYED_HEADER = "idempotent-replayed";

    private final SubmitService service;
    /** Held for the life of the container: SnapStart's hook registry only keeps it weakly. */
    private final Priming priming;

    /** Lambda's entry point. */
    public SubmitHandler() {
        this(System.getenv());
    }

    /** The same wiring with a given environment (the local stack, tests). */
    public SubmitHandler(Map<String, String> environment) {
        this(new Environment(environment));
    }

    private SubmitHandler(Environment environment) {
        this.priming = new Priming(new Settings(environment).primeOnInit());
        this.service = SubmitWiring.service(environment, priming);
    }

    public SubmitHandler(SubmitService service) {
        this.service = service;
        this.priming = new Priming(false);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return HttpEvents.handle(event, context, this::route);
    }

    private ApiResponse route(ApiRequest request) {
        String modelAction = request.pathParameter("modelAction").orElse(null);
        if (modelAction == null) {
            return accepted(service.submit(command(request, null)));
        }
        int colon = modelAction.lastIndexOf(':');
        String method = colon < 0 ? "" : modelAction.substring(colon);
        if (method.equals(STREAM_GENERATE_CONTENT)) {
            throw Rejection.invalid("UNSUPPORTED_METHOD", "streaming is not offered: jobs are asynchronous. POST"
                    + " to /v1beta/models/{model}:generateContent (202 with a job), then poll /v1/requests/{id}", null);
        }
        if (!method.equals(GENERATE_CONTENT)) {
            throw Rejection.notFound("unknown method '" + modelAction + "'; use /v1beta/models/{model}:generateContent");
        }
        return accepted(service.submit(command(request, modelAction.substring(0, colon))));
    }

    static SubmitCommand command(ApiRequest request, String nativeModel) {
        return new SubmitCommand(Credentials.fromHeaders(request::header), request.body(),
                request.header(IDEMPOTENCY_KEY).orElse(null), nativeModel);
    }

    /** 202 with the job, where to poll it, and whether this was an idempotent replay. */
    static ApiResponse accepted(Submitted submitted) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("location", "/v1/requests/" + submitted.job().requestId());
        if (submitted.replayed()) {
            headers.put(REPLAYED_HEADER, "true");
        }
        return ApiResponse.json(202, submitted.view(), headers);
    }
}
