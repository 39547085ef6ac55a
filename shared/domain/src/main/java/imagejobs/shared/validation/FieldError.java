package imagejobs.shared.validation;
import imagejobs.shared.errors.Rejection;


/**
 * A request field that is wrong: names the field (as the caller spelled it), the value and what is allowed.
 * Always a {@link Rejection.Kind#INVALID} refusal (HTTP 400). The codes are part of the API: clients switch on them, so they never change meaning.
 */
public final class FieldError extends Rejection {
    /** A required field is absent (or null). */
    public static final String MISSING_FIELD = "MISSING_FIELD";
    /** A field Gemini does not know at this level (Gemini answers "Unknown name" for these too). */
    public static final String UNKNOWN_FIELD = "UNKNOWN_FIELD";
    /** A Gemini field this service cannot honour (tools, cached content, audio). */
    public static final String UNSUPPORTED_FIELD = "UNSUPPORTED_FIELD";
    /** Wrong JSON type, malformed or contradictory value. */
    public static final String INVALID_FIELD = "INVALID_FIELD";
    /** A number outside its documented range. */
    public static final String OUT_OF_RANGE = "OUT_OF_RANGE";
    public static final String UNKNOWN_MODEL = "UNKNOWN_MODEL";
    public static final String UNSUPPORTED_ASPECT_RATIO = "UNSUPPORTED_ASPECT_RATIO";
    public static final String UNSUPPORTED_IMAGE_SIZE = "UNSUPPORTED_IMAGE_SIZE";
    public static final String UNSUPPORTED_MIME_TYPE = "UNSUPPORTED_MIME_TYPE";
    public static final String TOO_MANY_IMAGES = "TOO_MANY_IMAGES";
    public static final String INVALID_BASE64 = "INVALID_BASE64";
    /** The bytes are no image of a supported format. */
    public static final String INVALID_IMAGE = "INVALID_IMAGE";
    /** The declared MIME type is not what the bytes' magic number says. */
    public static final String MIME_TYPE_MISMATCH = "MIME_TYPE_MISMATCH";
    public static final String IMAGE_TOO_LARGE = "IMAGE_TOO_LARGE";
    public static final String INVALID_REFERENCE = "INVALID_REFERENCE";
    /** A webhook URL this service does not send to (not https, a private address, Gemini's host, ...). */
    public static final String INVALID_WEBHOOK = "INVALID_WEBHOOK";
    public static final String INVALID_ROLE = "INVALID_ROLE";
    public static final String LAST_TURN_NOT_USER = "LAST_TURN_NOT_USER";
    /** A turn with no parts, or none left once empty template parts were dropped. */
    public static final String EMPTY_TURN = "EMPTY_TURN";
    /** A part with no data member, or more than one. */
    public static final String INVALID_PART = "INVALID_PART";
    public static final String MISSING_THOUGHT_SIGNATURE = "MISSING_THOUGHT_SIGNATURE";
    public static final String PROMPT_TOO_LONG = "PROMPT_TOO_LONG";

    public FieldError(String code, String field, String message) {
        super(Kind.INVALID, code, message, field);
    }

    public static FieldError invalid(String field, String message) {
        return new FieldError(INVALID_FIELD, field, message);
    }

    public static FieldError missing(String field, String message) {
        return new FieldError(MISSING_FIELD, field, message);
    }
}
