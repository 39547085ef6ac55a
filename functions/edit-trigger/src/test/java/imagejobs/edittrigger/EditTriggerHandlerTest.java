package imagejobs.edittrigger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3EventNotificationRecord;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;

import imagejobs.shared.edits.EditTrigger;
import imagejobs.shared.edits.S3Upload;

class EditTriggerHandlerTest {

    static S3Event event(String file) {
        return EventLoader.loadS3Event(Path.of("../../events", file).toAbsolutePath().normalize().toString());
    }

    @Test
    void theSamplePutEventReachesTheTriggerWithItsKeyDecoded() {
        EditTrigger trigger = mock(EditTrigger.class);
        when(trigger.handle(any())).thenReturn(EditTrigger.Outcome.QUEUED);

        String result = new EditTriggerHandler(trigger).handleRequest(event("s3-put-edit.json"), null);

        assertEquals("QUEUED", result);
        ArgumentCaptor<S3Upload> upload = ArgumentCaptor.forClass(S3Upload.class);
        verify(trigger).handle(upload.capture());
        assertEquals(new S3Upload("imagejobs-images-000000000000-us-east-1", "edits/dev/holiday photos/cat été.png",
                1024, "d41d8cd98f00b204e9800998ecf8427e", null, "0055AED6DCD90281E5"), upload.getValue());
    }

    @Test
    void anInfrastructureFailureFailsTheInvocationSoLambdaRetriesIt() {
        EditTrigger trigger = mock(EditTrigger.class);
        IllegalStateException down = new IllegalStateException("DynamoDB unreachable");
        when(trigger.handle(any())).thenThrow(down);

        assertSame(down, assertThrows(IllegalStateException.class,
                () -> new EditTriggerHandler(trigger).handleRequest(event("s3-put-edit.json"), null)));
        verify(trigger, times(1)).handle(any());
    }

    @Test
    void aRecordThatIsNotAnObjectEventIsSkippedNotRetriedForEver() {
        EditTrigger trigger = mock(EditTrigger.class);
        when(trigger.handle(any())).thenReturn(EditTrigger.Outcome.QUEUED);
        S3Event event = event("s3-put-edit.json");
        S3EventNotificationRecord good = event.getRecords().get(0);
        S3EventNotificationRecord empty = new S3EventNotificationRecord(null, null, null, null, null, null, null, null,
                null);

        String result = new EditTriggerHandler(trigger).handleRequest(new S3Event(List.of(empty, good)), null);

        assertEquals("IGNORED,QUEUED", result);
        verify(trigger, times(1)).handle(any());
    }

    @Test
    void aKeyS3DidNotEncodeIsLookedUpAsItIs() {
        assertEquals("edits/t/100%.png", S3Upload.decodeKey("edits/t/100%.png"));
        assertEquals("edits/t/a b.png", S3Upload.decodeKey("edits/t/a+b.png"));
    }
}
