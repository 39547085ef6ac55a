package imagejobs.adapters.dynamo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import imagejobs.shared.errors.DependencyFailure;
import imagejobs.shared.errors.DependencyFailure.Dependency;
import imagejobs.shared.webhooks.WebhookSecretStore.Record;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;

/**
 * What DynamoDB Local cannot show (the contract in the local module covers the rest): a write applied whose answer
 * was lost, and DynamoDB not answering.
 */
class DynamoWebhookSecretStoreTest {
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00.123Z");

    /**
     * Fails every put's condition: after applying it (the SDK's second try of an applied write) or, with
     * {@code applies} false, without (another writer got there first); or is down.
     */
    static final class Table implements DynamoDbClient {
        Map<String, AttributeValue> item;
        boolean applies = true;
        boolean down;

        @Override
        public PutItemResponse putItem(PutItemRequest request) {
            if (down) {
                throw SdkClientException.create("Unable to execute HTTP request: connect timed out");
            }
            if (applies) {
                item = request.item();
            }
            throw ConditionalCheckFailedException.builder().message("The conditional request failed").build();
        }

        @Override
        public GetItemResponse getItem(GetItemRequest request) {
            if (down) {
                throw SdkClientException.create("Unable to execute HTTP request: connect timed out");
            }
            assertTrue(request.consistentRead(), "reads see the last write");
            return GetItemResponse.builder().item(item).build();
        }

        @Override
        public String serviceName() {
            return "dynamodb";
        }

        @Override
        public void close() {
        }
    }

    private final Table table = new Table();
    private final DynamoWebhookSecretStore store = new DynamoWebhookSecretStore(table, "secrets");

    @Test
    void aReplaceThatAppliedBeforeItsRetryFailedCountsAsWritten() {
        Record next = new Record("t", "v1.k.new", NOW, "v1.k.old", NOW.plusSeconds(86_400), 2);
        assertTrue(store.replace(next, 1), "not a lost race: a second rotation would drop the old secret");
        assertEquals(next, store.get("t").orElseThrow());
    }

    @Test
    void aReplaceLostToAnotherWriterIsFalse() {
        Record other = new Record("t", "v1.k.theirs", NOW, null, null, 2);
        table.item = Map.of("tenant", AttributeValue.fromS("t"), "current", AttributeValue.fromS("v1.k.theirs"),
                "current_since", AttributeValue.fromS("2026-03-01T10:00:00.123Z"), "version", AttributeValue.fromN("2"));
        table.applies = false;
        assertFalse(store.replace(new Record("t", "v1.k.mine", NOW, null, null, 2), 1));
        assertEquals(other, store.get("t").orElseThrow());
    }

    @Test
    void dynamoDbNotAnsweringIsADependencyFailureOfTheSecretsTable() {
        table.down = true;
        DependencyFailure read = assertThrows(DependencyFailure.class, () -> store.get("t"));
        assertEquals(Dependency.WEBHOOK_SECRETS_TABLE, read.dependency());
        assertTrue(read.isTransient());
        DependencyFailure write = assertThrows(DependencyFailure.class,
                () -> store.createIfAbsent(new Record("t", "v1.k.a", NOW, null, null, 1)));
        assertEquals(Dependency.WEBHOOK_SECRETS_TABLE, write.dependency());
    }
}
