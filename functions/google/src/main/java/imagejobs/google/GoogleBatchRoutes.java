package imagejobs.google;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import imagejobs.lambda.http.ApiRequest;
import imagejobs.lambda.http.ApiResponse;
import imagejobs.shared.auth.Credentials;
import imagejobs.shared.errors.Rejection;
import imagejobs.shared.google.BatchService;
import imagejobs.shared.json.Json;

/**
 * Google's batch routes, for {@code V} = {@code v1beta} and {@code v1}, as google-genai's
 * {@code batches.create/get/list/cancel/delete} call them:
 * <ul>
 * <li>{@code POST /V/models/{model}:batchGenerateContent} → 200 Operation (PENDING);</li>
 * <li>{@code GET /V/batches?pageSize=&pageToken=} → 200 {@code {"operations": [...], "nextPageToken"}};</li>
 * <li>{@code GET /V/batches/{id}} → 200 Operation (with {@code output.inlinedResponses} once done);</li>
 * <li>{@code POST /V/batches/{id}:cancel} and {@code DELETE /V/batches/{id}} → 200 {@code {}}.</li>
 * </ul>
 * Refusals are thrown as {@link Rejection}s for {@link GoogleRoutes} to render in Google's error shape.
 */
final class GoogleBatchRoutes {
    static final String BATCH_GENERATE_CONTENT = "batchGenerateContent";
    private static final Pattern CREATE = Pattern.compile("^/(?:v1beta|v1)/models/([^/:]+):" + BATCH_GENERATE_CONTENT
            + "$");
    private static final Pattern LIST = Pattern.compile("^/(?:v1beta|v1)/batches/?$");
    private static final Pattern ONE = Pattern.compile("^/(?:v1beta|v1)/batches/([^/:]+)(?::([A-Za-z]+))?$");

    private final BatchService batches;

    GoogleBatchRoutes(BatchService batches) {
        this.batches = batches;
    }

    /** The answer when {@code path} (decoded) is a batch route, else empty. */
    Optional<ApiResponse> route(ApiRequest request, String path) {
        String method = request.method() == null ? "" : request.method().toUpperCase(java.util.Locale.ROOT);
        Credentials credentials = Credentials.fromHeaders(request::header);
        Matcher create = CREATE.matcher(path);
        if (create.matches()) {
            if (!method.equals("POST")) {
                throw noSuchMethod(method, path);
            }
            return Optional.of(ApiResponse.json(200, batches.create(credentials, request.body(), create.group(1))));
        }
        if (LIST.matcher(path).matches()) {
            if (!method.equals("GET")) {
                throw noSuchMethod(method, path);
            }
            return Optional.of(ApiResponse.json(200, batches.list(credentials, request.query("pageSize").orElse(null),
                    request.query("pageToken").orElse(null))));
        }
        Matcher one = ONE.matcher(path);
        if (!one.matches()) {
            return Optional.empty();
        }
        String id = one.group(1);
        String action = one.group(2);
        if (action == null && method.equals("GET")) {
            return Optional.of(ApiResponse.json(200, batches.get(credentials, id)));
        }
        if (action == null && method.equals("DELETE")) {
            batches.delete(credentials, id);
            return Optional.of(ApiResponse.json(200, Json.object()));
        }
        if ("cancel".equals(action) && method.equals("POST")) {
            batches.cancel(credentials, id);
            return Optional.of(ApiResponse.json(200, Json.object()));
        }
        throw noSuchMethod(method, path);
    }

    private static Rejection noSuchMethod(String method, String path) {
        return Rejection.notFound("no such method: " + method + " " + (path.length() <= 60 ? path
                : path.substring(0, 60) + "…") + "; batches are served as POST /v1beta/models/{model}:"
                + BATCH_GENERATE_CONTENT + ", GET /v1beta/batches, GET or DELETE /v1beta/batches/{id} and"
                + " POST /v1beta/batches/{id}:cancel (also under /v1)");
    }
}
