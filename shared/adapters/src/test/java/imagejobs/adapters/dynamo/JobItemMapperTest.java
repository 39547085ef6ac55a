package imagejobs.adapters.dynamo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;

class JobItemMapperTest {

    @Test
    void queuedJobRoundTrips() {
        Instant now = Instant.parse("2026-11-23T08:00:00.123Z");
        Job job = Job.queued("01JDQ0000000000000000000AB", "tenant-a", "gemini-2.5-flash-image", Job.SOURCE_API, null,
                "{\"contents\":[]}", null, "hash", now, now.plusSeconds(86400));
        Map<String, AttributeValue> item = JobItemMapper.toItem(job);
        assertEquals("queued", item.get("status").s());
        assertEquals("2026-11-23T08:00:00.123Z", item.get("created_at").s());
        assertEquals(String.valueOf(now.plusSeconds(86400).getEpochSecond()), item.get("expires_at").n());
        assertFalse(item.containsKey("outcome"));
        assertEquals(job, JobItemMapper.fromItem(item));
    }

    @Test
    void finishedJobRoundTripsOutcomeAndError() {
        Instant now = Instant.parse("2026-11-23T08:00:00Z");
        ObjectNode outcome = Json.object().put("text", "done");
        Job job = new Job("01JDQ0000000000000000000AB", "t", "m", JobStatus.FAILED, Job.SOURCE_S3, "edits/t/a.png",
                now, now, now, now, 2, Instant.ofEpochMilli(5), Instant.ofEpochMilli(6), null, "inputs/t/x/request.json",
                "h", outcome, new JobError("NO_IMAGE", "no image", false), "503 earlier", now.plusSeconds(10));
        Job back = JobItemMapper.fromItem(JobItemMapper.toItem(job));
        assertEquals(job, back);
        assertNull(back.request());
    }
}
