package imagejobs.shared.validation;

import imagejobs.shared.http.ApiException;

/** A request field that is wrong: names the field, the value and what is allowed. Always HTTP 400. */
public final class FieldError extends ApiException {
    public FieldError(String code, String field, String message) {
        super(400, code, message, field);
    }

    public static FieldError invalid(String field, String message) {
        return new FieldError("INVALID_REQUEST", field, message);
    }
}
