package imagejobs.shared.worker;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.gemini.GeminiException;
import imagejobs.shared.gemini.GeminiResponse;
import imagejobs.shared.jobs.JobError;

/**
 * Whether a 200 answer is a result or a refusal, and which error code a failure gets. Gemini usually refuses with
 * HTTP 200: a block reason, a safety finish reason, or a plain STOP with only text and no image.
 *
 * <pre>
 * promptFeedback.blockReason (any)                                                  → SAFETY_BLOCKED
 * SAFETY, IMAGE_SAFETY, PROHIBITED_CONTENT, IMAGE_PROHIBITED_CONTENT, BLOCKLIST, SPII → SAFETY_BLOCKED
 * RECITATION, IMAGE_RECITATION                                                      → RECITATION
 * NO_IMAGE, IMAGE_OTHER                                                             → NO_IMAGE
 * STOP, MAX_TOKENS, FINISH_REASON_UNSPECIFIED, none: images present                 → success
 *                                                    no image but one was asked for → NO_IMAGE
 * no candidate at all                                                               → NO_IMAGE
 * LANGUAGE, OTHER, MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL, TOO_MANY_TOOL_CALLS,
 * MISSING_THOUGHT_SIGNATURE, MALFORMED_RESPONSE, anything new                       → UPSTREAM_ERROR
 * </pre>
 */
public final class ResponseVerdict {
    static final Set<String> SAFETY = Set.of("SAFETY", "IMAGE_SAFETY", "PROHIBITED_CONTENT",
            "IMAGE_PROHIBITED_CONTENT", "BLOCKLIST", "SPII");
    static final Set<String> RECITATION = Set.of("RECITATION", "IMAGE_RECITATION");
    static final Set<String> NO_IMAGE = Set.of("NO_IMAGE", "IMAGE_OTHER");
    /** Finish reasons under which whatever images arrived are a result (images are whole once they arrive). */
    static final Set<String> COMPLETE = Set.of("STOP", "MAX_TOKENS", "FINISH_REASON_UNSPECIFIED");

    public static final String SAFETY_BLOCKED = "SAFETY_BLOCKED";
    public static final String RECITATION_CODE = "RECITATION";
    public static final String NO_IMAGE_CODE = "NO_IMAGE";
    public static final String UPSTREAM_ERROR = "UPSTREAM_ERROR";

    private ResponseVerdict() {
    }

    public static Optional<JobError> refusal(GeminiResponse response, ObjectNode request) {
        if (response.blockReason() != null) {
            return fail(SAFETY_BLOCKED, "Gemini blocked the prompt: " + response.blockReason()
                    + suffix(response.blockReasonMessage()));
        }
        String finish = response.finishReason();
        if (finish != null && SAFETY.contains(finish)) {
            return fail(SAFETY_BLOCKED, "Gemini stopped for safety: " + finish + suffix(response.finishMessage()));
        }
        if (finish != null && RECITATION.contains(finish)) {
            return fail(RECITATION_CODE, "Gemini stopped because the output recited protected material: " + finish
                    + suffix(response.finishMessage()));
        }
        if (finish != null && NO_IMAGE.contains(finish)) {
            return fail(NO_IMAGE_CODE, "Gemini produced no image: " + finish + suffix(response.finishMessage()));
        }
        if ("MISSING_THOUGHT_SIGNATURE".equals(finish)) {
            return fail(UPSTREAM_ERROR, "Gemini stopped with MISSING_THOUGHT_SIGNATURE: send next_turn_contents back"
                    + " unchanged (each part's thoughtSignature exactly as returned)" + suffix(response.finishMessage()));
        }
        if (finish != null && !COMPLETE.contains(finish)) {
            return fail(UPSTREAM_ERROR, "Gemini stopped with finish reason " + finish + suffix(response.finishMessage()));
        }
        if (response.candidateCount() == 0) {
            return fail(NO_IMAGE_CODE, "Gemini returned no candidate (usually a silent content refusal)");
        }
        if (response.images().isEmpty() && imageRequested(request)) {
            String text = response.text();
            String why = "MAX_TOKENS".equals(finish) ? " before the token limit" : "";
            return fail(NO_IMAGE_CODE, text == null || text.isBlank() ? "Gemini answered without an image" + why
                    : "Gemini answered without an image" + why + ": " + abbreviate(text));
        }
        return Optional.empty();
    }

    /** Images are wanted unless responseModalities leaves IMAGE out. */
    static boolean imageRequested(ObjectNode request) {
        JsonNode config = request.has("generationConfig") ? request.get("generationConfig")
                : request.path("generation_config");
        JsonNode modalities = config.has("responseModalities") ? config.get("responseModalities")
                : config.path("response_modalities");
        if (!modalities.isArray() || modalities.isEmpty()) {
            return true;
        }
        for (JsonNode m : modalities) {
            if ("IMAGE".equals(m.asText().toUpperCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    /** Error code of a failed call (after the last attempt for retryable kinds). */
    public static String code(GeminiException.Kind kind) {
        return switch (kind) {
            case RATE_LIMITED -> "RATE_LIMITED";
            case UNAVAILABLE, CONNECTION, MALFORMED_RESPONSE -> "UPSTREAM_UNAVAILABLE";
            case TIMEOUT -> "TIMEOUT";
            case INVALID_REQUEST -> "INVALID_REQUEST";
            case AUTH -> "UPSTREAM_AUTH";
            case MODEL_NOT_FOUND -> "MODEL_UNAVAILABLE";
            case UPSTREAM_ERROR -> UPSTREAM_ERROR;
        };
    }

    private static Optional<JobError> fail(String code, String message) {
        return Optional.of(new JobError(code, message, false));
    }

    private static String suffix(String message) {
        return message == null || message.isBlank() ? "" : " (" + message + ")";
    }

    private static String abbreviate(String text) {
        return text.length() <= 500 ? text : text.substring(0, 500) + "…";
    }
}
