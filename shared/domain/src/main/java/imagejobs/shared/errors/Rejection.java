package imagejobs.shared.errors;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request the service turns down, for a reason the caller can act on: which {@link Kind} of refusal, a stable
 * {@code code} clients switch on, a message saying what was wrong and what is allowed, the field it concerns, and
 * when to come back. The domain throws it; each edge renders it in its own terms (functions/common as HTTP with
 * {@code {"error":{"code","message","field"}}}, the S3 edit trigger as a failed job, the Google-compatible routes in
 * Google's error shape).
 */
public class Rejection extends RuntimeException {

    /** The kinds of refusal, independent of how an edge reports them. */
    public enum Kind {
        /** The request is malformed or asks for something not allowed. */
        INVALID,
        /** No credentials, or credentials no one issued. */
        UNAUTHENTICATED,
        /** Valid credentials that may not do this (a disabled key). */
        FORBIDDEN,
        /** Nothing of the caller's by that name. */
        NOT_FOUND,
        /** The current state forbids it (a finished job cancelled, a reused idempotency key). */
        CONFLICT,
        /** The request is bigger than the service takes. */
        TOO_LARGE,
        /** The caller's budget is spent for now; see {@link #retryAfter()}. */
        RATE_LIMITED,
        /** The service could not do it right now (a dependency out of reach); nothing was done. */
        UNAVAILABLE
    }

    private final Kind kind;
    private final String code;
    private final String field;
    private final Duration retryAfter;
    private final Map<String, String> details;

    public Rejection(Kind kind, String code, String message) {
        this(kind, code, message, null, null, Map.of());
    }

    public Rejection(Kind kind, String code, String message, String field) {
        this(kind, code, message, field, null, Map.of());
    }

    /**
     * @param retryAfter when trying again makes sense, or null
     * @param details    extra string fields of the error (e.g. a job's {@code current_status}), in order
     */
    public Rejection(Kind kind, String code, String message, String field, Duration retryAfter,
                     Map<String, String> details) {
        super(message, null, false, false);
        this.kind = kind;
        this.code = code;
        this.field = field;
        this.retryAfter = retryAfter;
        this.details = details.isEmpty() ? Map.of() : new LinkedHashMap<>(details);
    }

    public Kind kind() {
        return kind;
    }

    public String code() {
        return code;
    }

    /** The field the refusal concerns, as the caller spelled it (e.g. {@code payload.aspect_ratio}), or null. */
    public String field() {
        return field;
    }

    /** When to come back, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    public Map<String, String> details() {
        return details;
    }

    public static Rejection invalid(String code, String message, String field) {
        return new Rejection(Kind.INVALID, code, message, field);
    }

    public static Rejection notFound(String message) {
        return new Rejection(Kind.NOT_FOUND, "NOT_FOUND", message);
    }
}
