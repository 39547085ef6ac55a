package imagejobs.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;

import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.webhooks.JobChange;
import imagejobs.shared.webhooks.WebhookEvent;
import imagejobs.shared.webhooks.WebhookSubscription;

/** The sample stream event in events/ read as job changes, with the job store's attribute names. */
class StreamRecordsTest {
    static final String A = "01JQ4Z8B6N6M3W9Q2Y7K5T1D0A";
    static final String B = "01JQ4Z8B6N6M3W9Q2Y7K5T1D0B";
    static final String C = "01JQ4Z8B6N6M3W9Q2Y7K5T1D0C";
    static final String D = "01JQ4Z8B6N6M3W9Q2Y7K5T1D0D";
    static final String HOOK = "https://hooks.example.com/imagejobs?token=abc";

    static DynamodbEvent event() {
        return EventLoader.loadDynamoDbEvent(Path.of("../../events/webhook-dispatch-stream.json").toAbsolutePath()
                .normalize().toString());
    }

    static String sequence(int record) {
        return new java.math.BigInteger("111000000000000000000").add(java.math.BigInteger.valueOf(record * 100L)).toString();
    }

    @Test
    void everyJobRecordBecomesAChangeAndTheIdempotencyItemIsSkipped() {
        List<StreamRecords.Entry> entries = StreamRecords.read(event());

        WebhookSubscription both = WebhookSubscription.of(HOOK, EnumSet.of(WebhookEvent.START, WebhookEvent.COMPLETED));
        WebhookSubscription completed = WebhookSubscription.of(HOOK, EnumSet.of(WebhookEvent.COMPLETED));
        assertEquals(List.of(
                new StreamRecords.Entry(sequence(1), new JobChange(A, "tenant-a", null, JobStatus.QUEUED, 0, both)),
                new StreamRecords.Entry(sequence(3),
                        new JobChange(A, "tenant-a", JobStatus.QUEUED, JobStatus.PROCESSING, 1, both)),
                new StreamRecords.Entry(sequence(4),
                        new JobChange(A, "tenant-a", JobStatus.PROCESSING, JobStatus.SUCCESS, 1, both)),
                new StreamRecords.Entry(sequence(5),
                        new JobChange(A, "tenant-a", JobStatus.SUCCESS, JobStatus.SUCCESS, 1, both)),
                new StreamRecords.Entry(sequence(6),
                        new JobChange(B, "tenant-a", JobStatus.QUEUED, JobStatus.CANCELLED, 0, null)),
                new StreamRecords.Entry(sequence(7), new JobChange(C, "tenant-a", null, JobStatus.FAILED, 0, completed)),
                new StreamRecords.Entry(sequence(8),
                        new JobChange(D, "tenant-a", JobStatus.QUEUED, JobStatus.CANCELLED, 0, completed)),
                new StreamRecords.Entry(sequence(9), new JobChange(A, "tenant-a", JobStatus.SUCCESS, null, 0, both))),
                entries);
    }

    @Test
    void whatTheChangesFire() {
        List<String> fired = StreamRecords.read(event()).stream()
                .flatMap(e -> e.change().events().stream().map(ev -> e.change().requestId().substring(25) + ":" + ev.wire()))
                .toList();
        assertEquals(List.of("A:start", "A:completed", "C:completed", "D:completed"), fired);
    }

    @Test
    void anEmptyEventHasNoChanges() {
        assertEquals(List.of(), StreamRecords.read(new DynamodbEvent()));
        assertEquals(List.of(), StreamRecords.read(null));
    }
}
