package imagejobs.status;

import java.time.Clock;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.lambda.http.ApiRequest;
import imagejobs.lambda.http.ApiResponse;
import imagejobs.shared.auth.Authenticator;
import imagejobs.shared.auth.Credentials;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.errors.Rejection;
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
 * POST /v1/requests/{request_id}/cancel   cancel     GET /v1/webhooks/default/secret  the tenant's signing secret
 * </pre>
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

    private final Authenticator authenticator;
    private final JobQueries jobs;
    private final ModelQueries models;
    private final WebhookSecretQueries webhookSecrets;
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
        this.readsPerMinute = readsPerMinute;
        this.clock = clock;
    }

    public ApiResponse route(ApiRequest request) {
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
