package imagejobs.shared.google;

import java.util.Map;

import imagejobs.shared.config.ConfigurationException;
import imagejobs.shared.config.Settings;

/**
 * How big a batch may be. Each request becomes a job polled by {@code GET /v1beta/batches/{id}}, which reads every
 * job of the batch (one DynamoDB BatchGetItem per 100) and answers within Lambda's 6 MB, so the cap is small by
 * default; the create body itself is bounded by {@code MAX_BODY_BYTES} like every submit.
 *
 * @param maxRequests      inlined requests per batch ({@code BATCH_MAX_REQUESTS}, default 100, at most 1000)
 * @param maxMetadataBytes one request's {@code metadata}, as JSON (kept on the batch record, which must stay well
 *                         under DynamoDB's 400 KB per item)
 * @param maxDisplayName   characters of {@code displayName}
 */
public record BatchLimits(int maxRequests, int maxMetadataBytes, int maxDisplayName) {
    public static final int DEFAULT_MAX_REQUESTS = 100;
    public static final int CEILING_MAX_REQUESTS = 1000;
    public static final BatchLimits DEFAULTS = new BatchLimits(DEFAULT_MAX_REQUESTS, 2048, 512);

    /** From the environment: {@code BATCH_MAX_REQUESTS}; a bad value fails the cold start with the reason. */
    public static BatchLimits fromEnvironment(Map<String, String> env) {
        String value = env.get(Settings.BATCH_MAX_REQUESTS);
        if (value == null || value.isBlank()) {
            return DEFAULTS;
        }
        int max;
        try {
            max = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new ConfigurationException("BATCH_MAX_REQUESTS must be a whole number from 1 to "
                    + CEILING_MAX_REQUESTS + "; got '" + value + "'");
        }
        if (max < 1 || max > CEILING_MAX_REQUESTS) {
            throw new ConfigurationException("BATCH_MAX_REQUESTS must be from 1 to " + CEILING_MAX_REQUESTS
                    + "; got " + max);
        }
        return new BatchLimits(max, metadataBytesFor(max), DEFAULTS.maxDisplayName());
    }

    /** All requests' metadata together stay under this, so the batch item stays under DynamoDB's 400 KB. */
    static final int METADATA_BUDGET_BYTES = 300_000;

    /**
     * The metadata allowance per request for a batch size: 2 KB, less above 146 requests (at 1000: 300 bytes), so
     * that the record of a full batch (ids and metadata) always fits one DynamoDB item.
     */
    public static int metadataBytesFor(int maxRequests) {
        return Math.min(DEFAULTS.maxMetadataBytes(), METADATA_BUDGET_BYTES / maxRequests);
    }
}
