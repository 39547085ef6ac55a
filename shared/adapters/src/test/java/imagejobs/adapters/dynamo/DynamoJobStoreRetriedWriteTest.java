package imagejobs.adapters.dynamo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;

/**
 * A conditional write DynamoDB applied but whose answer was lost is sent again by the SDK, and that second try
 * fails its condition. Found by the reliability suite (a DynamoDB connection stalled, then cut): the worker took the
 * failed requeue for a lost lease and deleted the message, leaving the job queued for ever with nothing to bring it
 * back; a finished job had no terminal log line; a submit whose put was retried answered 500 and left a queued job
 * without a message. Here every write fails its condition and the table shows what the write would have set.
 */
class DynamoJobStoreRetriedWriteTest {
    private static final Instant CREATED = Instant.parse("2026-11-23T10:00:00.123Z");
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:05.456Z");
    private static final String ID = "01M8480000000000000000000A";

    /** Every write fails its condition (as a retry of an applied write does); reads return {@link #item}. */
    static final class RetriedWrites implements DynamoDbClient {
        Map<String, AttributeValue> item;

        @Override
        public UpdateItemResponse updateItem(UpdateItemRequest request) {
            throw ConditionalCheckFailedException.builder().message("The conditional request failed").build();
        }

        @Override
        public PutItemResponse putItem(PutItemRequest request) {
            throw ConditionalCheckFailedException.builder().message("The conditional request failed").build();
        }

        @Override
        public GetItemResponse getItem(GetItemRequest request) {
            assertTrue(request.consistentRead(), "the check after a failed condition reads consistently");
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

    private final RetriedWrites dynamo = new RetriedWrites();
    private final DynamoJobStore store = new DynamoJobStore(dynamo, "jobs");

    private static Job job(JobStatus status, int attempts, Instant retryAt, String lastError, Instant completedAt,
                           JobError error, ObjectNode outcome) {
        Job queued = Job.queued(ID, "tenant-a", "gemini-2.5-flash-image", Job.SOURCE_API, null, "{}", null, "hash",
                CREATED, CREATED.plus(Duration.ofDays(30)));
        return new Job(ID, queued.tenant(), queued.model(), status, queued.source(), null, queued.createdAt(), NOW,
                CREATED, completedAt, attempts, status == JobStatus.PROCESSING ? NOW.plusSeconds(360) : null, retryAt,
                "{}", null, "hash", outcome, error, lastError, queued.expiresAt());
    }

    @Test
    void aRequeueThatLandedBeforeItsRetryCountsAsDone() {
        Instant retryAt = NOW.plusSeconds(4);
        dynamo.item = JobItemMapper.toItem(job(JobStatus.QUEUED, 2, retryAt, "UPSTREAM_UNAVAILABLE: 503", null, null,
                null));
        assertTrue(store.requeue(ID, 2, "UPSTREAM_UNAVAILABLE: 503", retryAt, NOW));
    }

    @Test
    void aRequeueRefusedForAnotherStateIsStillRefused() {
        Instant retryAt = NOW.plusSeconds(4);
        dynamo.item = JobItemMapper.toItem(job(JobStatus.PROCESSING, 3, null, "x", null, null, null));
        assertFalse(store.requeue(ID, 2, "x", retryAt, NOW), "another worker took attempt 3");
        dynamo.item = JobItemMapper.toItem(job(JobStatus.QUEUED, 2, retryAt.plusMillis(1), "x", null, null, null));
        assertFalse(store.requeue(ID, 2, "x", retryAt, NOW), "someone else's requeue");
    }

    @Test
    void aCompletionThatLandedBeforeItsRetryCountsAsDone() {
        ObjectNode outcome = Json.object().put("text", "done");
        dynamo.item = JobItemMapper.toItem(job(JobStatus.SUCCESS, 2, null, null, NOW, null, outcome));
        assertTrue(store.complete(ID, 2, outcome, 1, NOW));
        dynamo.item = JobItemMapper.toItem(job(JobStatus.SUCCESS, 3, null, null, NOW, null, outcome));
        assertFalse(store.complete(ID, 2, outcome, 1, NOW), "attempt 3 finished it, not us");
    }

    @Test
    void aFailureThatLandedBeforeItsRetryCountsAsDone() {
        JobError error = new JobError("INVALID_REQUEST", "HTTP 400", false);
        dynamo.item = JobItemMapper.toItem(job(JobStatus.FAILED, 1, null, null, NOW, error, null));
        assertTrue(store.fail(ID, 1, error, NOW));
        assertTrue(store.failUnfinished(ID, error, NOW));
        assertTrue(store.failUnleased(ID, error, NOW));
        JobError deadLettered = new JobError("DEAD_LETTERED", "gone", true);
        assertFalse(store.fail(ID, 1, deadLettered, NOW), "the dead-letter consumer failed it, not us");
    }

    @Test
    void aCreateThatLandedBeforeItsRetryCountsAsCreated() {
        Job mine = job(JobStatus.QUEUED, 0, null, null, null, null, null);
        dynamo.item = JobItemMapper.toItem(mine);
        assertTrue(store.create(mine));
        Job other = new Job(ID, "tenant-b", mine.model(), JobStatus.QUEUED, mine.source(), null, mine.createdAt(),
                NOW, null, null, 0, null, null, "{}", null, "other-hash", null, null, null, mine.expiresAt());
        dynamo.item = JobItemMapper.toItem(other);
        assertFalse(store.create(mine), "a real id collision");
    }

    @Test
    void aClaimIsNeverTakenForLandedWhenItsConditionFails() {
        // Two claims in the same millisecond would look alike: a failed claim stays failed (the lease then decides).
        dynamo.item = JobItemMapper.toItem(job(JobStatus.PROCESSING, 1, null, null, null, null, null));
        assertEquals(java.util.Optional.empty(), store.claim(ID, NOW, NOW.plusSeconds(360)));
    }
}
