package imagejobs.shared.gemini;

import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A parsed generateContent answer (first candidate). Images were streamed to files while parsing (a 4K image is
 * tens of MB of base64 and never sits in memory as a string).
 *
 * @param candidateCount how many candidates the answer had (0: Gemini produced nothing, usually a silent block)
 */
public record GeminiResponse(
        List<Part> parts,
        String finishReason,
        String finishMessage,
        String blockReason,
        String blockReasonMessage,
        ObjectNode usageMetadata,
        String modelVersion,
        String responseId,
        int candidateCount) {

    /** A part of the first candidate: text, or an image file; {@code thoughtSignature} kept byte for byte. */
    public record Part(String text, Path imageFile, String mimeType, long imageBytes, String thoughtSignature,
                       boolean thought) {
        public boolean isImage() {
            return imageFile != null;
        }
    }

    /** The answer's images: thought parts are the model's drafts, not results. */
    public List<Part> images() {
        return parts.stream().filter(p -> p.isImage() && !p.thought()).toList();
    }

    /** The answer's text parts joined by newlines, thoughts left out; null when there are none. */
    public String text() {
        List<String> texts = parts.stream().filter(p -> p.text() != null && !p.thought()).map(Part::text).toList();
        return texts.isEmpty() ? null : String.join("\n", texts);
    }
}
