package imagejobs.lambda.http;

import java.util.LinkedHashMap;
import java.util.Map;

import imagejobs.shared.errors.Rejection;
import imagejobs.shared.google.GoogleError;
import imagejobs.shared.google.GoogleErrorBody;

/**
 * A refusal on a Google-shaped route ({@code /v1beta/...}): Google's {@code {"error":{"code","message","status",
 * "details"}}} body with the HTTP status and Retry-After the {@code /v1} answer would have, so Google's SDKs read it.
 */
public final class GoogleRejections {
    private GoogleRejections() {
    }

    public static ApiResponse response(Rejection r) {
        GoogleError error = GoogleErrorBody.fromRejection(RejectionResponses.status(r.kind()), r);
        Map<String, String> headers = new LinkedHashMap<>();
        error.retryAfterHeader().ifPresent(v -> headers.put("retry-after", v));
        return ApiResponse.json(error.httpStatus(), error.body(), headers);
    }
}
