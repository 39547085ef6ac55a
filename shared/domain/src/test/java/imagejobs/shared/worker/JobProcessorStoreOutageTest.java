package imagejobs.shared.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.gemini.GeminiClient;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.log.Metrics;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.queue.JobQueue;
import imagejobs.testing.InMemoryJobStore;
import imagejobs.testing.InMemoryObjectStore;
import imagejobs.testing.MutableClock;

/**
 * The jobs table failing before a delivery claims its job. Found by the reliability suite (DynamoDB refused for 6 s):
 * the read or the claim threw, the message was left with the visibility it was received with, the queue's 30
 * minutes, and a job whose claim had landed unseen stayed "processing" for all that time. Now the message comes back
 * after a few retry periods.
 */
class JobProcessorStoreOutageTest {
    private static final Instant T0 = Instant.parse("2026-01-10T12:00:00Z");
    private static final String ID = "01JOBAAAAAAAAAAAAAAAAAAAAA";
    private static final String REQUEST = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a red fox\"}]}]}";

    /** The in-memory table with a switch: get and claim throw as the SDK does when DynamoDB cannot be reached. */
    static final class FlakyJobStore extends InMemoryJobStore {
        boolean getFails;
        boolean claimFailsAfterLanding;

        @Override
        public Optional<Job> get(String requestId) {
            if (getFails) {
                throw new IllegalStateException("Unable to execute HTTP request: Connection refused");
            }
            return super.get(requestId);
        }

        @Override
        public synchronized Optional<Job> claim(String requestId, Instant now, Instant leaseUntil) {
            Optional<Job> claimed = super.claim(requestId, now, leaseUntil);
            if (claimFailsAfterLanding) {
                throw new IllegalStateException("Unable to execute HTTP request: Connection reset");
            }
            return claimed;
        }
    }

    private final FlakyJobStore jobs = new FlakyJobStore();
    private final List<String> visibility = new CopyOnWriteArrayList<>();
    private final GeminiClient gemini = mock(GeminiClient.class);
    private final JobProcessor processor = new JobProcessor(new WorkerPorts(jobs, new InMemoryObjectStore(), new JobQueue() {
        @Override
        public void send(String requestId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void retryAfter(String receiptHandle, Duration delay) {
            visibility.add(receiptHandle + "=" + delay.toMillis());
        }
    }, gemini, url -> {
        throw new ReferenceException("no");
    }, ModelCatalog.load(), Metrics.NONE, new MutableClock(T0)),
            new WorkerPolicy(3, Duration.ofSeconds(360), new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5), b -> 0)));

    {
        jobs.put(Job.queued(ID, "tenant-a", "gemini-2.5-flash-image", Job.SOURCE_API, null, REQUEST, null, "h", T0,
                T0.plus(Duration.ofDays(30))));
    }

    @AfterEach
    void tearDown() {
        StructuredLog.clearContext();
    }

    @Test
    void aFailedReadSendsTheMessageBackInSecondsNotAfterTheVisibilityTimeout() {
        jobs.getFails = true;
        JobProcessor.Result result = processor.process(ID, "rh-1", Duration.ofSeconds(300));
        assertEquals(new JobProcessor.Result.RetryLater(Duration.ofSeconds(8)), result);
        assertEquals(List.of("rh-1=8000"), visibility, "2 s base, third step: 8 s");
        assertEquals(JobStatus.QUEUED, jobs.job(ID).status());
        assertEquals(0, jobs.job(ID).attempts(), "no attempt spent");
        verifyNoInteractions(gemini);
    }

    @Test
    void aClaimThatLandedUnseenIsLeftToItsLease() {
        jobs.claimFailsAfterLanding = true;
        JobProcessor.Result result = processor.process(ID, "rh-1", Duration.ofSeconds(300));
        assertInstanceOf(JobProcessor.Result.RetryLater.class, result);
        assertEquals(List.of("rh-1=8000"), visibility);
        verifyNoInteractions(gemini);

        // Back in 8 s: the job is held by the lease its unseen claim set, so the copy waits for the lease.
        jobs.claimFailsAfterLanding = false;
        visibility.clear();
        JobProcessor.Result again = processor.process(ID, "rh-2", Duration.ofSeconds(300));
        assertInstanceOf(JobProcessor.Result.RetryLater.class, again);
        assertEquals(List.of("rh-2=361000"), visibility, "kept until the lease ends, then taken over");
        verifyNoInteractions(gemini);
    }
}
