package imagejobs.google;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.lambda.http.ApiRequest;
import imagejobs.lambda.http.ApiResponse;
import imagejobs.lambda.http.GoogleRejections;
import imagejobs.shared.auth.Credentials;
import imagejobs.shared.errors.DependencyFailure;
import imagejobs.shared.errors.Rejection;
import imagejobs.shared.google.FailedJobs;
import imagejobs.shared.google.GenerateContentView;
import imagejobs.shared.google.GoogleError;
import imagejobs.shared.google.GoogleErrorBody;
import imagejobs.shared.google.GoogleReply;
import imagejobs.shared.google.GoogleStatus;
import imagejobs.shared.google.SseEvents;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.json.Json;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.submit.SubmitService.SubmitCommand;
import imagejobs.shared.sync.SyncRunner;

/**
 * The Google-compatible synchronous routes, on either base:
 * <ul>
 * <li>{@code POST /{v1beta|v1}/models/{model}:generateContent} → 200 {@code GenerateContentResponse} (images inline
 * when the whole answer fits Lambda's 6 MB, else {@code fileData} presigned URLs), Gemini's 200 refusal shape for
 * SAFETY_BLOCKED / RECITATION / NO_IMAGE (with {@code x-imagejobs-error-code}), or a Google-shaped error;</li>
 * <li>{@code :streamGenerateContent?alt=sse} → the same answer as one {@code data:} server-sent event (without
 * {@code alt=sse}: a JSON array of one response, as Google answers);</li>
 * <li>the bound reached → 504 DEADLINE_EXCEEDED naming the request id and where to poll it; the job carries on.</li>
 * </ul>
 * Every answer about a job carries {@code x-request-id} (= {@code responseId}) and {@code location}. Every refusal
 * is in Google's error shape, including unknown paths (404).
 */
public final class GoogleRoutes {
    static final String GENERATE_CONTENT = "generateContent";
    static final String STREAM_GENERATE_CONTENT = "streamGenerateContent";
    static final String SYNC_WAIT_EXCEEDED = "SYNC_WAIT_EXCEEDED";
    static final String ERROR_CODE_HEADER = "x-imagejobs-error-code";
    static final String REQUEST_ID_HEADER = "x-request-id";
    /** Google's Python SDK sends the caller's own timeout (seconds) here; the wait never outlasts it. */
    static final String SERVER_TIMEOUT_HEADER = "x-server-timeout";
    /** Kept free of the invocation's end so the answer, not Lambda's timeout, reaches the caller. */
    static final Duration ANSWER_MARGIN = Duration.ofSeconds(5);
    private static final Pattern PATH = Pattern.compile("^/(v1beta|v1)/models/([^/:]+):([A-Za-z]+)$");
    private static final StructuredLog LOG = StructuredLog.get(GoogleRoutes.class);

    /** Which URL the call came through: it decides the bound. */
    public enum Base {
        API, FUNCTION_URL
    }

    private final SyncRunner runner;
    private final GenerateContentView view;
    private final Duration apiBound;
    private final Duration urlBound;
    private final GoogleBatchRoutes batches;

    public GoogleRoutes(SyncRunner runner, GenerateContentView view, Duration apiBound, Duration urlBound) {
        this(runner, view, apiBound, urlBound, null);
    }

    /** With Google's batch routes ({@link GoogleBatchRoutes}); without them (null) those paths are 404. */
    GoogleRoutes(SyncRunner runner, GenerateContentView view, Duration apiBound, Duration urlBound,
                 GoogleBatchRoutes batches) {
        this.runner = runner;
        this.view = view;
        this.apiBound = apiBound;
        this.urlBound = urlBound;
        this.batches = batches;
    }

    /**
     * @param budget    the invocation's time left, or null when unbounded
     * @param reference the invocation's id, quoted by a 500 so its log lines can be found
     */
    public ApiResponse route(ApiRequest request, Base base, Duration budget, String reference) {
        try {
            if (batches != null) {
                String path = URLDecoder.decode(request.path() == null ? "" : request.path(), StandardCharsets.UTF_8);
                Optional<ApiResponse> batch = batches.route(request, path);
                if (batch.isPresent()) {
                    return batch.get();
                }
            }
            return generate(request, base, budget);
        } catch (Rejection e) {
            return GoogleRejections.response(e);
        } catch (RuntimeException e) {
            DependencyFailure failure = DependencyFailure.in(e);
            if (failure != null && failure.isTransient()) {
                LOG.error("request failed: a storage service is unavailable", e);
                return error(GoogleErrorBody.builder(GoogleStatus.UNAVAILABLE,
                        "the service is briefly unavailable; retry in a few seconds")
                        .reason(DependencyFailure.SERVICE_UNAVAILABLE).retryAfter(Duration.ofSeconds(2)).build(),
                        Map.of());
            }
            LOG.error("request failed", e);
            return error(GoogleErrorBody.builder(GoogleStatus.INTERNAL,
                    "internal error; retry later (reference " + reference + ")").build(), Map.of());
        }
    }

