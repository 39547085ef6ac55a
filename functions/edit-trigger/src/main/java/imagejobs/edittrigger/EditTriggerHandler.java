package imagejobs.edittrigger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3EventNotificationRecord;

import imagejobs.shared.config.Environment;
import imagejobs.shared.edits.EditTrigger;
import imagejobs.shared.edits.S3Upload;
import imagejobs.shared.log.StructuredLog;

/**
 * S3 {@code ObjectCreated} events for {@code edits/{tenant}/…} → edit jobs. Each record is handled on its own. The
 * trigger turns every upload of an active tenant into a job, failed if need be; it throws only when DynamoDB is out of
 * reach, and then the invocation fails after the other records were handled, so Lambda's asynchronous retry delivers
 * the event again (handled records are recognised by their derived request id) and, after its last retry, to the
 * function's dead-letter queue. A record that is not an S3 object event at all is logged and skipped: delivering it
 * again would not help.
 */
public final class EditTriggerHandler implements RequestHandler<S3Event, String> {
    private static final StructuredLog LOG = StructuredLog.get(EditTriggerHandler.class);

    private final EditTrigger trigger;

    /** Lambda's entry point. */
    public EditTriggerHandler() {
        this(System.getenv());
    }

    /** The same wiring with a given environment (the local stack, tests). */
    public EditTriggerHandler(Map<String, String> environment) {
        this(EditTriggerWiring.trigger(new Environment(environment)));
    }

    public EditTriggerHandler(EditTrigger trigger) {
        this.trigger = trigger;
    }

    /** Returns a summary such as {@code "QUEUED,DUPLICATE"}, one outcome per record (for sam local invoke). */
    @Override
    public String handleRequest(S3Event event, Context context) {
        List<String> outcomes = new ArrayList<>();
        RuntimeException failure = null;
        List<S3EventNotificationRecord> records = event == null || event.getRecords() == null ? List.of()
                : event.getRecords();
        for (S3EventNotificationRecord record : records) {
            StructuredLog.clearContext();
            if (context != null) {
                StructuredLog.put("aws_request_id", context.getAwsRequestId());
            }
            S3Upload upload;
            try {
                upload = upload(record);
            } catch (RuntimeException e) {
                LOG.warn("record skipped: not an S3 object event", "error_message", String.valueOf(e.getMessage()));
                outcomes.add(EditTrigger.Outcome.IGNORED.name());
                continue;
            }
            try {
                outcomes.add(trigger.handle(upload).name());
            } catch (RuntimeException e) {
                LOG.error("edit event failed; the invocation fails so Lambda retries it", e);
                outcomes.add("ERROR");
                failure = e;
            }
        }
        StructuredLog.clearContext();
        if (failure != null) {
            throw failure;
        }
        return String.join(",", outcomes);
    }

    /** The upload a record names; throws when the record lacks the bucket or the object key. */
    static S3Upload upload(S3EventNotificationRecord record) {
        var s3 = Objects.requireNonNull(Objects.requireNonNull(record, "no record").getS3(), "no s3 entity");
        var object = Objects.requireNonNull(s3.getObject(), "no object");
        var bucket = Objects.requireNonNull(s3.getBucket(), "no bucket");
        String key = S3Upload.decodeKey(Objects.requireNonNull(object.getKey(), "no key"));
        return new S3Upload(bucket.getName(), key, object.getSizeAsLong() == null ? 0 : object.getSizeAsLong(),
                object.geteTag(), blankToNull(object.getVersionId()), object.getSequencer());
    }

    /** Unversioned buckets send no versionId; the events library reads that as "". */
    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
