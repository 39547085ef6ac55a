package imagejobs.webhooks;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;

import imagejobs.adapters.dynamo.JobItemMapper;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.webhooks.JobChange;
import imagejobs.shared.webhooks.WebhookEvent;
import imagejobs.shared.webhooks.WebhookSubscription;

/**
 * The jobs table's stream records as job changes: status before (old image) and after (new image), attempts after,
 * and the subscription, read with the attribute names the job store writes. Items that are not jobs (idempotency
 * bindings, which share the table and have no status) and records without images are skipped. Kept in the function
 * module: Lambda's event types never reach the domain.
 */
final class StreamRecords {
    private static final StructuredLog LOG = StructuredLog.get(StreamRecords.class);

    /** One job change and the stream position it came from (what a batch item failure names). */
    record Entry(String sequenceNumber, JobChange change) {
    }

    private StreamRecords() {
    }

    static List<Entry> read(DynamodbEvent event) {
        List<Entry> entries = new ArrayList<>();
        if (event == null || event.getRecords() == null) {
            return entries;
        }
        for (DynamodbEvent.DynamodbStreamRecord record : event.getRecords()) {
            if (record == null || record.getDynamodb() == null) {
                continue;
            }
            Map<String, AttributeValue> before = record.getDynamodb().getOldImage();
            Map<String, AttributeValue> after = record.getDynamodb().getNewImage();
            Map<String, AttributeValue> current = after != null ? after : before;
            if (current == null) {
                LOG.warn("stream record without images; skipped (the stream must be NEW_AND_OLD_IMAGES)",
                        "sequence_number", record.getDynamodb().getSequenceNumber());
                continue;
            }
            String requestId = s(current, JobItemMapper.REQUEST_ID);
            String tenant = s(current, JobItemMapper.TENANT);
            JobStatus statusAfter = status(after);
            JobStatus statusBefore = status(before);
            if (requestId == null || tenant == null || (statusAfter == null && statusBefore == null)) {
                continue; // not a job
            }
            entries.add(new Entry(record.getDynamodb().getSequenceNumber(), new JobChange(requestId, tenant,
                    statusBefore, statusAfter, attempts(after), subscription(current))));
        }
        return entries;
    }

    private static JobStatus status(Map<String, AttributeValue> image) {
        String wire = image == null ? null : s(image, JobItemMapper.STATUS);
        return wire == null ? null : JobStatus.fromWire(wire).orElse(null);
    }

    private static int attempts(Map<String, AttributeValue> image) {
        AttributeValue value = image == null ? null : image.get(JobItemMapper.ATTEMPTS);
        if (value == null || value.getN() == null) {
            return 0;
        }
        try {
            return Integer.parseInt(value.getN());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The job's subscription, or null: the URL as stored at intake, its events (the default when none are named). */
    private static WebhookSubscription subscription(Map<String, AttributeValue> image) {
        String url = s(image, JobItemMapper.WEBHOOK_URL);
        if (url == null) {
            return null;
        }
        Set<WebhookEvent> events = EnumSet.noneOf(WebhookEvent.class);
        AttributeValue list = image.get(JobItemMapper.WEBHOOK_EVENTS);
        if (list != null && list.getL() != null) {
            for (AttributeValue v : list.getL()) {
                if (v != null && v.getS() != null) {
                    WebhookEvent.fromWire(v.getS()).ifPresent(events::add);
                }
            }
        }
        return new WebhookSubscription(url, events.isEmpty() ? WebhookSubscription.DEFAULT_EVENTS : events);
    }

    private static String s(Map<String, AttributeValue> image, String name) {
        AttributeValue value = image.get(name);
        return value == null ? null : value.getS();
    }
}
