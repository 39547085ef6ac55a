package imagejobs.local.template;

/** One AWS::S3::Bucket as the local stack creates it. */
public record BucketDefinition(String logicalId, String name) {
}
