package imagejobs.it.submit;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import imagejobs.local.LocalStack;
import imagejobs.shared.auth.ApiKey;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.adapters.dynamo.JobItemMapper;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A tenant of its own for one test, with a fresh API key put into the stack's KeysTable the way an operator adds
 * one (hash only, through the functions' own {@link DynamoKeyStore}). Tests on the shared stack keep apart by tenant:
 * their jobs, rate counters and S3 prefixes never meet another test's.
 */
record TestTenant(String tenant, String key) {

    static TestTenant create(LocalStack stack, String purpose) {
        return create(stack, purpose, true, null);
    }

    /** {@code ratePerMinute} null: the function's default rate. */
    static TestTenant create(LocalStack stack, String purpose, boolean active, Integer ratePerMinute) {
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        String tenant = "it-" + purpose + "-" + suffix;
        String key = ApiKey.PREFIX + "it_" + purpose.replace('-', '_') + "_" + UUID.randomUUID().toString()
                .replace("-", "");
        String hash = ApiKey.hash(key);
        new DynamoKeyStore(stack.dynamoDb(), stack.tableName("KeysTable")).put(new KeyRecord(hash,
                ApiKey.idForHash(hash), tenant, active, ratePerMinute, Instant.now(), "integration test"));
        return new TestTenant(tenant, key);
    }

    /** This tenant's job items in the JobsTable (idempotency records carry no tenant and are not among them). */
    List<Map<String, AttributeValue>> jobItems(LocalStack stack) {
        return stack.dynamoDb().scanPaginator(r -> r.tableName(stack.tableName("JobsTable"))
                        .consistentRead(true)
                        .filterExpression("#tenant = :tenant")
                        .expressionAttributeNames(Map.of("#tenant", JobItemMapper.TENANT))
                        .expressionAttributeValues(Map.of(":tenant", AttributeValue.fromS(tenant))))
                .items().stream().toList();
    }

    /** The job item of one request, read consistently. */
    Map<String, AttributeValue> jobItem(LocalStack stack, String requestId) {
        Map<String, AttributeValue> item = stack.dynamoDb().getItem(r -> r.tableName(stack.tableName("JobsTable"))
                .consistentRead(true).key(Map.of(JobItemMapper.REQUEST_ID, AttributeValue.fromS(requestId)))).item();
        if (item == null || item.isEmpty()) {
            throw new AssertionError("no job item for " + requestId);
        }
        return item;
    }
}
