package imagejobs.benchharness;

import java.util.ArrayList;
import java.util.List;

import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification;

import com.fasterxml.jackson.databind.JsonNode;

/** S3 notification JSON to {@link S3Event} through its constructors (loaded only for S3-triggered handlers). */
final class S3Events {
    private S3Events() {
    }

    static S3Event read(JsonNode root) {
        List<S3EventNotification.S3EventNotificationRecord> records = new ArrayList<>();
        for (JsonNode r : root.path("Records")) {
            JsonNode s3 = r.path("s3");
            JsonNode bucket = s3.path("bucket");
            JsonNode object = s3.path("object");
            records.add(new S3EventNotification.S3EventNotificationRecord(
                    text(r, "awsRegion"), text(r, "eventName"), text(r, "eventSource"), text(r, "eventTime"),
                    text(r, "eventVersion"),
                    new S3EventNotification.RequestParametersEntity(text(r.path("requestParameters"), "sourceIPAddress")),
                    new S3EventNotification.ResponseElementsEntity(text(r.path("responseElements"), "x-amz-id-2"),
                            text(r.path("responseElements"), "x-amz-request-id")),
                    new S3EventNotification.S3Entity(text(s3, "configurationId"),
                            new S3EventNotification.S3BucketEntity(text(bucket, "name"),
                                    new S3EventNotification.UserIdentityEntity(
                                            text(bucket.path("ownerIdentity"), "principalId")),
                                    text(bucket, "arn")),
                            new S3EventNotification.S3ObjectEntity(text(object, "key"),
                                    object.path("size").isMissingNode() ? null : object.path("size").asLong(),
                                    text(object, "eTag"), text(object, "versionId"), text(object, "sequencer")),
                            text(s3, "s3SchemaVersion")),
                    new S3EventNotification.UserIdentityEntity(text(r.path("userIdentity"), "principalId"))));
        }
        return new S3Event(records);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
