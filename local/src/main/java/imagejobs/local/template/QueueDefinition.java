package imagejobs.local.template;

import java.util.Map;

/**
 * One AWS::SQS::Queue as the local stack creates it.
 *
 * @param attributes SQS queue attributes (VisibilityTimeout, MessageRetentionPeriod, RedrivePolicy as JSON, ...)
 * @param deadLetterTargetArn the RedrivePolicy's target, or null
 */
public record QueueDefinition(String logicalId, String name, String url, String arn, Map<String, String> attributes,
                              String deadLetterTargetArn, Integer maxReceiveCount) {
}
