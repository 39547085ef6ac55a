package imagejobs.shared.validation;

import imagejobs.shared.catalog.ModelSpec;

/**
 * What one request is checked against (model, tenant, reference rules) and what it adds up to across its parts:
 * reference images in user turns (the catalog's max_reference_images) and prompt text (the model's input limit).
 */
final class RequestContext {
    /** Seed 002: "~4 characters per token"; a coarse guard, so that only clearly oversized prompts are refused. */
    static final int CHARS_PER_TOKEN = 4;

    final ModelSpec model;
    final String tenant;
    final ImageReferences references;
    private int referenceImages;
    private String firstExcessImage;
    private long textChars;

    RequestContext(ModelSpec model, String tenant, ImageReferences references) {
        this.model = model;
        this.tenant = tenant;
        this.references = references;
    }

    /**
     * Counts an image the caller supplies (user turns, the simple form's image). The model's own earlier outputs in
     * model turns are conversation history, not reference images: multi-turn editing would otherwise stop after a few
     * turns on gemini-2.5-flash-image.
     */
    void referenceImage(String field) {
        referenceImages++;
        if (referenceImages > model.maxReferenceImages() && firstExcessImage == null) {
            firstExcessImage = field;
        }
    }

    void text(String text) {
        textChars += text.codePointCount(0, text.length());
    }

    int referenceImages() {
        return referenceImages;
    }

    /** Throws the limits this request exceeds, once all of it was read. */
    void checkTotals(String imagesField, String textField) {
        if (firstExcessImage != null) {
            throw new FieldError(FieldError.TOO_MANY_IMAGES, imagesField == null ? firstExcessImage : imagesField,
                    "the request carries " + referenceImages + " reference images; " + model.id() + " accepts at most "
                            + model.maxReferenceImages());
        }
        long limit = (long) model.maxInputTokens() * CHARS_PER_TOKEN;
        if (model.maxInputTokens() > 0 && textChars > limit) {
            throw new FieldError(FieldError.PROMPT_TOO_LONG, textField, "the prompt text is " + textChars
                    + " characters; " + model.id() + " takes at most " + model.maxInputTokens() + " input tokens (about "
                    + limit + " characters)");
        }
    }
}
