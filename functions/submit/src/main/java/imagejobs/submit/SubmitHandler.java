package imagejobs.submit;

import java.time.Duration;
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
import imagejobs.shared.submit.SubmitWait;

/**
 * {@code POST /v1/requests} and {@code POST /v1beta/models/{model}:generateContent}. API Gateway path variables
 * must be whole segments, so the second route arrives as the variable {@code model} =
 * {@code "<model>:generateContent"} (template route {@code POST /v1beta/models/{model}}).
 * {@code POST /v1/requests} honours {@code Prefer: wait=N} ({@link SubmitWait}): 200 with the finished job when the
 * worker finishes it within N seconds, else the usual 202; either way {@code Preference-Applied: wait=N}.
 */
public final class SubmitHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    static final String GENERATE_CONTENT = ":generateContent";
    static final String STREAM_GENERATE_CONTENT = ":streamGenerateContent";
    static final String IDEMPOTENCY_KEY = "idempotency-key";
    /** Set (to "true") on the answer to a repeat of an earlier request under the same Idempotency-Key. */
    public static final String REPLAYED_HEADER = "idempotent-replayed";
    static final String PREFER = "prefer";
    static final String PREFERENCE_APPLIED = "preference-applied";

    private final SubmitService service;
    /** Null: Prefer is not honoured (tests of the submit alone). */
    private final SubmitWait wait;
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
        SubmitWiring.Wired wired = SubmitWiring.wire(environment, priming);
        this.service = wired.service();
        this.wait = wired.submitWait();
    }

    public SubmitHandler(SubmitService service) {
        this(service, null);
    }

    public SubmitHandler(SubmitService service, SubmitWait wait) {
        this.service = service;
        this.wait = wait;
        this.priming = new Priming(false);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return HttpEvents.handle(event, context, request -> route(request, context));
    }

    private ApiResponse route(ApiRequest request, Context context) {
        String modelAction = request.pathParameter("model").orElse(null);
        if (modelAction == null) {
            Submitted submitted = service.submit(command(request, null));
            if (wait == null) {
                return accepted(submitted);
            }
            // Read after the submit: its own time is no longer the wait's.
            Duration remaining = context == null ? null : Duration.ofMillis(context.getRemainingTimeInMillis());
            return answer(submitted, wait.reply(submitted, request.header(PREFER).orElse(null), remaining));
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
        return ApiResponse.json(202, submitted.view(), headers(submitted));
    }

    /** 200 with the finished job or 202 as usual, saying which wait was honoured (RFC 7240's Preference-Applied). */
    static ApiResponse answer(Submitted submitted, SubmitWait.Reply reply) {
        Map<String, String> headers = headers(submitted);
        reply.applied().ifPresent(seconds -> headers.put(PREFERENCE_APPLIED, "wait=" + seconds));
        return ApiResponse.json(reply.finished() ? 200 : 202, reply.view(), headers);
    }

    private static Map<String, String> headers(Submitted submitted) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("location", "/v1/requests/" + submitted.job().requestId());
        if (submitted.replayed()) {
            headers.put(REPLAYED_HEADER, "true");
        }
        return headers;
    }
}
