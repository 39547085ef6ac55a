package imagejobs.local.gemini;

import imagejobs.shared.catalog.ModelSpec;

/**
 * A generateContent request that passed every check, reduced to what the answer depends on.
 *
 * @param model        the catalog entry whose upstream model id the path named
 * @param aspectRatio  the requested ratio, 1:1 when none was given
 * @param imageSize    the canonical size the image is produced at (the model's default when none was given)
 * @param wantText     TEXT among the response modalities (Gemini's default answers text and image)
 * @param wantImage    IMAGE among the response modalities
 * @param lastUserText the text parts of the last user turn, joined: where fault directives are read
 * @param promptChars  characters of every text part and the system instruction, for token counts
 * @param inputImages  inline or file images anywhere in the conversation, for token counts
 */
record SimulatedRequest(
        ModelSpec model,
        String aspectRatio,
        String imageSize,
        boolean wantText,
        boolean wantImage,
        String lastUserText,
        int promptChars,
        int inputImages) {

    int[] resolution() {
        return model.resolution(aspectRatio, imageSize).orElseThrow(() -> new IllegalStateException(
                "catalog has no resolution for " + model.id() + " " + aspectRatio + " " + imageSize));
    }
}
