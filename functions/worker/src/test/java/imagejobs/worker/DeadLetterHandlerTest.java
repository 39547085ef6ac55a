package imagejobs.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;

import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;

class DeadLetterHandlerTest {
    private static final Instant NOW = Instant.parse("2026-01-10T12:00:00Z");

    private static Job job(String id, JobStatus status, Instant leaseUntil, String lastError) {
        return new Job(id, "tenant-a", "gemini-2.5-flash-image", status, Job.SOURCE_API, null, NOW, NOW, NOW, null, 3,
                leaseUntil, null, "{}", null, "h", null, null, lastError, NOW.plusSeconds(86400));
    }

    @Test
    void failsAbandonedJobsKeepsLeasedOnesDropsGarbage() {
        JobStore jobs = mock(JobStore.class);
        String queued = "01JQ4Z8B6N6M3W9Q2Y7K5T1D0D";
        String leased = "01JQ4Z8B6N6M3W9Q2Y7K5T1D0E";
        when(jobs.get(queued)).thenReturn(Optional.of(job(queued, JobStatus.QUEUED, null, "RATE_LIMITED: slow down")));
        when(jobs.failUnleased(eq(queued), any(), eq(NOW))).thenReturn(true);
        Job held = job(leased, JobStatus.PROCESSING, NOW.plusSeconds(100), null);
        when(jobs.get(leased)).thenReturn(Optional.of(held));
        when(jobs.failUnleased(eq(leased), any(), eq(NOW))).thenReturn(false);

        SQSBatchResponse response = new DeadLetterHandler(jobs, Clock.fixed(NOW, ZoneOffset.UTC))
                .handleRequest(WorkerHandlerTest.event("dead-letter-batch.json"), null);

        assertEquals(List.of("d1e2a3d4-0000-4000-8000-000000000002"), response.getBatchItemFailures().stream()
                .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList(),
                "the job a worker still holds is looked at again after its lease");
        ArgumentCaptor<JobError> error = ArgumentCaptor.forClass(JobError.class);
        verify(jobs).failUnleased(eq(queued), error.capture(), eq(NOW));
        assertEquals("DEAD_LETTERED", error.getValue().code());
        assertTrue(error.getValue().message().contains("RATE_LIMITED: slow down"), "names the last error");
        verify(jobs, never()).failUnfinished(any(), any(), any());
    }

    @Test
    void finishedJobsAreLeftAlone() {
        JobStore jobs = mock(JobStore.class);
        when(jobs.get(any())).thenReturn(Optional.of(job("x", JobStatus.SUCCESS, null, null)));
        SQSBatchResponse response = new DeadLetterHandler(jobs, Clock.fixed(NOW, ZoneOffset.UTC))
                .handleRequest(WorkerHandlerTest.event("dead-letter-batch.json"), null);
        assertEquals(0, response.getBatchItemFailures().size());
        verify(jobs, never()).failUnleased(any(), any(), any());
    }
}
