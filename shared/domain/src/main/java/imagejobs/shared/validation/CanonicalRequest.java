package imagejobs.shared.validation;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.catalog.ModelSpec;

/**
 * An accepted request in one canonical Gemini form: camelCase field names as Google's REST reference spells them,
 * canonical values ({@code 1K}, {@code 512}, {@code IMAGE}), fields in a fixed order (so equal requests serialise
 * equally), template parts dropped. Inline image data is still present here; the submit service moves it to S3
 * before the job is stored, so the worker never re-parses user JSON and DynamoDB never holds base64.
 */
public record CanonicalRequest(ModelSpec model, ObjectNode gemini) {
}
