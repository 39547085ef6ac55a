package imagejobs.shared.validation;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.catalog.ModelSpec;

/**
 * An accepted request in one canonical Gemini form (camelCase field names, canonical values such as {@code 1K},
 * {@code 512}). Inline image data is still present here; the submit service moves it to S3 before the job is
 * stored, so the worker never re-parses user JSON and DynamoDB never holds base64.
 */
public record CanonicalRequest(ModelSpec model, ObjectNode gemini) {
}