    private ApiResponse generate(ApiRequest request, Base base, Duration budget) {
        String path = URLDecoder.decode(request.path() == null ? "" : request.path(), StandardCharsets.UTF_8);
        Matcher m = PATH.matcher(path);
        if (!m.matches() || !"POST".equalsIgnoreCase(request.method())) {
            throw Rejection.notFound("no such method: " + request.method() + " " + prefix(path) + "; this URL serves"
                    + " POST /v1beta/models/{model}:generateContent and :streamGenerateContent");
        }
        String action = m.group(3);
        boolean stream = action.equals(STREAM_GENERATE_CONTENT);
        if (!stream && !action.equals(GENERATE_CONTENT)) {
            throw Rejection.notFound("method '" + prefix(action) + "' is not offered; use :generateContent or"
                    + " :streamGenerateContent");
        }
        Duration bound = bound(request, base, budget);
        SubmitCommand command = new SubmitCommand(Credentials.fromHeaders(request::header), request.body(),
                request.header("idempotency-key").orElse(null), m.group(2));
        SyncRunner.Outcome outcome = runner.run(command, path, bound, budget);
        boolean sse = "sse".equals(request.query("alt").orElse(null));
        return answer(outcome, bound, stream, sse);
    }

    /** The route's bound, cut to the caller's own timeout and to what the invocation has left. */
    Duration bound(ApiRequest request, Base base, Duration budget) {
        Duration bound = base == Base.FUNCTION_URL ? urlBound : apiBound;
        Optional<Duration> callers = request.header(SERVER_TIMEOUT_HEADER).flatMap(GoogleRoutes::seconds);
        if (callers.isPresent() && callers.get().compareTo(bound) < 0) {
            bound = callers.get();
        }
        if (budget != null) {
            Duration left = budget.minus(ANSWER_MARGIN);
            if (left.compareTo(bound) < 0) {
                bound = left.isNegative() ? Duration.ZERO : left;
            }
        }
        return bound;
    }

    private ApiResponse answer(SyncRunner.Outcome outcome, Duration bound, boolean stream, boolean sse) {
        Job job = outcome.job();
        String id = job.requestId();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(REQUEST_ID_HEADER, id);
        headers.put("location", "/v1/requests/" + id);
        if (outcome instanceof SyncRunner.Outcome.Pending) {
            return error(deadlineExceeded(id, bound), headers);
        }
        GoogleReply reply = switch (job.status()) {
            case SUCCESS -> GoogleReply.ok(view.render(id, job.outcome(), GenerateContentView.ImageMode.INLINE_IF_FITS)
                    .body());
            case CANCELLED -> GoogleReply.error(FailedJobs.cancelled(id));
            default -> FailedJobs.failed(id, job.error(), FailedJobs.Upstream.UNKNOWN);
        };
        if (reply instanceof GoogleReply.Failed failed) {
            return error(failed.error(), headers);
        }
        if (job.error() != null) {
            headers.put(ERROR_CODE_HEADER, job.error().code());
        }
        ObjectNode body = reply.body();
        if (!stream) {
            return ApiResponse.json(200, body, headers);
        }
        if (!sse) {
            return ApiResponse.json(200, Json.array().add(body), headers);
        }
        Map<String, String> sseHeaders = new LinkedHashMap<>();
        sseHeaders.put("content-type", SseEvents.CONTENT_TYPE);
        sseHeaders.put("cache-control", "no-store");
        sseHeaders.putAll(headers);
        return new ApiResponse(200, Map.copyOf(sseHeaders),
                new String(SseEvents.body(List.of(body)), StandardCharsets.UTF_8));
    }

    /** The answer at the bound: the job goes on; the caller learns its id and where to poll it. */
    static GoogleError deadlineExceeded(String requestId, Duration bound) {
        String poll = "/v1/requests/" + requestId;
        return GoogleErrorBody.builder(GoogleStatus.DEADLINE_EXCEEDED, "the image is not ready after "
                        + bound.toSeconds() + " s; request " + requestId + " carries on: poll GET " + poll
                        + " on the API base URL (or wait for its webhook)")
                .reason(SYNC_WAIT_EXCEEDED)
                .requestId(requestId)
                .metadata("poll_url", poll)
                .help("poll the job (GET on the API base URL)", poll)
                .build();
    }

    private static ApiResponse error(GoogleError error, Map<String, String> extra) {
        Map<String, String> headers = new LinkedHashMap<>(extra);
        error.retryAfterHeader().ifPresent(v -> headers.put("retry-after", v));
        return ApiResponse.json(error.httpStatus(), error.body(), headers);
    }

    private static Optional<Duration> seconds(String header) {
        try {
            double s = Double.parseDouble(header.strip());
            return s > 0 ? Optional.of(Duration.ofMillis((long) (s * 1000))) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** At most 60 characters of what the caller sent, for a message. */
    private static String prefix(String value) {
        return value.length() <= 60 ? value : value.substring(0, 60) + "…";
    }
}
