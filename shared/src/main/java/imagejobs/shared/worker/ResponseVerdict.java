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
 * Whether a 200 answer is a result or a refusal. Gemini usually refuses with HTTP 200: a block reason, a safety
 * finish reason, or a plain STOP with only text and no image.
 */
public final class ResponseVerdict {
    static final Set<String> SAFETY = Set.of("SAFETY", "IMAGE_SAFETY", "PROHIBITED_CONTENT",
            "IMAGE_PROHIBITED_CONTENT", "BLOCKLIST", "SPII");
    static final Set<String> RECITATION = Set.of("RECITATION", "IMAGE_RECITATION");
    static final Set<String> NO_IMAGE = Set.of("NO_IMAGE", "IMAGE_OTHER");
    /** Finish reasons under which whatever images arrived are a result. */
    static final Set<String> COMPLETE = Set.of("STOP", "MAX_TOKENS", "FINISH_REASON_UNSPECIFIED");

    private ResponseVerdict() {
    }

    public static Optional<JobError> refusal(GeminiResponse response, ObjectNode request) {
        if (response.blockReason() != null) {
            return Optional.of(new JobError("SAFETY_BLOCKED", "Gemini blocked the prompt: " + response.blockReason()
                    + suffix(response.blockReasonMessage()), false));
        }
        String finish = response.finishReason();
        if (finish != null && SAFETY.contains(finish)) {
            return Optional.of(new JobError("SAFETY_BLOCKED", "Gemini stopped for safety: " + finish
                    + suffix(response.finishMessage()), false));
        }
        if (finish != null && RECITATION.contains(finish)) {
            return Optional.of(new JobError("RECITATION", "Gemini stopped because the output recited protected"
                    + " material: " + finish + suffix(response.finishMessage()), false));
        }
        if (finish != null && NO_IMAGE.contains(finish)) {
            return Optional.of(new JobError("NO_IMAGE", "Gemini produced no image: " + finish
                    + suffix(response.finishMessage()), false));
        }
        if (finish != null && !COMPLETE.contains(finish)) {
            return Optional.of(new JobError("UPSTREAM_ERROR", "Gemini stopped with finish reason " + finish
                    + suffix(response.finishMessage()), false));
        }
        if (response.images().isEmpty() && imageRequested(request)) {
            String text = response.parts().stream().filter(p -> p.text() != null && !p.thought())
                    .map(GeminiResponse.Part::text).reduce((a, b) -> a + "\n" + b).orElse("");
            return Optional.of(new JobError("NO_IMAGE", text.isBlank() ? "Gemini answered without an image"
                    : "Gemini answered without an image: " + abbreviate(text), false));
        }
        return Optional.empty();
    }

    /** Images are wanted unless responseModalities leaves IMAGE out. */
    static boolean imageRequested(ObjectNode request) {
        JsonNode modalities = request.path("generationConfig").path("responseModalities");
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

    public static String code(GeminiException.Kind kind) {
        return switch (kind) {
            case RATE_LIMITED -> "RATE_LIMITED";
            case UNAVAILABLE, CONNECTION, MALFORMED_RESPONSE -> "UPSTREAM_UNAVAILABLE";
            case TIMEOUT -> "TIMEOUT";
            case INVALID_REQUEST -> "INVALID_REQUEST";
            case AUTH -> "UPSTREAM_AUTH";
            case MODEL_NOT_FOUND -> "MODEL_UNAVAILABLE";
            case UPSTREAM_ERROR -> "UPSTREAM_ERROR";
        };
    }

    private static String suffix(String message) {
        return message == null || message.isBlank() ? "" : " (" + message + ")";
    }

    private static String abbreviate(String text) {
        return text.length() <= 500 ? text : text.substring(0, 500) + "…";
    }
}
