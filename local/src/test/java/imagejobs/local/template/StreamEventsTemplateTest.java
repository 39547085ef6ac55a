package imagejobs.local.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import imagejobs.local.template.FunctionDefinition.DynamoDbEventSource;

/** Tables' StreamSpecification and functions' DynamoDB events, read the way the local stack reads template.yaml. */
class StreamEventsTemplateTest {
    private static final String TEMPLATE = """
            Transform: AWS::Serverless-2016-10-31
            Parameters:
              Batch: {Type: Number, Default: 100}
            Resources:
              JobsTable:
                Type: AWS::DynamoDB::Table
                Properties:
                  TableName: !Sub "${AWS::StackName}-jobs"
                  BillingMode: PAY_PER_REQUEST
                  AttributeDefinitions: [{AttributeName: request_id, AttributeType: S}]
                  KeySchema: [{AttributeName: request_id, KeyType: HASH}]
                  StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}
              PlainTable:
                Type: AWS::DynamoDB::Table
                Properties:
                  AttributeDefinitions: [{AttributeName: k, AttributeType: S}]
                  KeySchema: [{AttributeName: k, KeyType: HASH}]
              FailuresQueue:
                Type: AWS::SQS::Queue
              DispatchFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: functions/webhooks/target/webhooks.jar
                  Handler: imagejobs.webhooks.WebhookDispatchHandler::handleRequest
                  Events:
                    JobChanges:
                      Type: DynamoDB
                      Properties:
                        Stream: !GetAtt JobsTable.StreamArn
                        StartingPosition: TRIM_HORIZON
                        BatchSize: !Ref Batch
                        MaximumBatchingWindowInSeconds: 1
                        BisectBatchOnFunctionError: true
                        MaximumRetryAttempts: -1
                        MaximumRecordAgeInSeconds: 86400
                        FunctionResponseTypes: [ReportBatchItemFailures]
                        DestinationConfig: {OnFailure: {Type: SQS, Destination: !GetAtt FailuresQueue.Arn}}
                        FilterCriteria:
                          Filters:
                            - Pattern: '{"dynamodb":{"NewImage":{"webhook_url":{"S":[{"exists":true}]}}}}'
                    Defaults:
                      Type: DynamoDB
                      Properties:
                        Stream: !GetAtt JobsTable.StreamArn
                        StartingPosition: LATEST
                    Disabled:
                      Type: DynamoDB
                      Properties:
                        Stream: !GetAtt JobsTable.StreamArn
                        StartingPosition: LATEST
                        Enabled: false
            """;

    private static StackDefinition read(String yaml) {
        StackTemplate template = new TemplateReader().parse(yaml, Path.of("/repo"));
        return new StackDefinitionReader(template, new ResourceNames(template, StackContext.local(Map.of()),
                "http://127.0.0.1:9324")).read();
    }

    @Test
    void aTableWithAStreamSpecificationHasItsViewType() {
        StackDefinition stack = read(TEMPLATE);
        assertEquals("NEW_AND_OLD_IMAGES", stack.table("JobsTable").orElseThrow().streamViewType());
        assertNull(stack.table("PlainTable").orElseThrow().streamViewType(), "no StreamSpecification, no stream");
    }

    @Test
    void aDynamoDbEventReadsTheStreamOfItsTable() {
        FunctionDefinition dispatch = read(TEMPLATE).function("DispatchFunction").orElseThrow();
        assertEquals(List.of(
                        new DynamoDbEventSource("JobChanges", "JobsTable", "imagejobs-jobs", 100, "TRIM_HORIZON", 1,
                                true, -1),
                        new DynamoDbEventSource("Defaults", "JobsTable", "imagejobs-jobs",
                                StackDefinitionReader.DEFAULT_STREAM_BATCH_SIZE, "LATEST", 0, false, -1)),
                dispatch.dynamoDbEventSources(), "the disabled event is left out");
        assertEquals(List.of(), dispatch.sqsEventSources());
    }

    @Test
    void aStreamThatIsNotATablesOfTheTemplateIsRefused() {
        String other = TEMPLATE.replaceFirst("Stream: !GetAtt JobsTable.StreamArn",
                "Stream: arn:aws:dynamodb:us-east-1:1:table/Else/stream/x");
        TemplateException e = assertThrows(TemplateException.class, () -> read(other));
        assertTrue(e.getMessage().startsWith("DispatchFunction.Events.JobChanges.Stream "), e.getMessage());
        assertTrue(e.getMessage().contains("is not the stream of a table of this template"), e.getMessage());
    }

    @Test
    void aStreamOfATableWithoutStreamSpecificationIsRefused() {
        String noStream = TEMPLATE.replace("      StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}\n", "");
        TemplateException e = assertThrows(TemplateException.class, () -> read(noStream));
        assertEquals("DispatchFunction.Events.JobChanges.Stream reads JobsTable, which has no StreamSpecification",
                e.getMessage());
    }

    @Test
    void badStreamSettingsNameTheProperty() {
        TemplateException view = assertThrows(TemplateException.class,
                () -> read(TEMPLATE.replace("StreamViewType: NEW_AND_OLD_IMAGES", "StreamViewType: EVERYTHING")));
        assertEquals("JobsTable.StreamSpecification.StreamViewType must be one of KEYS_ONLY, NEW_IMAGE, OLD_IMAGE,"
                + " NEW_AND_OLD_IMAGES, got EVERYTHING", view.getMessage());
        TemplateException start = assertThrows(TemplateException.class,
                () -> read(TEMPLATE.replace("StartingPosition: TRIM_HORIZON", "StartingPosition: OLDEST")));
        assertEquals("DispatchFunction.Events.JobChanges.StartingPosition must be one of TRIM_HORIZON, LATEST,"
                + " AT_TIMESTAMP, got OLDEST", start.getMessage());
    }
}
