package imagejobs.local.template;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One AWS::Serverless::Function of template.yaml, with Globals applied and every intrinsic resolved against
 * the local stack's resources.
 *
 * @param logicalId   the template's logical id, e.g. {@code SubmitFunction}
 * @param handler     the Handler string, e.g. {@code imagejobs.submit.SubmitHandler::handleRequest}
 * @param codeUri     the jar the function is loaded from (CodeUri, resolved against the template's folder)
 * @param environment the function's environment variables from the template (Globals merged, resolved)
 * @param functionUrl whether the function has a {@code FunctionUrlConfig} (a Lambda function URL)
 */
public record FunctionDefinition(
        String logicalId,
        String handler,
        Path codeUri,
        Map<String, String> environment,
        int timeoutSeconds,
        int memoryMb,
        List<HttpRoute> routes,
        List<SqsEventSource> sqsEventSources,
        List<S3EventSource> s3EventSources,
        List<DynamoDbEventSource> dynamoDbEventSources,
        boolean functionUrl) {

    /** A function without DynamoDB stream events or a function URL. */
    public FunctionDefinition(String logicalId, String handler, Path codeUri, Map<String, String> environment,
                              int timeoutSeconds, int memoryMb, List<HttpRoute> routes,
                              List<SqsEventSource> sqsEventSources, List<S3EventSource> s3EventSources) {
        this(logicalId, handler, codeUri, environment, timeoutSeconds, memoryMb, routes, sqsEventSources,
                s3EventSources, List.of(), false);
    }

    /**
     * An HttpApi event: {@code POST /v1/requests}, {@code GET /v1/requests/{request_id}}, with the route throttling
     * its API's stage sets for it ({@code DefaultRouteSettings}, overridden by {@code RouteSettings} for its route
     * key), or null when the template sets none.
     */
    public record HttpRoute(String eventId, String method, String path, RouteThrottle throttle) {
        public HttpRoute(String eventId, String method, String path) {
            this(eventId, method, path, null);
        }
    }

    /**
     * API Gateway route throttling: a token bucket of {@code burstLimit} tokens refilled at {@code rateLimit} per
     * second, for all callers of the route together.
     */
    public record RouteThrottle(double rateLimit, int burstLimit) {
        /** API Gateway's account-level defaults, which apply to whatever a stage leaves unset. */
        public static final double ACCOUNT_RATE_LIMIT = 10_000;
        public static final int ACCOUNT_BURST_LIMIT = 5_000;
    }

    /** An SQS event: the queue (resolved to its local URL and ARN), batch size, batch-failure reporting. */
    public record SqsEventSource(String eventId, String queueLogicalId, String queueUrl, String queueArn,
                                 int batchSize, int maximumBatchingWindowSeconds, boolean reportBatchItemFailures,
                                 int maximumConcurrency) {
    }

    /** An S3 event: bucket, event patterns ({@code s3:ObjectCreated:*}) and key filter rules. */
    public record S3EventSource(String eventId, String bucketName, List<String> events, String prefix, String suffix) {
    }

    /**
     * A DynamoDB event: the table whose stream it reads (from {@code Stream: !GetAtt Table.StreamArn}), batch size,
     * the template's starting position, batching window, batch-failure reporting and retry limit
     * ({@code MaximumRetryAttempts}, -1: until the record expires).
     */
    public record DynamoDbEventSource(String eventId, String tableLogicalId, String tableName, int batchSize,
                                      String startingPosition, int maximumBatchingWindowSeconds,
                                      boolean reportBatchItemFailures, int maximumRetryAttempts) {
    }
}
