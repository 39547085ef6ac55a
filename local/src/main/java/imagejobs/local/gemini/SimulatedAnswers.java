package imagejobs.local.gemini;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.catalog.ModelSpec;
import imagejobs.shared.json.Json;

/**
 * The HTTP 200 bodies Gemini answers generateContent with: images (with text unless only IMAGE was asked for),
 * a refusal without image, a candidate stopped for a finishReason, or a prompt blocked before generation.
 * Shapes follow Google's REST responses (camelCase, {@code usageMetadata}, {@code modelVersion},
 * {@code responseId}) so Google's own SDK parses them.
 */
final class SimulatedAnswers {
    /** Gemini's charge for an input image at default media resolution. */
    static final int TOKENS_PER_INPUT_IMAGE = 258;

    private static final Set<String> SAFETY_REASONS = Set.of("SAFETY", "IMAGE_SAFETY", "PROHIBITED_CONTENT",
            "IMAGE_PROHIBITED_CONTENT", "BLOCKLIST", "SPII");
    private static final String[] HARM_CATEGORIES = {"HARM_CATEGORY_SEXUALLY_EXPLICIT", "HARM_CATEGORY_HATE_SPEECH",
            "HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_DANGEROUS_CONTENT"};

    private final ImageFactory images;
    private final ThoughtSignatures signatures;
    private final SecureRandom random = new SecureRandom();

    SimulatedAnswers(ImageFactory images, ThoughtSignatures signatures) {
        this.images = images;
        this.signatures = signatures;
    }

    /** The normal answer: {@code count} images of the catalog's size, plus a text part when TEXT is wanted. */
    ObjectNode generated(SimulatedRequest request, int count, boolean noise) {
        ModelSpec model = request.model();
        int[] size = request.resolution();
        ArrayNode parts = Json.array();
        String text = null;
        if (request.wantText()) {
            String prompt = summary(request.lastUserText());
            text = count == 1 ? "Here is your image: " + prompt : "Here are your " + count + " images: " + prompt;
            parts.add(signed(model, Json.object().put("text", text)));
        }
        for (int i = 0; i < count; i++) {
            ImageFactory.EncodedImage image = images.image(model.outputMimeType(), size[0], size[1], noise);
            ObjectNode part = Json.object();
            part.putObject("inlineData").put("mimeType", image.mimeType()).put("data", image.base64());
            parts.add(signed(model, part));
        }
        int imageTokens = model.tokensPerImage().getOrDefault(request.imageSize(), 1290) * count;
        return answer(request, candidate(parts, "STOP"), imageTokens, textTokens(text));
    }

    /** IMAGE not among the response modalities: the model describes instead of drawing. */
    ObjectNode textOnly(SimulatedRequest request) {
        String text = "I would draw this for you: " + summary(request.lastUserText());
        ArrayNode parts = Json.array().add(signed(request.model(), Json.object().put("text", text)));
        return answer(request, candidate(parts, "STOP"), 0, textTokens(text));
    }

    /** Gemini's frequent soft refusal: HTTP 200, STOP, a text part and no image. */
    ObjectNode refusal(SimulatedRequest request) {
        String text = "I'm unable to create this image. I can't generate images of that kind; please try a"
                + " different request.";
        ArrayNode parts = Json.array().add(signed(request.model(), Json.object().put("text", text)));
        return answer(request, candidate(parts, "STOP"), 0, textTokens(text));
    }

    /** A candidate that ended for {@code reason} without an image (safety-like reasons carry ratings). */
    ObjectNode finished(SimulatedRequest request, String reason) {
        ObjectNode candidate = Json.object().put("finishReason", reason).put("index", 0);
        if (reason.startsWith("IMAGE_") || reason.equals("NO_IMAGE")) {
            candidate.put("finishMessage", "Unable to show the generated image. The image was filtered out"
                    + " because it violated Google's Generative AI Prohibited Use policy. You will not be charged"
                    + " for blocked images. Try rephrasing the prompt.");
        }
        if (SAFETY_REASONS.contains(reason)) {
            candidate.set("safetyRatings", safetyRatings());
        }
        return answer(request, candidate, 0, 0);
    }

