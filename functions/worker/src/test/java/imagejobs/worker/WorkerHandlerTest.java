package imagejobs.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;

import imagejobs.shared.worker.JobProcessor;

/** The handler over the real-shaped event in events/: partial batch failures name exactly the kept messages. */
class WorkerHandlerTest {
    static SQSEvent event(String file) {
        return EventLoader.loadSQSEvent(Path.of("../../events", file).toAbsolutePath().normalize().toString());
    }

    @Test
    void reportsOnlyTheMessagesToRedeliver() {
        JobProcessor processor = mock(JobProcessor.class);
        when(processor.process(eq("01JQ4Z8B6N6M3W9Q2Y7K5T1D0A"), isNull(), eq("AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a-receipt-1"), any()))
                .thenReturn(new JobProcessor.Result.Done());
        when(processor.process(eq("01JQ4Z8B6N6M3W9Q2Y7K5T1D0B"), isNull(), anyString(), any()))
                .thenReturn(new JobProcessor.Result.RetryLater(Duration.ofSeconds(4)));
        when(processor.process(eq("01JQ4Z8B6N6M3W9Q2Y7K5T1D0C"), isNull(), anyString(), any()))
                .thenThrow(new IllegalStateException("DynamoDB unreachable"));
        Context context = mock(Context.class);
        when(context.getRemainingTimeInMillis()).thenReturn(290_000);

        SQSBatchResponse response = new WorkerHandler(processor).handleRequest(event("worker-sqs-batch.json"), context);

        List<String> failed = response.getBatchItemFailures().stream()
                .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList();
        // Done and the poison message are deleted; the retry and the crash come back.
        assertEquals(List.of("2e1424d4-f796-459a-8184-9c92662be6da", "c0ffee00-1d4e-4f5a-9b6c-7d8e9f0a1b2c"), failed);
        // The batch's messages come from the intake: no wait token.
        verify(processor).process("01JQ4Z8B6N6M3W9Q2Y7K5T1D0A", null, "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a-receipt-1",
                Duration.ofMillis(290_000));
        verify(processor, never()).process(eq("this is not a job message"), any(), anyString(), any());
    }

    @Test
    void anEmptyEventIsAnEmptyResponse() {
        SQSBatchResponse response = new WorkerHandler(mock(JobProcessor.class)).handleRequest(new SQSEvent(), null);
        assertEquals(0, response.getBatchItemFailures().size());
    }
}
