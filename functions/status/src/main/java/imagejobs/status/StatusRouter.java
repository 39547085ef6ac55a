package imagejobs.status;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.lambda.http.ApiRequest;
import imagejobs.lambda.http.ApiResponse;
import imagejobs.lambda.http.GoogleRejections;
import imagejobs.shared.auth.Authenticator;
import imagejobs.shared.auth.Credentials;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.errors.Rejection;
import imagejobs.shared.google.GoogleReply;
import imagejobs.shared.google.ModelsView;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.status.JobQueries;
import imagejobs.shared.status.ModelQueries;
import imagejobs.shared.validation.Utf16;
import imagejobs.shared.webhooks.WebhookSecretQueries;

/**
 * The status function's routes: HTTP paths onto the domain's {@link JobQueries}, {@link ModelQueries} and
 * {@link WebhookSecretQueries}. Every route is authenticated first (401/403 before anything else), then counted
 * against the key's read budget (429 RATE_LIMITED with Retry-After past it, the submit limit's answer); jobs are then
 * looked at only through the caller's tenant.
 *
 * <pre>
 * GET  /v1/requests                       list       GET /v1/models          the catalog
 * GET  /v1/requests/{request_id}          one job    GET /v1/models/{model}  one model
 * POST /v1/requests/{request_id}/cancel   cancel     GET /v1beta/models[/{model}]  the catalog in Google's shape
 * GET  /v1/webhooks/default/secret        the tenant's webhook signing secret
 * </pre>
 *
 * The {@code /v1beta} routes answer every refusal, authentication included, in Google's error shape.
 *
 * Paths are matched on their end, so a stage prefix in rawPath does not matter; path parameters from API
 * Gateway win over the matched segments.
 */
public final class StatusRouter {
    private static final Pattern LIST = Pattern.compile("(?:^|.*/)v1/requests/?");
    private static final Pattern ONE = Pattern.compile("(?:^|.*/)v1/requests/([^/]*)");
    private static final Pattern CANCEL = Pattern.compile("(?:^|.*/)v1/requests/([^/]*)/cancel");
    private static final Pattern MODELS = Pattern.compile("(?:^|.*/)v1/models/?");
    private static final Pattern MODEL = Pattern.compile("(?:^|.*/)v1/models/([^/]+)");
    private static final Pattern WEBHOOK_SECRET = Pattern.compile("(?:^|.*/)v1/webhooks/default/secret");

    private static final Pattern GOOGLE_MODELS = Pattern.compile("(?:^|.*/)v1beta/models/?");
    private static final Pattern GOOGLE_MODEL = Pattern.compile("(?:^|.*/)v1beta/models/([^/:]+)");
    private static final Pattern GOOGLE_ROUTE = Pattern.compile("(?:^|.*/)v1beta/.*");

    private final Authenticator authenticator;
    private final JobQueries jobs;
    private final ModelQueries models;
    private final WebhookSecretQueries webhookSecrets;
    private final ModelsView googleModels;
    private final int readsPerMinute;
    private final Clock clock;

    /** Without a read limit: for tests of the routes themselves. */
    public StatusRouter(Authenticator authenticator, JobQueries jobs, ModelQueries models,
                        WebhookSecretQueries webhookSecrets) {
        this(authenticator, jobs, models, webhookSecrets, 0, Clock.systemUTC());
    }

    /** @param readsPerMinute status requests per minute per API key (Settings.readRatePerMinute()); 0: no limit */
    public StatusRouter(Authenticator authenticator, JobQueries jobs, ModelQueries models,
                        WebhookSecretQueries webhookSecrets, int readsPerMinute, Clock clock) {
        this.authenticator = authenticator;
        this.jobs = jobs;
        this.models = models;
        this.webhookSecrets = webhookSecrets;
        this.googleModels = models.googleView();
        this.readsPerMinute = readsPerMinute;
        this.clock = clock;
    }

    /** True for the {@code /v1beta} routes, whose every error is in Google's shape. */
    public static boolean isGoogleRoute(String path) {
        return path != null && GOOGLE_ROUTE.matcher(path).matches();
    }

    public ApiResponse route(ApiRequest request) {
        if (isGoogleRoute(request.path())) {
            try {
                return routeGoogle(request);
            } catch (Rejection e) {
                return GoogleRejections.response(e);
            }
        }
        return routeV1(request);
    }

    private ApiResponse routeGoogle(ApiRequest request) {
        KeyRecord key = authenticator.authenticate(Credentials.fromHeaders(request::header));
        StructuredLog.put("tenant", key.tenant());
        authenticator.checkReadRate(key, readsPerMinute, clock);
        String path = request.path();
        if ("GET".equals(request.method())) {
            if (GOOGLE_MODELS.matcher(path).matches()) {
                return google(googleModels.list(request.query("pageSize").orElse(null),
                        request.query("pageToken").orElse(null)));
            }
            Matcher model = GOOGLE_MODEL.matcher(path);
            if (model.matches()) {
                return google(googleModels.get(request.pathParameter("model").orElse(model.group(1))));
            }
        }
        throw Rejection.notFound("no such route: " + Utf16.prefix(request.method() + " " + path, 120));
    }

    private static ApiResponse google(GoogleReply reply) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (reply instanceof GoogleReply.Failed failed) {
            failed.error().retryAfterHeader().ifPresent(v -> headers.put("retry-after", v));
        }
        return ApiResponse.json(reply.httpStatus(), reply.body(), headers);
    }

    private ApiResponse routeV1(ApiRequest request) {
        KeyRecord key = authenticator.authenticate(Credentials.fromHeaders(request::header));
        String tenant = key.tenant();
        StructuredLog.put("tenant", tenant);
        authenticator.checkReadRate(key, readsPerMinute, clock);
        String method = request.method() == null ? "" : request.method();
        String path = request.path() == null ? "" : request.path();
        Optional<String> requestId = request.pathParameter("request_id");
        if (method.equals("GET")) {
            if (LIST.matcher(path).matches()) {
                return ok(jobs.list(tenant, request.queryParameters()));
            }
            Matcher one = ONE.matcher(path);
            if (one.matches()) {
                return ok(jobs.get(tenant, requestId.orElse(one.group(1))));
            }
            if (MODELS.matcher(path).matches()) {
                return ok(models.list());
            }
            Matcher model = MODEL.matcher(path);
            if (model.matches()) {
                return ok(models.get(request.pathParameter("model").orElse(model.group(1))));
            }
            if (WEBHOOK_SECRET.matcher(path).matches()) {
                return ok(webhookSecrets.secret(tenant));
            }
        } else if (method.equals("POST")) {
            Matcher cancel = CANCEL.matcher(path);
            if (cancel.matches()) {
                return ok(jobs.cancel(tenant, requestId.orElse(cancel.group(1))));
            }
        }
        String route = method + " " + path;
        throw Rejection.notFound("no such route: " + Utf16.prefix(route, 120));
    }

    private static ApiResponse ok(JsonNode body) {
        return ApiResponse.json(200, body);
    }
}