    /** The prompt itself was blocked: promptFeedback and no candidates at all. */
    ObjectNode blocked(SimulatedRequest request, String reason) {
        ObjectNode body = Json.object();
        ObjectNode feedback = body.putObject("promptFeedback").put("blockReason", reason);
        if (SAFETY_REASONS.contains(reason)) {
            feedback.set("safetyRatings", safetyRatings());
        }
        body.set("usageMetadata", usage(request, 0, 0, false));
        body.put("modelVersion", request.model().upstreamModel());
        body.put("responseId", responseId());
        return body;
    }

    private ObjectNode answer(SimulatedRequest request, ObjectNode candidate, int imageTokens, int textTokens) {
        ObjectNode body = Json.object();
        body.putArray("candidates").add(candidate);
        ObjectNode usage = usage(request, imageTokens, textTokens, true);
        body.set("usageMetadata", usage);
        body.put("modelVersion", request.model().upstreamModel());
        body.put("responseId", responseId());
        return body;
    }

    private static ObjectNode candidate(ArrayNode parts, String finishReason) {
        ObjectNode candidate = Json.object();
        ObjectNode content = candidate.putObject("content");
        content.set("parts", parts);
        content.put("role", "model");
        return candidate.put("finishReason", finishReason).put("index", 0);
    }

    /**
     * Gemini 3 signs every part it answers with (the first one and each image); the signature comes last, after
     * the data, as upstream writes it.
     */
    private ObjectNode signed(ModelSpec model, ObjectNode part) {
        return model.thoughtSignatures() ? part.put("thoughtSignature", signatures.issue()) : part;
    }

    private ObjectNode usage(SimulatedRequest request, int imageTokens, int textTokens, boolean generated) {
        int promptText = Math.max(1, (request.promptChars() + 3) / 4);
        int promptImages = TOKENS_PER_INPUT_IMAGE * request.inputImages();
        int prompt = promptText + promptImages;
        int candidates = imageTokens + textTokens;
        // Gemini 3 image models think before drawing and bill it separately.
        int thoughts = generated && request.model().thoughtSignatures() ? 120 + request.promptChars() % 97 : 0;
        ObjectNode usage = Json.object().put("promptTokenCount", prompt);
        if (generated) {
            usage.put("candidatesTokenCount", candidates);
        }
        usage.put("totalTokenCount", prompt + candidates + thoughts);
        ArrayNode promptDetails = usage.putArray("promptTokensDetails");
        promptDetails.addObject().put("modality", "TEXT").put("tokenCount", promptText);
        if (promptImages > 0) {
            promptDetails.addObject().put("modality", "IMAGE").put("tokenCount", promptImages);
        }
        if (imageTokens > 0) {
            usage.putArray("candidatesTokensDetails").addObject().put("modality", "IMAGE")
                    .put("tokenCount", imageTokens);
        }
        if (thoughts > 0) {
            usage.put("thoughtsTokenCount", thoughts);
        }
        return usage;
    }

    private static ArrayNode safetyRatings() {
        ArrayNode ratings = Json.array();
        for (String category : HARM_CATEGORIES) {
            ObjectNode rating = ratings.addObject().put("category", category);
            if (category.equals(HARM_CATEGORIES[0])) {
                rating.put("probability", "HIGH").put("blocked", true);
            } else {
                rating.put("probability", "NEGLIGIBLE");
            }
        }
        return ratings;
    }

    private static int textTokens(String text) {
        return text == null ? 0 : (text.length() + 3) / 4;
    }

    private static String summary(String prompt) {
        String clean = FaultDirectives.withoutMarkers(prompt);
        if (clean.isEmpty()) {
            return "an image.";
        }
        return clean.length() > 120 ? clean.substring(0, 120) + "..." : clean;
    }

    /** Gemini's response ids are 23 URL-safe base64 characters (17 random bytes). */
    private String responseId() {
        byte[] bytes = new byte[17];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
