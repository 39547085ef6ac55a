package imagejobs.shared.catalog;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** One public model of the catalog: what it accepts, what it produces, and which upstream model serves it. */
public record ModelSpec(
        String id,
        String upstreamModel,
        String displayName,
        String description,
        List<String> aspectRatios,
        List<String> imageSizes,
        String defaultImageSize,
        int maxReferenceImages,
        List<String> inputMimeTypes,
        String outputMimeType,
        boolean thoughtSignatures,
        int maxInputTokens,
        int timeoutSeconds,
        Map<String, Integer> tokensPerImage,
        Map<String, Map<String, int[]>> resolutions,
        ObjectNode json) {
    /**
     * Seed 004: "Max 7MB inline": the largest image a request may carry inline (or an edit upload may be, or a
     * reference download may bring), unless the catalog sets {@code max_inline_image_bytes} for the model.
     */
    public static final long DEFAULT_MAX_INLINE_IMAGE_BYTES = 7L * 1024 * 1024;

    /** The largest image, in bytes, the model takes: its catalog's {@code max_inline_image_bytes}, else 7 MiB. */
    public long maxInlineImageBytes() {
        return json == null ? DEFAULT_MAX_INLINE_IMAGE_BYTES
                : json.path("max_inline_image_bytes").asLong(DEFAULT_MAX_INLINE_IMAGE_BYTES);
    }


    public boolean supportsAspectRatio(String ratio) {
        return aspectRatios.contains(ratio);
    }

    public boolean supportsImageSize(String canonicalSize) {
        return imageSizes.contains(canonicalSize);
    }

    public boolean acceptsInput(String mimeType) {
        return inputMimeTypes.contains(mimeType);
    }

    /** Width and height Gemini produces for a ratio and size (size null: the default size). */
    public Optional<int[]> resolution(String aspectRatio, String canonicalSize) {
        Map<String, int[]> table = resolutions.get(canonicalSize == null ? defaultImageSize : canonicalSize);
        return table == null ? Optional.empty() : Optional.ofNullable(table.get(aspectRatio));
    }
}
