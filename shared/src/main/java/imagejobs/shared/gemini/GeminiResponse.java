package imagejobs.shared.gemini;

import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A parsed generateContent answer. Images were streamed to files while parsing (a 4K image is tens of MB of
 * base64 and never sits in memory as a string).
 */
public record GeminiResponse(
        List<Part> parts,
        String finishReason,
        String finishMessage,
        String blockReason,
        String blockReasonMessage,
        ObjectNode usageMetadata,
        String modelVersion,
        String responseId) {

    /** A part of the first candidate: text, or an image file; {@code thoughtSignature} kept byte for byte. */
    public record Part(String text, Path imageFile, String mimeType, long imageBytes, String thoughtSignature,
                       boolean thought) {
        public boolean isImage() {
            return imageFile != null;
        }
    }

    public List<Part> images() {
        return parts.stream().filter(p -> p.isImage() && !p.thought()).toList();
    }
}
