package imagejobs.local.gemini;

import java.math.BigDecimal;
import java.time.Duration;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/**
 * Gemini's answer to a call over quota, as the Gemini API sends it (HTTP 429, {@code RESOURCE_EXHAUSTED}): the
 * message naming the metric, the limit and the model with "Please retry in …s.", then a {@code QuotaFailure} detail
 * (metric, quota id, dimensions model and location, the limit as a string), a {@code Help} link and a
 * {@code RetryInfo} whose {@code retryDelay} is a protobuf Duration in whole seconds. Gemini sends no Retry-After
 * header with it.
 */
final class QuotaErrors {
    static final String REQUESTS_METRIC = "generativelanguage.googleapis.com/generate_content_paid_tier_requests";
    static final String REQUESTS_PER_MINUTE = "GenerateRequestsPerMinutePerProjectPerModel";
    /**
     * Gemini publishes no quota on calls in flight: the simulator's own concurrency limit answers in the same shape
     * under a name of its own.
     */
    static final String CONCURRENT_METRIC = "generativelanguage.googleapis.com/generate_content_concurrent_requests";
    static final String CONCURRENT_PER_MODEL = "GenerateContentConcurrentRequestsPerProjectPerModel";

    private QuotaErrors() {
    }

    /**
     * @param retryIn how long until a call would be accepted: the message states it exactly, RetryInfo rounds it up
     *                to whole seconds (so a caller that waits that long is accepted)
     */
    static GeminiError exceeded(String model, String metric, String quotaId, long limit, Duration retryIn) {
        long wholeSeconds = Math.max(1, (retryIn.toMillis() + 999) / 1000);
        GeminiError error = new GeminiError(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, please"
                + " check your plan and billing details. For more information on this error, head to:"
                + " https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to:"
                + " https://ai.dev/usage?tab=rate-limit. \n* Quota exceeded for metric: " + metric + ", limit: "
                + limit + ", model: " + model + "\nPlease retry in " + seconds(retryIn) + "s.");
        ObjectNode violation = Json.object().put("quotaMetric", metric).put("quotaId", quotaId);
        violation.putObject("quotaDimensions").put("location", "global").put("model", model);
        violation.put("quotaValue", Long.toString(limit));
        ObjectNode quotaFailure = Json.object().put("@type", "type.googleapis.com/google.rpc.QuotaFailure");
        quotaFailure.putArray("violations").add(violation);
        ObjectNode help = Json.object().put("@type", "type.googleapis.com/google.rpc.Help");
        help.putArray("links").addObject()
                .put("description", "Learn more about Gemini API quotas")
                .put("url", "https://ai.google.dev/gemini-api/docs/rate-limits");
        return error.detail(quotaFailure).detail(help).detail(FaultErrors.retryInfo((int) Math.min(Integer.MAX_VALUE,
                wholeSeconds)));
    }

    /** "37.123456789", "2": Gemini's way of writing the exact wait in the message. */
    private static String seconds(Duration d) {
        return new BigDecimal(d.toNanos()).movePointLeft(9).stripTrailingZeros().toPlainString();
    }
}
