package imagejobs.local.sqs;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.runtime.InvocationResult;
import imagejobs.shared.json.Json;

/**
 * Which messages of a batch failed, decided as Lambda decides: a function error or timeout fails the whole batch;
 * without ReportBatchItemFailures success means all succeeded; with it, the response's {@code batchItemFailures}
 * name the failed ones, and a null/empty response or list means none failed, while a malformed response (not an
 * object, an item without {@code itemIdentifier}, an empty or unknown id) fails the whole batch. Lambda applies the
 * same rules to stream batches, whose item identifiers are the records' sequence numbers (DynamoDbStreamPoller).
 */
public record BatchOutcome(Set<String> failedMessageIds, String reason) {

    public static BatchOutcome decide(InvocationResult result, List<String> messageIds, boolean reportItemFailures) {
        Set<String> all = Set.copyOf(messageIds);
        if (result.functionError()) {
            return new BatchOutcome(all, "function error " + result.errorType());
        }
        if (!reportItemFailures) {
            return new BatchOutcome(Set.of(), null);
        }
        JsonNode response;
        try {
            response = Json.MAPPER.readTree(result.payload() == null ? "null" : result.payload());
        } catch (Exception e) {
            return new BatchOutcome(all, "invalid JSON response");
        }
        if (response == null || response.isNull() || response.isEmpty() && response.isObject()) {
            return new BatchOutcome(Set.of(), null);
        }
        if (!response.isObject()) {
            return new BatchOutcome(all, "response is not a batch response object");
        }
        JsonNode failures = response.get("batchItemFailures");
        if (failures == null || failures.isNull()) {
            return new BatchOutcome(Set.of(), null);
        }
        if (!failures.isArray()) {
            return new BatchOutcome(all, "batchItemFailures is not a list");
        }
        Set<String> failed = new HashSet<>();
        for (JsonNode item : failures) {
            JsonNode id = item.get("itemIdentifier");
            if (id == null || !id.isTextual() || id.asText().isEmpty() || !all.contains(id.asText())) {
                return new BatchOutcome(all, "invalid itemIdentifier " + item);
            }
            failed.add(id.asText());
        }
        return new BatchOutcome(Set.copyOf(failed), failed.isEmpty() ? null : "reported item failures");
    }
}
