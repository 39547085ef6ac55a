package imagejobs.shared.google;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.errors.Rejection;
import imagejobs.shared.json.Json;
import imagejobs.shared.validation.FieldError;

/**
 * Builds error bodies in the shape Google's APIs answer with and Google's SDKs read (AIP-193):
 *
 * <pre>
 * {"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT", "details": [
 *   {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "UNSUPPORTED_IMAGE_SIZE", "domain": "imagejobs",
 *    "metadata": {"request_id": "..."}},
 *   {"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [
 *     {"field": "generationConfig.imageConfig.imageSize", "description": "...", "reason": "UNSUPPORTED_IMAGE_SIZE"}]},
 *   {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"},
 *   {"@type": "type.googleapis.com/google.rpc.RequestInfo", "requestId": "..."},
 *   {"@type": "type.googleapis.com/google.rpc.Help", "links": [{"description": "...", "url": "..."}]}]}}
 * </pre>
 *
 * {@code code} is the HTTP status (Google's SDKs take it from the response line anyway), {@code status} the
 * canonical name clients switch on, and the ErrorInfo's {@code reason} our own error code, so nothing the /v1 routes
 * tell a client is lost. Hand-written: the shapes are a handful of JSON objects and the only library that models
 * them (protobuf's google-common-protos) would bring protobuf into every function for it.
 */
public final class GoogleErrorBody {
    /** ErrorInfo's domain: the service that produced the error (Google writes its API's host name there). */
    public static final String DOMAIN = "imagejobs";
    private static final String TYPE_PREFIX = "type.googleapis.com/google.rpc.";

    private final int httpStatus;
    private final String message;
    private GoogleStatus status;
    private String reason;
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final ArrayNode fieldViolations = Json.array();
    private Duration retryAfter;
    private String requestId;
    private final ArrayNode links = Json.array();

    private GoogleErrorBody(int httpStatus, String message) {
        this.httpStatus = httpStatus;
        this.message = message;
        this.status = GoogleStatus.forHttpStatus(httpStatus);
    }

    /** An error answered with {@code httpStatus}; the canonical status follows from it unless set. */
    public static GoogleErrorBody builder(int httpStatus, String message) {
        return new GoogleErrorBody(httpStatus, message);
    }

    /** An error whose HTTP status is the canonical one for {@code status} (504 for DEADLINE_EXCEEDED, …). */
    public static GoogleErrorBody builder(GoogleStatus status, String message) {
        return new GoogleErrorBody(status.httpStatus(), message).status(status);
    }

    /**
     * A domain refusal as a Google-shaped route answers it, with the HTTP status the edge gives its kind (the same
     * as /v1's): our code as the ErrorInfo reason, its details as ErrorInfo metadata, its field as a BadRequest
     * field violation, its wait as RetryInfo. Google answers a model it does not know with 404, where /v1 says 400
     * UNKNOWN_MODEL: so does this.
     */
    public static GoogleError fromRejection(int httpStatus, Rejection rejection) {
        int answered = FieldError.UNKNOWN_MODEL.equals(rejection.code()) ? 404 : httpStatus;
        GoogleErrorBody body = builder(answered, rejection.getMessage()).reason(rejection.code())
                .retryAfter(rejection.retryAfter());
        rejection.details().forEach(body::metadata);
        if (rejection.field() != null) {
            body.fieldViolation(rejection.field(), rejection.getMessage());
        }
        return body.build();
    }

    public GoogleErrorBody status(GoogleStatus newStatus) {
        this.status = newStatus;
        return this;
    }

    /** Our error code, as the ErrorInfo detail's reason (and each field violation's). */
    public GoogleErrorBody reason(String code) {
        this.reason = code;
        return this;
    }

    /** A key and value in the ErrorInfo detail's metadata (a map of strings; keys in snake_case like Google's). */
    public GoogleErrorBody metadata(String key, String value) {
        if (value != null) {
            metadata.put(key, value);
        }
        return this;
    }

    /** A BadRequest field violation: the request field's path as the caller spelled it, and what is wrong. */
    public GoogleErrorBody fieldViolation(String field, String description) {
        ObjectNode violation = fieldViolations.addObject().put("field", field).put("description", description);
        if (reason != null) {
            violation.put("reason", reason);
        }
        return this;
    }

    public GoogleErrorBody retryAfter(Duration wait) {
        this.retryAfter = wait == null || wait.isNegative() ? null : wait;
        return this;
    }

    /** A RequestInfo detail: the request id a client quotes to find the job again (and in ErrorInfo's metadata). */
    public GoogleErrorBody requestId(String id) {
        this.requestId = id;
        return metadata("request_id", id);
    }

    /** A Help detail's link, e.g. where to poll the job that goes on after a deadline. */
    public GoogleErrorBody help(String description, String url) {
        links.addObject().put("description", description).put("url", url);
        return this;
    }

    public GoogleError build() {
        ObjectNode error = Json.object();
        error.put("code", httpStatus);
        error.put("message", message);
        error.put("status", status.name());
        ArrayNode details = Json.array();
        if (reason != null) {
            ObjectNode info = details.addObject().put("@type", TYPE_PREFIX + "ErrorInfo")
                    .put("reason", reason).put("domain", DOMAIN);
            if (!metadata.isEmpty()) {
                ObjectNode meta = info.putObject("metadata");
                metadata.forEach(meta::put);
            }
        }
        if (!fieldViolations.isEmpty()) {
            details.addObject().put("@type", TYPE_PREFIX + "BadRequest").set("fieldViolations", fieldViolations);
        }
        if (retryAfter != null) {
            details.addObject().put("@type", TYPE_PREFIX + "RetryInfo").put("retryDelay", protoDuration(retryAfter));
        }
        if (requestId != null) {
            details.addObject().put("@type", TYPE_PREFIX + "RequestInfo").put("requestId", requestId);
        }
        if (!links.isEmpty()) {
            details.addObject().put("@type", TYPE_PREFIX + "Help").set("links", links);
        }
        if (!details.isEmpty()) {
            error.set("details", details);
        }
        ObjectNode root = Json.object();
        root.set("error", error);
        return new GoogleError(httpStatus, status, message, root, retryAfter);
    }

    /** Protobuf's JSON form of a Duration: seconds with a trailing "s", fractions only when there are some. */
    static String protoDuration(Duration d) {
        if (d.getNano() == 0) {
            return d.getSeconds() + "s";
        }
        String fraction = String.format("%09d", d.getNano()).replaceAll("0+$", "");
        return d.getSeconds() + "." + fraction + "s";
    }
}
